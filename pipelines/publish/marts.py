"""The published shape of every mart (marts.md §1, §6, §7) and how one wave of it is read.

Publishing, the analyst catalog and the quality gate all take the mart shapes
from here, so a change to the spec is made once.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

# A mart's name is its Parquet file and catalog view; the warehouse has it as `mart_<name>`.
# The estimate marts (§1-§4) and the marts that compare their estimates (§6, §7).
from pipelines.transform import MARTS

COMPARISON_MARTS = ("changes", "differences")
PUBLISHED_MARTS = (*MARTS, *COMPARISON_MARTS)


@dataclass(frozen=True)
class MartShape:
    # (column, DuckDB type, Arrow type), in the order of the spec
    columns: tuple[tuple[str, str, pa.DataType], ...]
    key: tuple[str, ...]
    # the column that names the wave a release holds the row in
    wave_column: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.columns)

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(name, arrow_type) for name, _, arrow_type in self.columns])


ESTIMATES = MartShape(
    columns=(
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
    ),
    key=("wave", "measure", "item", "breakdown", "group_code"),
    wave_column="wave",
)
# A change into a wave is published with that wave (`wave_to`): a new or corrected wave
# republishes the changes into it from every earlier one.
CHANGES = MartShape(
    columns=(
        ("wave_from", "INTEGER", pa.int32()),
        ("wave_to", "INTEGER", pa.int32()),
        ("mart", "VARCHAR", pa.string()),
        ("measure", "VARCHAR", pa.string()),
        ("item", "VARCHAR", pa.string()),
        ("breakdown", "VARCHAR", pa.string()),
        ("group_code", "VARCHAR", pa.string()),
        ("item_label", "VARCHAR", pa.string()),
        ("group_label", "VARCHAR", pa.string()),
        ("estimate_from", "DOUBLE", pa.float64()),
        ("estimate_to", "DOUBLE", pa.float64()),
        ("difference", "DOUBLE", pa.float64()),
        ("se", "DOUBLE", pa.float64()),
        ("ci_lower", "DOUBLE", pa.float64()),
        ("ci_upper", "DOUBLE", pa.float64()),
        ("p_value", "DOUBLE", pa.float64()),
        ("suppressed", "BOOLEAN", pa.bool_()),
    ),
    key=("wave_from", "wave_to", "mart", "measure", "item", "breakdown", "group_code"),
    wave_column="wave_to",
)
DIFFERENCES = MartShape(
    columns=(
        ("wave", "INTEGER", pa.int32()),
        ("mart", "VARCHAR", pa.string()),
        ("measure", "VARCHAR", pa.string()),
        ("item", "VARCHAR", pa.string()),
        ("item_label", "VARCHAR", pa.string()),
        ("breakdown", "VARCHAR", pa.string()),
        ("groups", "INTEGER", pa.int32()),
        ("groups_left_out", "VARCHAR", pa.string()),
        ("statistic", "DOUBLE", pa.float64()),
        ("df", "INTEGER", pa.int32()),
        ("p_value", "DOUBLE", pa.float64()),
        ("q_value", "DOUBLE", pa.float64()),
        ("trend_z", "DOUBLE", pa.float64()),
        ("trend_p", "DOUBLE", pa.float64()),
    ),
    key=("wave", "mart", "measure", "item", "breakdown"),
    wave_column="wave",
)
SHAPES = {**dict.fromkeys(MARTS, ESTIMATES), "changes": CHANGES, "differences": DIFFERENCES}

# The estimate marts' shape, by the names the rest of the package uses.
COLUMNS = ESTIMATES.columns
COLUMN_NAMES = ESTIMATES.names
KEY = ESTIMATES.key
ARROW_SCHEMA = ESTIMATES.arrow_schema
# NULL exactly when the row is suppressed; every other column is never NULL.
VALUE_COLUMNS = ("estimate", "ci_lower", "ci_upper", "se", "deff")
# marts.md §5: why a row is hidden ('none' = published).
SUPPRESSION_KINDS = ("none", "primary", "secondary")


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
    expected = [(name, sql_type) for name, sql_type, _ in shape.columns]
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
