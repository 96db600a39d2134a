"""The published shape of a mart (marts.md §1) and how one wave of it is read.

Publishing, the analyst catalog and the quality gate all take the mart shape
from here, so a change to the spec is made once.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

# A mart's name is its Parquet file and catalog view; the warehouse has it as `mart_<name>`.
from pipelines.transform import MARTS

# (column, DuckDB type, Arrow type), in the order of marts.md §1.
COLUMNS = (
    ("wave", "INTEGER", pa.int32()),
    ("measure", "VARCHAR", pa.string()),
    ("item", "VARCHAR", pa.string()),
    ("item_label", "VARCHAR", pa.string()),
    ("breakdown", "VARCHAR", pa.string()),
    ("group_code", "VARCHAR", pa.string()),
    ("group_label", "VARCHAR", pa.string()),
    ("n", "INTEGER", pa.int32()),
    ("estimate", "DOUBLE", pa.float64()),
    ("ci_lower", "DOUBLE", pa.float64()),
    ("ci_upper", "DOUBLE", pa.float64()),
    ("se", "DOUBLE", pa.float64()),
    ("deff", "DOUBLE", pa.float64()),
    ("suppression", "VARCHAR", pa.string()),
    ("suppressed", "BOOLEAN", pa.bool_()),
)
COLUMN_NAMES = tuple(name for name, _, _ in COLUMNS)
KEY = ("wave", "measure", "item", "breakdown", "group_code")
# NULL exactly when the row is suppressed; every other column is never NULL.
VALUE_COLUMNS = ("estimate", "ci_lower", "ci_upper", "se", "deff")
# marts.md §5: why a row is hidden ('none' = published).
SUPPRESSION_KINDS = ("none", "primary", "secondary")
ARROW_SCHEMA = pa.schema([pa.field(name, arrow_type) for name, _, arrow_type in COLUMNS])


class MartTableError(ValueError):
    pass


def warehouse_table(mart: str) -> str:
    if mart not in MARTS:
        raise MartTableError(f"unknown mart {mart!r}; the marts are {MARTS}")
    return f"mart_{mart}"


def read_wave(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> pa.Table:
    """One wave of a warehouse mart, in key order, as Arrow in ARROW_SCHEMA (never via pandas).

    Refuses a warehouse table whose columns are not exactly the mart shape, so
    nothing but the mart columns can reach a release.
    """
    table = warehouse_table(mart)
    try:
        found = [(row[0], row[1]) for row in con.sql(f"DESCRIBE {table}").fetchall()]
    except duckdb.CatalogException as e:
        raise MartTableError(f"warehouse table {table} does not exist") from e
    expected = [(name, sql_type) for name, sql_type, _ in COLUMNS]
    if found != expected:
        raise MartTableError(
            f"warehouse table {table}: columns {found} differ from the mart shape {expected}"
        )
    query = f"SELECT {', '.join(COLUMN_NAMES)} FROM {table} WHERE wave = $wave ORDER BY "
    rows = con.sql(query + ", ".join(KEY), params={"wave": wave}).to_arrow_table()
    # One chunk in the fixed schema, so the Parquet bytes do not depend on how DuckDB batched.
    return rows.cast(ARROW_SCHEMA).combine_chunks()
