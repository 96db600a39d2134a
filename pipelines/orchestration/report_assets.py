"""The per-wave report: charts of the release and the published statements recomputed."""

import dagster as dg

from pipelines import paths
from pipelines.orchestration.partitions import wave_of, waves
from pipelines.orchestration.sources import published_figures


@dg.asset(
    group_name="report",
    partitions_def=waves,
    deps=["release", published_figures],
    kinds={"html"},
)
def report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """A static HTML page per wave (BAROMETER_MARTS_DIR/reports/report-<wave>.html) of the
    version LATEST names, read from its Parquet files (never the warehouse, so it needs no
    warehouse slot): charts with intervals and every published KS statement of the wave beside
    its recomputed value; the footer names the version and its manifest's sha256."""
    # imported here, not at the top: a run with nothing to do loads the definitions only
    from pipelines.report import write_report

    wave = wave_of(context)
    marts_dir = paths.marts_dir()
    written = write_report(marts_dir, wave, marts_dir / "reports", paths.published_figures())
    failing = [r.statement.id for r in written.results if not r.holds]
    if failing:
        context.log.warning(f"wave {wave}: published statements not reproduced: {failing}")
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.path(str(written.path)),
            "version": written.release.version,
            "manifest sha256": written.release.manifest_sha256,
            "statements": len(written.results),
            "statements reproduced": len(written.results) - len(failing),
            "not reproduced": dg.MetadataValue.json(failing),
        }
    )
