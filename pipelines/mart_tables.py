"""The marts' warehouse tables and views, written from the vocabulary's shapes.

`mart_estimates` holds every estimate mart, keyed by the mart's name, with one view
`mart_<name>` per mart; the comparison marts are tables of their own. Every column is NOT
NULL unless the shape says it may be NULL. Beside them, `published_precision`: the coarser
precision the reconstruction audit asks for a group (marts.md §8), which publishing honours.
"""

from __future__ import annotations

from pipelines.vocabulary import (
    CHANGES,
    COARSEST_LEVEL,
    DIFFERENCES,
    ESTIMATES,
    MARTS,
    Column,
    MartShape,
)

# Written by the reconstruction audit, one row per group it flags; a group without a row is
# published at level 0 (sql/publish/ reads it). The levels are the vocabulary's.
PUBLISHED_PRECISION = f"""CREATE TABLE IF NOT EXISTS published_precision (
    mart VARCHAR NOT NULL,
    wave INTEGER NOT NULL,
    measure VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    group_code VARCHAR NOT NULL,
    level SMALLINT NOT NULL CHECK (level BETWEEN 0 AND {COARSEST_LEVEL}),
    PRIMARY KEY (mart, wave, measure, breakdown, group_code)
);"""


def _table(name: str, shape: MartShape, leading: tuple[Column, ...] = ()) -> str:
    columns = [
        f"    {c.name} {c.type}{'' if c.nullable else ' NOT NULL'}"
        for c in (*leading, *shape.columns)
    ]
    key = [c.name for c in leading] + list(shape.key)
    body = ",\n".join([*columns, f"    PRIMARY KEY ({', '.join(key)})"])
    return f"CREATE TABLE IF NOT EXISTS {name} (\n{body}\n);"


def mart_tables_sql() -> str:
    """CREATE TABLE and CREATE VIEW statements of the marts (idempotent)."""
    statements = [
        _table("mart_estimates", ESTIMATES, (Column("mart", "VARCHAR", "the mart's name"),)),
        _table("mart_differences", DIFFERENCES),
        _table("mart_changes", CHANGES),
        PUBLISHED_PRECISION,
        *(
            f"CREATE OR REPLACE VIEW mart_{mart} AS\n"
            f"    SELECT * EXCLUDE (mart) FROM mart_estimates WHERE mart = '{mart}';"
            for mart in MARTS
        ),
    ]
    return "\n".join(statements) + "\n"
