"""The five analysis marts, one asset per mart and wave, each gated by its quality suite."""

import dagster as dg
import pyarrow as pa
from dagster_duckdb import DuckDBResource

from pipelines.estimation import transform
from pipelines.estimation.published_rows import read_wave
from pipelines.marts.measures import COMPARISON_MARTS, MARTS, description
from pipelines.marts.shapes import SHAPES
from pipelines.orchestration.metadata import column_schema, mart_result
from pipelines.orchestration.partitions import wave_of, waves
from pipelines.orchestration.quality_checks import CHECK, begin_gate, gate_check
from pipelines.orchestration.resources import BarometerSettings
from pipelines.orchestration.warehouse_resource import transaction
from pipelines.publish.privacy import disclosure_problems


def _mart_asset(mart: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=mart,
        group_name="marts",
        partitions_def=waves,
        deps=["respondents"],
        pool="warehouse",
        kinds={"duckdb"},
        description=f"{description(mart)} Weighted estimates by breakdown "
        f"(sql/estimation/marts/{mart}.sql).",
        metadata={"dagster/column_schema": column_schema(SHAPES[mart])},
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: BarometerSettings
    ) -> dg.MaterializeResult:
        # imported here, not at the top: a run with nothing to do loads the definitions only
        from pipelines.disclosure.audit import settle_precision

        wave = wave_of(context)
        with warehouse.get_connection() as con, transaction(con):
            # the derived tables as this code declares them (decision 17), for a mart
            # materialized on its own after an upgrade, before `respondents` ran again
            transform.prepare_warehouse(con)
            transform.build_mart(con, mart, wave, settings.min_cell_size)
            # the precision each group is published at (the reconstruction audit,
            # docs/disclosure.md); what is still flagged afterwards stops publication in the
            # blocking check and in publish_wave, which take the verdict the audit recorded
            settle_precision(con, mart, wave, settings.min_cell_size)
            table = read_wave(con, mart, wave)
            begin_gate(context.instance, mart, table, settings.min_cell_size)
            return mart_result(con, mart, table)

    return _asset


QUALITY_GATE = (
    "Great Expectations suite of the mart (docs/publishing.md); a failure stops publication "
    "in the same run."
)
DISCLOSURE_AUDIT = (
    "marts.md §5, §8: no table with exactly one suppressed group, no number on a suppressed "
    "row, and the reconstruction audit (docs/disclosure.md) can split no published group into "
    "small cells nor pin down a suppressed estimate; a failure stops publication in the same "
    "run."
)


def _wave_tables(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource, marts: tuple[str, ...]
) -> dict[str, pa.Table]:
    """The run's wave of each of ``marts``, as the checks validate and publishing reads it."""
    wave = wave_of(context)
    with warehouse.get_connection() as con:
        return {mart: read_wave(con, mart, wave) for mart in marts}


def _gate_spec(mart: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(CHECK, asset=mart, blocking=True, description=QUALITY_GATE)


# The checks of the estimate marts in one step, and those of the comparison marts (built
# from the gated estimates) in another: a Dagster step costs about as much as a gate on the
# sample waves, and seventeen steps per wave made a warm `make run` seconds slower.
@dg.multi_asset_check(
    specs=[
        *(_gate_spec(mart) for mart in MARTS),
        *(
            dg.AssetCheckSpec(
                "disclosure_audit", asset=mart, blocking=True, description=DISCLOSURE_AUDIT
            )
            for mart in MARTS
        ),
    ],
    name="estimate_checks",
)
def estimate_checks(
    context: dg.AssetCheckExecutionContext,
    warehouse: DuckDBResource,
    settings: BarometerSettings,
):
    # imported here, not at the top: a run with nothing to do loads the definitions only
    from pipelines.disclosure.audit import reconstruction_problems

    tables = _wave_tables(context, warehouse, MARTS)
    # The audit's verdicts first: they are this process's work, done while a GX worker
    # (pipelines/quality/worker.py) still validates the marts built last, whose verdicts
    # the gates then wait for less.
    with warehouse.get_connection() as con:
        found = {
            mart: reconstruction_problems(
                con, mart, wave_of(context), settings.min_cell_size, table
            )
            for mart, table in tables.items()
        }
    for mart, table in tables.items():
        yield gate_check(context, mart, table, settings.min_cell_size)
    for mart, table in tables.items():
        problems = disclosure_problems(table) + found[mart]
        yield dg.AssetCheckResult(
            asset_key=mart,
            check_name="disclosure_audit",
            passed=not problems,
            description="; ".join(problems) if problems else None,
            metadata={"problems": len(problems)},
        )


# Subsettable: a run that redoes only a wave's changes (an earlier wave got a new version)
# checks the changes alone.
@dg.multi_asset_check(
    specs=[_gate_spec(mart) for mart in COMPARISON_MARTS], name="comparison_checks", can_subset=True
)
def comparison_checks(
    context: dg.AssetCheckExecutionContext,
    warehouse: DuckDBResource,
    settings: BarometerSettings,
):
    selected = {key.asset_key.to_user_string() for key in context.selected_asset_check_keys}
    marts = tuple(mart for mart in COMPARISON_MARTS if mart in selected)
    for mart, table in _wave_tables(context, warehouse, marts).items():
        yield gate_check(context, mart, table, settings.min_cell_size)


mart_assets = [_mart_asset(m) for m in MARTS]
mart_checks = [estimate_checks, comparison_checks]
