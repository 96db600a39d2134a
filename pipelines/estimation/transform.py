"""Runs the SQL transformations of one wave: weights, respondents, then the marts."""

from __future__ import annotations

import duckdb

from pipelines.marts.disclosure_rules import MIN_CELL_SIZE, check_min_cell_size
from pipelines.marts.measures import MARTS
from pipelines.survey import codebook
from pipelines.warehouse import schema
from pipelines.warehouse.mart_tables import mart_tables_sql
from pipelines.warehouse.schema import ddl
from pipelines.warehouse.sql_runner import create_temp_table, run_model, run_sql


def prepare_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Shared macros and the tables the transformations fill (idempotent)."""
    run_model(con, "warehouse/macros")
    _drop_outdated_tables(con)
    run_sql(con, ddl(schema.DERIVED_TABLES), source="the derived tables")
    run_sql(con, mart_tables_sql(), source="the marts' tables")
    run_model(con, "warehouse/respondent_answers")
    run_model(con, "estimation/estimate")


def outdated_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The derived tables whose columns (names, types, order) differ from their declaration
    in the schema (docs/design.md, decision 17). The release records are not derived: they
    hold what was published, which no run remakes."""
    return [
        table.name
        for table in schema.DERIVED_TABLES
        if (found := _columns(con, table.name)) and found != table.signature
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = $table AND table_schema = 'main' ORDER BY ordinal_position",
        {"table": table},
    ).fetchall()


def _drop_outdated_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop derived tables whose columns are outdated: the run rebuilds them from the
    ingested responses."""
    for table in outdated_tables(con):
        con.execute(f"DROP TABLE {table}")


def build_respondents(con: duckdb.DuckDBPyConnection, wave: int) -> None:
    book = codebook.load(wave)
    run_model(con, "estimation/weights", wave=wave, numbering=book.municipality_numbering)
    run_model(
        con,
        "estimation/respondents",
        wave=wave,
        numbering=book.municipality_numbering,
        asks_reform=book.asked("reform_trykk"),
    )


def estimate_wave(
    con: duckdb.DuckDBPyConnection, wave: int, min_cell_size: int = MIN_CELL_SIZE
) -> None:
    """A wave's estimates in one go: the tables, the weighted respondents, then every mart
    of MARTS — the steps the wave job's assets take one each (respondents, then an asset
    per mart). For a caller without the job: the bench's bare-DuckDB baseline."""
    prepare_warehouse(con)
    build_respondents(con, wave)
    for mart in MARTS:
        build_mart(con, mart, wave, min_cell_size)


def build_mart(
    con: duckdb.DuckDBPyConnection, mart: str, wave: int, min_cell_size: int = MIN_CELL_SIZE
) -> int:
    """Replace the wave's rows of one mart; returns how many rows it now has. The precision
    each of its groups is published at is settled afterwards by the caller
    (pipelines.disclosure.audit.settle_precision, docs/disclosure.md)."""
    if mart not in MARTS:
        raise ValueError(f"unknown mart {mart!r}; the marts are {', '.join(MARTS)}")
    check_min_cell_size(min_cell_size)
    create_temp_table(con, "mart_observations", f"estimation/marts/{mart}", wave=wave)
    run_model(con, "estimation/write_mart", mart=mart, wave=wave, min_cell_size=min_cell_size)
    [(rows,)] = con.execute(
        "SELECT count(*) FROM mart_estimates WHERE mart = $mart AND wave = $wave",
        {"mart": mart, "wave": wave},
    ).fetchall()
    return rows
