"""The marts' warehouse tables and views, written from the vocabulary's shapes.

`mart_estimates` holds every estimate mart, keyed by the mart's name, with one view
`mart_<name>` per mart; the comparison marts are tables of their own. Every column is NOT
NULL unless the shape says it may be NULL. Beside them, `published_precision`: the coarser
precision the reconstruction audit asks for a group (marts.md §8), which publishing honours.

Beside them, the private record of what was published (pipelines/warehouse/release_records.py):
`release_estimates`, the full-precision estimate rows of every version made, and
`compared_releases`, the earlier versions the changes into each wave compared with.
"""

from __future__ import annotations

from pipelines.marts.disclosure_rules import COARSEST_LEVEL
from pipelines.marts.measures import MARTS, PUBLISHED_MARTS
from pipelines.marts.shapes import CHANGES, DIFFERENCES, ESTIMATES, SHAPES, Column


class MartTableError(ValueError):
    pass


def warehouse_table(mart: str) -> str:
    """The warehouse table (or view) of a published mart: `mart_<name>`."""
    if mart not in SHAPES:
        raise MartTableError(f"unknown mart {mart!r}; the marts are {PUBLISHED_MARTS}")
    return f"mart_{mart}"


# Written by the reconstruction audit, one row per group it flags; a group without a row is
# published at level 0 (sql/estimation/published/ reads it). The levels are the vocabulary's.
PUBLISHED_PRECISION = f"""CREATE TABLE IF NOT EXISTS published_precision (
    mart VARCHAR NOT NULL,
    wave INTEGER NOT NULL,
    measure VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    group_code VARCHAR NOT NULL,
    level SMALLINT NOT NULL CHECK (level BETWEEN 0 AND {COARSEST_LEVEL}),
    PRIMARY KEY (mart, wave, measure, breakdown, group_code)
);"""

_MART = Column("mart", "VARCHAR", "the mart's name")
_VERSION = Column("version", "VARCHAR", "the release version, e.g. v0002")


def _table(name: str, columns: tuple[Column, ...], key: tuple[str, ...]) -> str:
    lines = [f"    {c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in columns]
    body = ",\n".join([*lines, f"    PRIMARY KEY ({', '.join(key)})"])
    return f"CREATE TABLE IF NOT EXISTS {name} (\n{body}\n);"


def release_tables_sql() -> str:
    """CREATE TABLE statements of the release records (idempotent)."""
    wave, *rest = ESTIMATES.columns
    statements = [
        _table(
            "release_estimates",
            (wave, _VERSION, _MART, *rest),
            ("wave", "version", "mart", *ESTIMATES.key[1:]),
        ),
        _table(
            "compared_releases",
            (
                Column("wave_to", "INTEGER", "the wave whose changes were computed"),
                Column("wave_from", "INTEGER", "an earlier wave they compare with"),
                _VERSION,
                Column("manifest_sha256", "VARCHAR", "sha256 of that version's manifest.json"),
            ),
            ("wave_to", "wave_from"),
        ),
    ]
    return "\n".join(statements) + "\n"


def mart_tables_sql() -> str:
    """CREATE TABLE and CREATE VIEW statements of the marts and the release records
    (idempotent)."""
    statements = [
        _table("mart_estimates", (_MART, *ESTIMATES.columns), ("mart", *ESTIMATES.key)),
        _table("mart_differences", DIFFERENCES.columns, DIFFERENCES.key),
        _table("mart_changes", CHANGES.columns, CHANGES.key),
        PUBLISHED_PRECISION,
        *(
            f"CREATE OR REPLACE VIEW mart_{mart} AS\n"
            f"    SELECT * EXCLUDE (mart) FROM mart_estimates WHERE mart = '{mart}';"
            for mart in MARTS
        ),
    ]
    return "\n".join(statements) + "\n" + release_tables_sql()
