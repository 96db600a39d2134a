"""Publishing a wave's marts as an immutable release, and the analyst catalog over them."""

import shutil

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines import paths
from pipelines.marts.measures import MARTS
from pipelines.marts.shapes import ESTIMATES
from pipelines.orchestration.metadata import column_schema, relation_metadata
from pipelines.orchestration.partitions import wave_of, waves
from pipelines.orchestration.quality_checks import checked_gate
from pipelines.orchestration.resources import BarometerSettings
from pipelines.provenance import ProvenanceError, sha256_file, unchanged_inputs
from pipelines.publish.layout import read_manifest


def _unchanged_inputs(con: duckdb.DuckDBPyConnection, wave: int) -> dict[str, str]:
    """What ingest read (provenance.unchanged_inputs); a ProvenanceError is refused as a
    PublishError, nothing of the wave being published."""
    from pipelines.publish import PublishError

    try:
        return unchanged_inputs(con, paths.raw_dir(), wave)
    except ProvenanceError as e:
        raise PublishError(str(e)) from e


@dg.asset(
    group_name="published",
    partitions_def=waves,
    # validated_responses too: the manifest names the inputs ingest read (wave_inputs)
    deps=[*MARTS, "changes", "differences", "validated_responses"],
    pool="warehouse",
    kinds={"parquet"},
)
def release(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: BarometerSettings
) -> dg.MaterializeResult:
    """The wave's marts as versioned Parquet with a manifest (docs/publishing.md), and the
    read-only analyst catalog rebuilt over the latest releases."""
    # imported here, not at the top: a run with nothing to do loads the definitions only
    from pipelines.publish import build_catalog, code_version, publish_wave
    from pipelines.publish.opendata import OPEN_DATA
    from pipelines.quality.pages import QUALITY_PAGES

    wave = wave_of(context)
    marts_dir = paths.marts_dir()
    with warehouse.get_connection() as con:
        published = publish_wave(
            con,
            wave,
            marts_dir=marts_dir,
            # what ingest read, refused if the files have changed since
            inputs=_unchanged_inputs(con, wave),
            code_version=code_version(),
            run_id=context.run.run_id,
            min_cell_size=settings.min_cell_size,
            gate=checked_gate(context),
        )
    catalog = build_catalog(marts_dir)
    # Releases once shared one folder of quality pages, a copy of the gate's private folder
    # with the pages of failed validations; each version holds its own pages now.
    shutil.rmtree(marts_dir / "quality", ignore_errors=True)
    # What was published, read back from the release's Parquet files: the estimates as one
    # table, and the rows of every file (the comparison marts have shapes of their own).
    with duckdb.connect() as reader:
        files = sorted(published.path.glob("*.parquet"))
        estimates = [str(p) for p in files if p.stem in MARTS]
        metadata = {
            **relation_metadata(reader.read_parquet(estimates)),
            "dagster/column_schema": column_schema(ESTIMATES),
        }
        rows = {p.stem: reader.read_parquet(str(p)).shape[0] for p in files}
    return dg.MaterializeResult(
        # the version LATEST names, by its manifest: the report is stale only when it changes
        data_version=dg.DataVersion(f"{published.version}:{sha256_file(published.manifest_path)}"),
        metadata={
            **metadata,
            "version": published.version,
            "rows per mart": dg.MetadataValue.json(rows),
            "new version": published.created_new,
            "manifest": dg.MetadataValue.path(str(published.manifest_path)),
            "catalog": dg.MetadataValue.path(str(catalog)),
            "data_docs": dg.MetadataValue.path(str(published.path / QUALITY_PAGES / "index.html")),
            # the JSON-stat, Data Package, DCAT-AP-NO and Excel files beside the Parquet
            "open data": dg.MetadataValue.json(
                {f["path"]: f["format"] for f in read_manifest(published.path)[OPEN_DATA]}
            ),
        },
    )
