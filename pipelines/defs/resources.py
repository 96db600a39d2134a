"""Resources: the private warehouse and the pipeline's settings."""

import os

import dagster as dg
from pydantic import field_validator

from pipelines.defs.warehouse_resource import LockedWarehouse
from pipelines.transform import DEFAULT_MIN_CELL_SIZE, SMALLEST_MIN_CELL_SIZE

# DuckDB's own cap on what the warehouse connection holds in memory (by default 80 % of the
# machine's RAM); past it DuckDB spills to <warehouse>.tmp. With the cap, a wave of a million
# respondents runs within 2 GiB of RSS, Python's share included (bench/).
WAREHOUSE_MEMORY_LIMIT = "1.5GB"


class BarometerSettings(dg.ConfigurableResource):
    """Settings of estimation and publishing."""

    # Cells with fewer respondents than this have no published estimate (marts.md §2).
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE

    @field_validator("min_cell_size")
    @classmethod
    def _at_least_smallest(cls, value: int) -> int:
        if value < SMALLEST_MIN_CELL_SIZE:
            raise ValueError(
                f"min_cell_size {value} is below {SMALLEST_MIN_CELL_SIZE}, "
                "the smallest the privacy rules allow"
            )
        return value


@dg.resource(
    description="BarometerSettings from BAROMETER_MIN_CELL_SIZE "
    f"(default {DEFAULT_MIN_CELL_SIZE}), read as each run starts."
)
def settings_from_environment(_context: dg.InitResourceContext) -> BarometerSettings:
    # Read as the run starts, not when the definitions are imported: a process that imports
    # them once (a code server, a test session) runs with the environment of the run's time.
    return BarometerSettings(
        min_cell_size=int(os.environ.get("BAROMETER_MIN_CELL_SIZE", DEFAULT_MIN_CELL_SIZE))
    )


RESOURCES = {
    "warehouse": LockedWarehouse(connection_config={"memory_limit": WAREHOUSE_MEMORY_LIMIT}),
    "settings": settings_from_environment,
}
