"""The Dagster code location: every asset, check, job, sensor and schedule of the pipeline.

`make run`, the UI (through `defs`), the tests and the benchmark all build the pipeline with
`build_definitions`; the tests swap its resources, never its assets or its job.

Every asset carries one code version: the digest of the pipeline's code (SQL, Python,
codebooks) and the minimum cell size it runs with. Dagster calls an asset made with another
one stale (pipelines/orchestration/freshness.py), so changed code or settings run again.
"""

import gc
from collections.abc import Mapping

import dagster as dg

from pipelines.orchestration import (
    automation,
    comparison_assets,
    ingest_assets,
    mart_assets,
    release_assets,
    report_assets,
    sources,
    warehouse_assets,
)
from pipelines.orchestration.resources import RESOURCES, min_cell_size_of
from pipelines.provenance import code_version

# A process that runs the pipeline holds the objects of the libraries it loads (Dagster,
# Great Expectations, pandas, matplotlib: millions), and each of Python's full collections
# walks them all. At the default thresholds one ran every 10th collection of the middle
# generation: 9–13 times a run, 2–3 s of a changed wave's `make run` and of a 1M-respondent
# run (gc.callbacks). A run's own garbage is freed by reference counting or by the young
# collections, which keep their pace; the full one now runs every 100th, once or twice a
# run, and the peak memory of the 1M run is the same (docs/design.md, decision 51).
gc.set_threshold(700, 10, 100)

ASSETS = [
    ingest_assets.validated_responses,
    warehouse_assets.reference_dimensions,
    warehouse_assets.respondents,
    *mart_assets.mart_assets,
    *comparison_assets.comparison_assets,
    release_assets.release,
    report_assets.report,
]
CHECKS = mart_assets.mart_checks


def pipeline_version(min_cell_size: int) -> str:
    """The code version of every asset: the code's digest, shortened for the UI, and the
    minimum cell size."""
    return f"{code_version()[:16]}-k{min_cell_size}"


def build_definitions(resources: Mapping[str, object] | None = None) -> dg.Definitions:
    """The pipeline's definitions, with ``resources`` in place of the default ones of the
    same key ("warehouse", "settings"). The folders the runs read and write are the
    environment's (pipelines/paths.py), as each run starts."""
    resources = {**RESOURCES, **(resources or {})}
    version = pipeline_version(min_cell_size_of(resources["settings"]))
    return dg.Definitions(
        assets=[
            *sources.SOURCES,
            *(
                a.map_asset_specs(lambda s: s.replace_attributes(code_version=version))
                for a in ASSETS
            ),
        ],
        asset_checks=CHECKS,
        jobs=[automation.wave_job],
        sensors=[automation.delivery_sensor],
        schedules=[automation.annual_rebuild],
        resources=resources,
    )


defs = build_definitions()
