"""The Dagster code location: every asset, check, job, sensor and schedule of the pipeline."""

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

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[automation.wave_job],
    sensors=[automation.delivery_sensor],
    schedules=[automation.annual_rebuild],
    resources=RESOURCES,
)
