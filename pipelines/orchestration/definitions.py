"""The Dagster code location: every asset, check, job, sensor and schedule of the pipeline.

`make run`, the UI (through `defs`), the tests and the benchmark all build the pipeline with
`build_definitions`; the tests swap its resources, never its assets or its job.
"""

from collections.abc import Mapping

import dagster as dg

from pipelines.orchestration import (
    automation,
    comparison_assets,
    ingest_assets,
    mart_assets,
    release_assets,
    report_assets,
    warehouse_assets,
)
from pipelines.orchestration.resources import RESOURCES

ASSETS = [
    ingest_assets.raw_delivery,
    ingest_assets.validated_responses,
    warehouse_assets.reference_dimensions,
    warehouse_assets.respondents,
    *mart_assets.mart_assets,
    *comparison_assets.comparison_assets,
    release_assets.release,
    report_assets.report,
]
CHECKS = mart_assets.mart_checks


def build_definitions(resources: Mapping[str, object] | None = None) -> dg.Definitions:
    """The pipeline's definitions, with ``resources`` in place of the default ones of the
    same key ("warehouse", "settings"). The folders the runs read and write are the
    environment's (pipelines/paths.py), as each run starts."""
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[automation.wave_job],
        sensors=[automation.delivery_sensor],
        schedules=[automation.annual_rebuild],
        resources={**RESOURCES, **(resources or {})},
    )


defs = build_definitions()
