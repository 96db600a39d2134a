"""Resources: the private warehouse and the pipeline's settings."""

import os

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import field_validator

from pipelines import paths
from pipelines.transform import DEFAULT_MIN_CELL_SIZE, SMALLEST_MIN_CELL_SIZE


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


def resources() -> dict:
    paths.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    return {
        "warehouse": DuckDBResource(database=str(paths.warehouse_path())),
        "settings": BarometerSettings(
            min_cell_size=int(os.environ.get("BAROMETER_MIN_CELL_SIZE", DEFAULT_MIN_CELL_SIZE))
        ),
    }
