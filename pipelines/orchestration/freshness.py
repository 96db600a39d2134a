"""Which assets of a wave must run: what Dagster's data versions and code versions call stale
or missing, and everything downstream of it.

The sources (pipelines/orchestration/sources.py) are observed first, an observation recorded
only when a data version differs from the last one, so that an unchanged wave writes nothing
to the instance. An asset is stale when its code version (the pipeline's code and settings,
pipelines/orchestration/definitions.py) or a parent's data version changed since it was
materialized; Dagster does not carry that down the graph until the parent runs again, so
the assets below a stale one are taken with it. The UI shows the same state.
"""

from collections.abc import Callable

import dagster as dg
from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView, TemporalContext
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph
from dagster._core.definitions.data_version import (
    DATA_VERSION_TAG,
    CachingStaleStatusResolver,
    StaleStatus,
    extract_data_version_from_entry,
)
from dagster._time import get_current_datetime

from pipelines.orchestration import sources

# (source, its data version now, the metadata of an observation)
_OBSERVED: tuple[tuple[dg.SourceAsset, Callable[[int], str], Callable[[int], dict]], ...] = (
    (sources.raw_delivery, sources.delivery_version, sources.delivery_metadata),
    (sources.reference_data, lambda _: sources.reference_version(), lambda _: {}),
    (sources.published_figures, lambda _: sources.figures_version(), lambda _: {}),
    (sources.earlier_releases, sources.earlier_releases_version, lambda _: {}),
)


def resolver(instance: dg.DagsterInstance, graph: BaseAssetGraph) -> CachingStaleStatusResolver:
    """Dagster's stale-status resolver over the instance as it is now: it caches what it
    reads, so a new one is needed once a run or an observation has added events."""
    view = AssetGraphView(
        temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
        instance=instance,
        asset_graph=graph,
    )
    return CachingStaleStatusResolver(instance, graph, view)


def observe(instance: dg.DagsterInstance, wave: int) -> list[str]:
    """Record the sources of ``wave`` whose data version changed; returns their names."""
    _forget_materializations(instance)
    changed = []
    for source, version_of, metadata_of in _OBSERVED:
        partition = str(wave) if source.partitions_def is not None else None
        version = version_of(wave)
        last = instance.get_latest_data_version_record(source.key, True, partition)
        seen = extract_data_version_from_entry(last.event_log_entry) if last else None
        if seen == dg.DataVersion(version):
            continue
        instance.report_runless_asset_event(
            dg.AssetObservation(
                asset_key=source.key,
                partition=partition,
                tags={DATA_VERSION_TAG: version},
                metadata=metadata_of(wave),
            )
        )
        changed.append(source.key.to_user_string())
    return changed


def _forget_materializations(instance: dg.DagsterInstance) -> None:
    """Wipe the events of a source that was once materialized: `raw_delivery` was an asset
    before it was an observed source, and Dagster takes an asset's latest materialization
    over its observations as what a run read, so an instance from then would call every wave
    stale for ever. After the wipe every wave runs once more."""
    for source, *_ in _OBSERVED:
        if instance.get_latest_data_version_record(source.key, False) is not None:
            instance.wipe_assets([source.key])


def to_run(stale: CachingStaleStatusResolver, graph: BaseAssetGraph, wave: int) -> set[dg.AssetKey]:
    """The materializable assets of ``wave`` that are stale or missing, and those below them."""
    due = {
        key
        for key in graph.materializable_asset_keys
        if stale.get_status(key, str(wave) if graph.get(key).is_partitioned else None)
        in (StaleStatus.STALE, StaleStatus.MISSING)
    }
    below = list(due)
    while below:
        for child in graph.get(below.pop()).child_keys:
            if child not in due and graph.get(child).is_materializable:
                due.add(child)
                below.append(child)
    return due
