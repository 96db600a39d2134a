"""The Dagster code location: every asset, check, job, sensor and schedule of the pipeline."""

import dagster as dg

from pipelines.defs import automation, comparisons, ingest, marts, publish, report, warehouse
from pipelines.defs.resources import RESOURCES

ASSETS = [
    ingest.raw_delivery,
    ingest.validated_responses,
    warehouse.reference_dimensions,
    warehouse.respondents,
    *marts.mart_assets,
    *comparisons.comparison_assets,
    publish.release,
    report.report,
]
CHECKS = marts.mart_checks

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[automation.wave_job],
    sensors=[automation.delivery_sensor],
    schedules=[automation.annual_rebuild],
    resources=RESOURCES,
)
