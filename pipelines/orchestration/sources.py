"""What the pipeline reads from outside itself, as Dagster observable source assets: each
wave's delivery (its files and codebook), the reference data, the figures KS published (which
the report recomputes) and, per wave, the versions of the earlier waves its `changes` compare
with. The data version of each is a digest of what it holds now, so that Dagster marks what
was made from an older state stale (pipelines/orchestration/freshness.py).

`make run` and the delivery sensor observe them before a wave runs; so does "Observe" in
the UI.
"""

import hashlib
import json
import warnings

import dagster as dg

from pipelines import paths
from pipelines.ingest.delivery import discover_waves, locate_delivery
from pipelines.orchestration.partitions import waves
from pipelines.provenance import delivery_fingerprints, reference_fingerprints, sha256_file
from pipelines.publish.layout import latest_before


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def delivery_version(wave: int) -> str:
    """The wave's delivery files and its codebook, as ingest reads them."""
    return _digest(delivery_fingerprints(paths.raw_dir(), wave))


def reference_version() -> str:
    return _digest(reference_fingerprints(paths.reference_dir()))


def figures_version() -> str:
    return sha256_file(paths.published_figures())


def earlier_releases_version(wave: int) -> str:
    """The versions LATEST names of every wave before ``wave``: what its changes compare
    with (each entry is what a manifest records under `compared_with`)."""
    return _digest([e.compared() for e in latest_before(paths.marts_dir(), wave)])


def delivery_metadata(wave: int) -> dict:
    """What an observation of the wave's delivery shows: its folder, format and files."""
    delivery = locate_delivery(paths.raw_dir(), wave)
    files = {
        delivery.name(path): {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
        for path in (delivery.responses, delivery.frame)
    }
    return {
        "folder": dg.MetadataValue.path(str(delivery.folder)),
        "format": delivery.format,
        "files": dg.MetadataValue.json(files),
    }


def _present(context: dg.AssetExecutionContext) -> list[int]:
    """The registered waves whose delivery folder is complete."""
    known = set(context.instance.get_dynamic_partitions(waves.name))
    return [wave for wave in discover_waves(paths.raw_dir()) if str(wave) in known]


# Observable source assets (beta in Dagster 1.13, hence the warning filter) because Dagster's
# staleness reads the data versions of observations only for them; an external AssetSpec's
# observations would go unseen. "Observe" in the UI runs these functions; `make run` and the
# sensor record the same versions (freshness.observe).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)

    @dg.observable_source_asset(group_name="raw_deliveries", partitions_def=waves)
    def raw_delivery(context: dg.AssetExecutionContext) -> dg.DataVersionsByPartition:
        """The vendor's files of one wave (delivery contract §1) in BAROMETER_RAW_DIR, with
        the wave's codebook: its data version is their digest."""
        return dg.DataVersionsByPartition({str(w): delivery_version(w) for w in _present(context)})

    @dg.observable_source_asset(group_name="raw_deliveries")
    def reference_data() -> dg.DataVersion:
        """SSB's municipality and county data in BAROMETER_RAW_DIR/reference."""
        return dg.DataVersion(reference_version())

    @dg.observable_source_asset(group_name="report")
    def published_figures() -> dg.DataVersion:
        """The figures KS published (data/published-figures.csv), which each report
        recomputes."""
        return dg.DataVersion(figures_version())

    @dg.observable_source_asset(group_name="published", partitions_def=waves)
    def earlier_releases(context: dg.AssetExecutionContext) -> dg.DataVersionsByPartition:
        """Per wave, the latest versions of the earlier waves, which its changes compare
        with: a new version of an earlier wave makes the later waves' changes stale. (As
        assets, release → changes → release would be a cycle; this source keeps the
        dependency in the data.)"""
        return dg.DataVersionsByPartition(
            {str(w): earlier_releases_version(w) for w in _present(context)}
        )


SOURCES = [raw_delivery, reference_data, published_figures, earlier_releases]
