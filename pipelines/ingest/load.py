"""Writing a wave into the warehouse: all of its ingest tables in one transaction."""

from __future__ import annotations

import duckdb

from pipelines.warehouse.schema import INGEST_TABLES, ddl
from pipelines.warehouse.sql_runner import run_model, run_sql

# The temporary views and tables one ingest stages; dropped when it ends, however it ends.
STAGING_VIEWS = ("ingest_raw", "ingest_responses")
STAGING_TABLES = (
    "ingest_landing",
    "ingest_malformed",
    "ingest_frame_landing",
    "ingest_frame_raw",
    "ingest_failures",
    "ingest_quarantine",
    "ingest_accepted",
    "ingest_cells",
    "ingest_routing_warnings",
    "ingest_frame",
    "ingest_wave_inputs",
)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The ingest's warehouse tables, if they are not there yet."""
    run_sql(con, ddl(INGEST_TABLES), source="the ingest's tables")


def replace_wave(
    con: duckdb.DuckDBPyConnection, wave: int, responses_file: str, inputs: dict[str, str]
) -> None:
    """Swap the wave's rows of responses, frame, quarantine, routing_warnings and
    wave_inputs (``inputs``: name -> sha256 of what was read) for the staged ones, all or
    nothing."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_wave_inputs AS "
        "SELECT CAST($wave AS INTEGER) AS wave, unnest($names) AS name, "
        "unnest($digests) AS sha256",
        {"wave": wave, "names": list(inputs), "digests": list(inputs.values())},
    )
    con.execute("BEGIN TRANSACTION")
    try:
        run_model(con, "ingest/replace_wave", wave=wave, file=responses_file)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    for view in STAGING_VIEWS:
        con.execute(f"DROP VIEW IF EXISTS temp.main.{view}")
    for table in STAGING_TABLES:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
