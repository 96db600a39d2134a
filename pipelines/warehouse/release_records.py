"""The private warehouse's record of what was published.

`release_estimates` keeps, for every version `publish_wave` makes, the full-precision
estimate rows it was made from: the Parquet is rounded (marts.md §8), and the changes into a
later wave are computed at full precision from these rows (pipelines/estimation/comparisons.py).
`compared_releases` names, per wave, the earlier versions its changes compared with, which
the wave's manifest lists as `compared_with`.
"""

from __future__ import annotations

import duckdb

from pipelines.marts.measures import MARTS
from pipelines.warehouse.mart_tables import release_tables_sql, warehouse_table
from pipelines.warehouse.sql_runner import run_model, run_sql


def create_record_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The record tables, where a warehouse does not have them yet (idempotent)."""
    run_sql(con, release_tables_sql(), source="the release records' tables")


def has_release_estimates(con: duckdb.DuckDBPyConnection, wave: int, version: str) -> bool:
    create_record_tables(con)
    [(found,)] = con.execute(
        "SELECT count(*) > 0 FROM release_estimates WHERE wave = $wave AND version = $version",
        {"wave": wave, "version": version},
    ).fetchall()
    return found


def record_release_estimates(con: duckdb.DuckDBPyConnection, wave: int, version: str) -> None:
    """Keep the wave's estimate rows, as the warehouse holds them now, as `version`'s; in one
    transaction, so that the version has all of its rows or none. `con` must not be in a
    transaction."""
    create_record_tables(con)
    con.begin()
    try:
        for mart in MARTS:
            run_model(
                con,
                "warehouse/release_estimates",
                wave=wave,
                version=version,
                mart=mart,
                table=warehouse_table(mart),
            )
    except BaseException:
        con.rollback()
        raise
    con.commit()


def compared_with(con: duckdb.DuckDBPyConnection, wave: int) -> list[dict]:
    """The earlier versions the changes into `wave` were computed from, as its manifest
    lists them (`compared_with`), oldest wave first."""
    create_record_tables(con)
    rows = con.execute(
        "SELECT wave_from, version, manifest_sha256 FROM compared_releases "
        "WHERE wave_to = $wave ORDER BY wave_from",
        {"wave": wave},
    ).fetchall()
    return [{"wave": w, "version": v, "manifest_sha256": sha} for w, v, sha in rows]
