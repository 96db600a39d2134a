"""The marts that compare estimates: differences between the groups of a wave and changes
into it from every earlier published wave (marts.md §6, §7), each gated like the others."""

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines import comparisons, paths, transform
from pipelines.defs.metadata import relation_metadata, table_metadata
from pipelines.defs.partitions import wave_of, waves
from pipelines.defs.warehouse_resource import transaction
from pipelines.publish.catalog import latest_estimates


@dg.asset(
    group_name="marts",
    partitions_def=waves,
    deps=list(transform.MARTS),
    pool="warehouse",
    kinds={"duckdb"},
    description="Do the published groups of a table differ? Wald and trend tests with the "
    "design-based covariance of the groups, Benjamini–Hochberg q-values (marts.md §7).",
)
def differences(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    wave = wave_of(context)
    with warehouse.get_connection() as con, transaction(con):
        comparisons.build_differences(con, wave)
        return dg.MaterializeResult(metadata=table_metadata(con, "mart_differences", wave))


@dg.asset(
    group_name="marts",
    partitions_def=waves,
    deps=list(transform.MARTS),
    pool="warehouse",
    kinds={"duckdb"},
    description="Every row of the wave beside the same row of every earlier published wave: "
    "difference, standard error, interval and p-value (marts.md §6). Reads the earlier "
    "waves' latest releases, so publishing an earlier wave again calls for this one too.",
)
def changes(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    wave = wave_of(context)
    earlier = latest_estimates(paths.marts_dir(), wave)
    with warehouse.get_connection() as con, transaction(con):
        comparisons.build_changes(con, wave, earlier)
        rows = con.table("mart_changes").filter(
            duckdb.ColumnExpression("wave_to") == duckdb.ConstantExpression(wave)
        )
        return dg.MaterializeResult(
            metadata={
                **relation_metadata(rows),
                "compared with waves": sorted(
                    wave for (wave,) in rows.aggregate("wave_from", "wave_from").fetchall()
                ),
            }
        )


comparison_assets = [differences, changes]
