"""The Dagster code location: every asset, check, job, sensor and schedule of the pipeline.

`make run`, the UI (through `defs`), the tests and the benchmark all build the pipeline with
`build_definitions`; the tests swap its resources, never its assets or its job.
"""

from collections.abc import Mapping

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
