"""Resources: the private warehouse and the pipeline's settings."""

import os

import dagster as dg
from pydantic import field_validator

from pipelines.marts.disclosure_rules import MIN_CELL_SIZE, check_min_cell_size
from pipelines.orchestration.warehouse_resource import LockedWarehouse
from pipelines.warehouse.sql_runner import WAREHOUSE_MEMORY_LIMIT


class BarometerSettings(dg.ConfigurableResource):
    """Settings of estimation and publishing."""

    # Cells with fewer respondents than this have no published estimate (marts.md §2).
    min_cell_size: int = MIN_CELL_SIZE

    @field_validator("min_cell_size")
    @classmethod
    def _at_least_the_floor(cls, value: int) -> int:
        return check_min_cell_size(value)


def _environment_min_cell_size() -> int:
    return int(os.environ.get("BAROMETER_MIN_CELL_SIZE", MIN_CELL_SIZE))


@dg.resource(
    description="BarometerSettings from BAROMETER_MIN_CELL_SIZE "
    f"(default {MIN_CELL_SIZE}), read as each run starts."
)
def settings_from_environment(_context: dg.InitResourceContext) -> BarometerSettings:
    # Read as the run starts, not when the definitions are imported: a process that imports
    # them once (a code server, a test session) runs with the environment of the run's time.
    return BarometerSettings(min_cell_size=_environment_min_cell_size())


def min_cell_size_of(settings: object) -> int:
    """The minimum cell size a settings resource gives: a BarometerSettings' own, or the
    environment's now. (The assets' code version holds it: definitions.pipeline_version.)"""
    if isinstance(settings, BarometerSettings):
        return settings.min_cell_size
    return _environment_min_cell_size()


RESOURCES = {
    "warehouse": LockedWarehouse(connection_config={"memory_limit": WAREHOUSE_MEMORY_LIMIT}),
    "settings": settings_from_environment,
}
