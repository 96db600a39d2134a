"""Warehouse assets: the reference dimensions and each wave's weighted respondents."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import paths
from pipelines.estimation import transform
from pipelines.ingest.reference import build_reference
from pipelines.orchestration.metadata import relation_metadata, table_schema
from pipelines.orchestration.partitions import wave_of, waves
from pipelines.orchestration.resources import BarometerSettings
from pipelines.orchestration.respondent_metadata import respondent_metadata
from pipelines.orchestration.sources import reference_data
from pipelines.orchestration.warehouse_resource import transaction
from pipelines.warehouse.schema import REF_MUNICIPALITY, RESPONDENTS


@dg.asset(
    group_name="warehouse",
    deps=[reference_data],
    pool="warehouse",
    kinds={"duckdb"},
    metadata={"dagster/column_schema": table_schema(REF_MUNICIPALITY)},
)
def reference_dimensions(warehouse: DuckDBResource) -> dg.MaterializeResult:
    """SSB municipalities per numbering with the breakdown groups of marts.md §4, and the
    label tables derived from the questionnaire."""
    with warehouse.get_connection() as con, transaction(con):
        build_reference(con, paths.reference_dir())
        counts = dict(
            con.execute(
                "SELECT CAST(numbering AS VARCHAR), count(*) FROM ref_municipality GROUP BY ALL"
            ).fetchall()
        )
        metadata = relation_metadata(con.table(REF_MUNICIPALITY.name), REF_MUNICIPALITY)
    return dg.MaterializeResult(metadata={**metadata, "municipalities by numbering": counts})


@dg.asset(
    group_name="warehouse",
    partitions_def=waves,
    deps=["validated_responses", reference_dimensions],
    pool="warehouse",
    kinds={"duckdb"},
    metadata={"dagster/column_schema": table_schema(RESPONDENTS)},
)
def respondents(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: BarometerSettings
) -> dg.MaterializeResult:
    """Each accepted respondent's post-stratification weight, derived flags and breakdown
    groups (sql/estimation/weights.sql, sql/estimation/respondents.sql)."""
    wave = wave_of(context)
    with warehouse.get_connection() as con, transaction(con):
        transform.prepare_warehouse(con)
        transform.build_respondents(con, wave)
        unrepresented = con.execute(
            "SELECT sektor, virksomhetstype, landsdel, n_population FROM frame_coverage "
            "WHERE wave = $wave AND n_respondents = 0",
            {"wave": wave},
        ).df()
        metadata = respondent_metadata(
            con, RESPONDENTS.name, wave, min_cell_size=settings.min_cell_size
        )
    if len(unrepresented):
        context.log.warning(
            f"wave {wave}: {len(unrepresented)} frame cell(s) without respondents; "
            "their population is not represented by the weights"
        )
    metadata["frame cells without respondents"] = dg.MetadataValue.md(
        unrepresented.to_markdown(index=False) if len(unrepresented) else "none"
    )
    return dg.MaterializeResult(metadata=metadata)
