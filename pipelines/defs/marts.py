"""The five analysis marts, one asset per mart and wave, each gated by its quality suite."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import transform
from pipelines.defs.gate import gate_once
from pipelines.defs.metadata import table_metadata
from pipelines.defs.partitions import wave_of, waves
from pipelines.defs.resources import BarometerSettings
from pipelines.defs.warehouse_resource import transaction
from pipelines.publish.marts import COMPARISON_MARTS, read_wave
from pipelines.publish.privacy import disclosure_problems


def _mart_asset(mart: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=mart,
        group_name="marts",
        partitions_def=waves,
        deps=["respondents"],
        pool="warehouse",
        kinds={"duckdb"},
        description=f"The {mart} mart (sql/marts/{mart}.sql): weighted estimates by breakdown.",
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: BarometerSettings
    ) -> dg.MaterializeResult:
        wave = wave_of(context)
        with warehouse.get_connection() as con, transaction(con):
            transform.build_mart(con, mart, wave, settings.min_cell_size)
            return dg.MaterializeResult(metadata=table_metadata(con, f"mart_{mart}", wave))

    return _asset


def _quality_check(mart: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=mart,
        name="quality_gate",
        blocking=True,
        description="Great Expectations suite of the mart (docs/publishing.md); "
        "a failure stops publication in the same run.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext,
        warehouse: DuckDBResource,
        settings: BarometerSettings,
    ) -> dg.AssetCheckResult:
        wave = wave_of(context)
        with warehouse.get_connection() as con:
            df = read_wave(con, mart, wave).to_pandas()
        result = gate_once(mart, df, settings.min_cell_size)
        return dg.AssetCheckResult(
            passed=result.success,
            description=None if result.success else str(result),
            metadata={
                "expectations": result.evaluated,
                "failed": dg.MetadataValue.json([str(f) for f in result.failures]),
                "data_docs": dg.MetadataValue.path(str(result.docs_index)),
            },
        )

    return _check


def _disclosure_audit(mart: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=mart,
        name="disclosure_audit",
        blocking=True,
        description="marts.md §5: no table with exactly one suppressed group, no number on a "
        "suppressed row; a failure stops publication in the same run.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource):
        with warehouse.get_connection() as con:
            problems = disclosure_problems(read_wave(con, mart, wave_of(context)))
        return dg.AssetCheckResult(
            passed=not problems,
            description="; ".join(problems) if problems else None,
            metadata={"problems": len(problems)},
        )

    return _check


mart_assets = [_mart_asset(m) for m in transform.MARTS]
mart_checks = [
    *(check(m) for m in transform.MARTS for check in (_quality_check, _disclosure_audit)),
    *(_quality_check(m) for m in COMPARISON_MARTS),
]
