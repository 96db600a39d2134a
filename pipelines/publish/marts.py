"""How one wave of a published mart is read from the warehouse, in its shape.

The shapes are the vocabulary's (pipelines/vocabulary.py); a mart's name is its Parquet
file and catalog view, and the warehouse has it as `mart_<name>`.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pipelines.vocabulary import PUBLISHED_MARTS, SHAPES


class MartTableError(ValueError):
    pass


def warehouse_table(mart: str) -> str:
    if mart not in SHAPES:
        raise MartTableError(f"unknown mart {mart!r}; the marts are {PUBLISHED_MARTS}")
    return f"mart_{mart}"


def read_wave(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> pa.Table:
    """One wave of a warehouse mart, in key order, as Arrow in its shape (never via pandas).

    Refuses a warehouse table whose columns are not exactly the mart's shape, so
    nothing but the mart columns can reach a release.
    """
    table = warehouse_table(mart)
    shape = SHAPES[mart]
    try:
        found = [(row[0], row[1]) for row in con.sql(f"DESCRIBE {table}").fetchall()]
    except duckdb.CatalogException as e:
        raise MartTableError(f"warehouse table {table} does not exist") from e
    expected = [(c.name, c.type) for c in shape.columns]
    if found != expected:
        raise MartTableError(
            f"warehouse table {table}: columns {found} differ from the mart shape {expected}"
        )
    query = (
        f"SELECT {', '.join(shape.names)} FROM {table} "
        f"WHERE {shape.wave_column} = $wave ORDER BY {', '.join(shape.key)}"
    )
    rows = con.sql(query, params={"wave": wave}).to_arrow_table()
    # One chunk in the fixed schema, so the Parquet bytes do not depend on how DuckDB batched.
    return rows.cast(shape.arrow_schema).combine_chunks()
