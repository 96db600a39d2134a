"""How one wave of a published mart is read from the warehouse: in its shape, rounded.

The shapes and the precision are the vocabulary's (pipelines/marts/); a mart's name is its
Parquet file and catalog view, and the warehouse has it as `mart_<name>`
(pipelines/warehouse/mart_tables.py). Every
reader of a mart on its way out of the warehouse — the quality gate, the disclosure audit,
publishing, Dagster metadata — reads it here, so what they see is what is published: the
rows of `sql/estimation/published/<shape>.sql`, rounded as marts.md §8 says. The warehouse keeps
full precision.
"""

from __future__ import annotations

from functools import cache

import duckdb
import pyarrow as pa

from pipelines.marts.disclosure_rules import (
    PRECISION_LEVELS,
    PUBLISHED_DECIMALS,
    number_kind,
    published_rounding,
)
from pipelines.marts.measures import MARTS, MEASURES
from pipelines.marts.shapes import SHAPES
from pipelines.warehouse.mart_tables import MartTableError, warehouse_table
from pipelines.warehouse.sql_runner import run_model

# The name the SQL under sql/estimation/published/ reads the roundings by.
ROUNDINGS = "published_rounding"
_ROUNDING = pa.struct([("decimals", pa.int32()), ("steps", pa.int32())])


@cache
def roundings() -> pa.Table:
    """How every number column is published, per measure and level: a struct (decimals,
    steps), NULL where the level withholds the column."""
    rows = []
    for measure in MEASURES:
        kind = number_kind(measure)
        for level in PRECISION_LEVELS:
            row = {"measure": measure, "level": level}
            for column in PUBLISHED_DECIMALS:
                rounding = published_rounding(column, kind, level)
                row[column] = None if rounding is None else vars(rounding)
            rows.append(row)
    schema = pa.schema(
        [("measure", pa.string()), ("level", pa.int16())]
        + [(column, _ROUNDING) for column in PUBLISHED_DECIMALS]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def read_wave(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> pa.Table:
    """One wave of a warehouse mart as it is published: rounded (marts.md §8) at the levels
    of `published_precision`, in key order, as Arrow in its shape (never via pandas).

    Refuses a warehouse table whose columns are not exactly the mart's shape, so
    nothing but the mart columns can reach a release.
    """
    table = warehouse_table(mart)
    shape = SHAPES[mart]
    found = _columns(con, table)
    expected = [(c.name, c.type) for c in shape.columns]
    if found != expected:
        raise MartTableError(
            f"warehouse table {table}: columns {found} differ from the mart shape {expected}"
        )
    _columns(con, "published_precision")  # created with the mart tables
    run_model(con, "estimation/published/published_number")
    con.register(ROUNDINGS, roundings())
    try:
        if mart in MARTS:
            published = run_model(
                con, "estimation/published/estimates", mart=mart, mart_table=table, wave=wave
            )
        else:
            published = run_model(con, f"estimation/published/{mart}", wave=wave)
        rows = published.to_arrow_table()
    finally:
        con.unregister(ROUNDINGS)
    # One chunk in the fixed schema, so the Parquet bytes do not depend on how DuckDB batched.
    return rows.cast(shape.arrow_schema).combine_chunks()


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    try:
        return [(row[0], row[1]) for row in con.sql(f"DESCRIBE {table}").fetchall()]
    except duckdb.CatalogException as e:
        raise MartTableError(f"warehouse table {table} does not exist") from e
