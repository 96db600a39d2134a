"""The marts that compare estimates: differences between the groups of a wave and changes
into it from every earlier published wave (marts.md §6, §7), each gated like the others."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import comparisons, paths
from pipelines.defs.metadata import column_schema, mart_metadata
from pipelines.defs.partitions import wave_of, waves
from pipelines.defs.warehouse_resource import transaction
from pipelines.publish.catalog import latest_estimates
from pipelines.vocabulary import MARTS, SHAPES, description


def _comparison_mart(mart: str, note: str):
    """The asset of a comparison mart: it reads the wave's estimate marts."""
    return dg.asset(
        name=mart,
        group_name="marts",
        partitions_def=waves,
        deps=list(MARTS),
        pool="warehouse",
        kinds={"duckdb"},
        description=f"{description(mart)} {note}",
        metadata={"dagster/column_schema": column_schema(SHAPES[mart])},
    )


@_comparison_mart(
    "differences",
    "Wald and trend tests with the design-based covariance of the groups, "
    "Benjamini–Hochberg q-values.",
)
def differences(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    wave = wave_of(context)
    with warehouse.get_connection() as con, transaction(con):
        comparisons.build_differences(con, wave)
        return dg.MaterializeResult(metadata=mart_metadata(con, "differences", wave))


@_comparison_mart(
    "changes",
    "Reads the earlier waves' latest releases, so publishing an earlier wave again calls for "
    "this one too.",
)
def changes(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    wave = wave_of(context)
    earlier = latest_estimates(paths.marts_dir(), wave)
    with warehouse.get_connection() as con, transaction(con):
        comparisons.build_changes(con, wave, earlier)
        [(compared,)] = con.execute(
            "SELECT list(DISTINCT wave_from ORDER BY wave_from) FROM mart_changes "
            "WHERE wave_to = $wave",
            {"wave": wave},
        ).fetchall()
        return dg.MaterializeResult(
            metadata={
                **mart_metadata(con, "changes", wave),
                "compared with waves": compared or [],
            }
        )


comparison_assets = [differences, changes]
