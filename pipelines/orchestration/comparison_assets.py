"""The marts that compare estimates: differences between the groups of a wave and changes
into it from every earlier published wave (marts.md §6, §7), each gated like the others.

The changes into a wave depend on the earlier waves' releases: `release` of an earlier wave
feeds `changes` of a later one, which feeds that wave's `release`. As assets (partitions
aside) that is a cycle, which Dagster does not allow, so the dependency is kept in the data:
the changes record which versions they compared with (compared_releases, the manifest's
`compared_with`), and the observable source `earlier_releases` (pipelines/orchestration/
sources.py) changes its data version when an earlier wave has a newer version, which makes
the wave's changes stale."""

import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import paths
from pipelines.estimation.published_rows import read_wave
from pipelines.marts.measures import MARTS, description
from pipelines.marts.shapes import SHAPES
from pipelines.orchestration.metadata import column_schema, mart_result
from pipelines.orchestration.partitions import wave_of, waves
from pipelines.orchestration.quality_checks import begin_gate
from pipelines.orchestration.resources import BarometerSettings
from pipelines.orchestration.sources import earlier_releases
from pipelines.orchestration.warehouse_resource import transaction
from pipelines.publish.layout import latest_before


def _comparison_mart(mart: str, note: str, deps: tuple = ()):
    """The asset of a comparison mart: it reads the wave's estimate marts."""
    return dg.asset(
        name=mart,
        group_name="marts",
        partitions_def=waves,
        deps=[*MARTS, *deps],
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
def differences(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: BarometerSettings
):
    # imported here, not at the top: a run with nothing to do loads the definitions only
    from pipelines.estimation import comparisons

    wave = wave_of(context)
    with warehouse.get_connection() as con, transaction(con):
        comparisons.build_differences(con, wave)
        table = read_wave(con, "differences", wave)
        begin_gate(context.instance, "differences", table, settings.min_cell_size)
        return mart_result(con, "differences", table)


@_comparison_mart(
    "changes",
    "Compared at full precision with the version LATEST names of every earlier wave (the rows "
    "the warehouse kept of it, release_estimates), recorded in the release's manifest as "
    "compared_with. That dependency on the earlier waves' releases is in the data, not in "
    "the asset graph (release → changes → release would be a cycle) but in the source "
    "earlier_releases: when an earlier wave gets a new version, these changes are stale.",
    deps=(earlier_releases,),
)
def changes(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: BarometerSettings
):
    # imported here, not at the top: a run with nothing to do loads the definitions only
    from pipelines.estimation import comparisons

    wave = wave_of(context)
    earlier = latest_before(paths.marts_dir(), wave)
    with warehouse.get_connection() as con, transaction(con):
        comparisons.build_changes(con, wave, earlier)
        table = read_wave(con, "changes", wave)
        begin_gate(context.instance, "changes", table, settings.min_cell_size)
        versions = [e.compared() for e in earlier]
        compared = {"compared with": dg.MetadataValue.json(versions)}
        # Dagster does not carry a partitioned source's version (earlier_releases) into the
        # version it derives; the rows need not change with the versions compared with, the
        # release does (its manifest names them)
        made_from = json.dumps(versions, sort_keys=True)
        return mart_result(con, "changes", table, compared, made_from=made_from)


comparison_assets = [differences, changes]
