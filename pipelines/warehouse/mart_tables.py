"""The marts' warehouse tables and views; the tables are declared in the schema
(pipelines/warehouse/schema.py), from the vocabulary's shapes.

`mart_estimates` holds every estimate mart, keyed by the mart's name, with one view
`mart_<name>` per mart; the comparison marts are tables of their own. Every column is NOT
NULL unless the shape says it may be NULL. Beside them, `published_precision`: the coarser
precision the reconstruction audit asks for a group (marts.md §8), which publishing honours,
and `disclosure_verdicts`, the audit's verdict on the settled rows.

Beside them, the private record of what was published (pipelines/warehouse/release_records.py):
`release_estimates`, the full-precision estimate rows of every version made, and
`compared_releases`, the earlier versions the changes into each wave compared with.
"""

from __future__ import annotations

from pipelines.marts.measures import MARTS, PUBLISHED_MARTS
from pipelines.marts.shapes import SHAPES
from pipelines.warehouse.schema import (
    DISCLOSURE_VERDICTS,
    MART_CHANGES,
    MART_DIFFERENCES,
    MART_ESTIMATES,
    PUBLISHED_PRECISION,
    RELEASE_TABLES,
    ddl,
)


class MartTableError(ValueError):
    pass


def warehouse_table(mart: str) -> str:
    """The warehouse table (or view) of a published mart: `mart_<name>`."""
    if mart not in SHAPES:
        raise MartTableError(f"unknown mart {mart!r}; the marts are {PUBLISHED_MARTS}")
    return f"mart_{mart}"


def release_tables_sql() -> str:
    """CREATE TABLE statements of the release records (idempotent)."""
    return ddl(RELEASE_TABLES)


def mart_tables_sql() -> str:
    """CREATE TABLE and CREATE VIEW statements of the marts and the release records
    (idempotent)."""
    views = [
        f"CREATE OR REPLACE VIEW mart_{mart} AS\n"
        f"    SELECT * EXCLUDE (mart) FROM mart_estimates WHERE mart = '{mart}';"
        for mart in MARTS
    ]
    tables = ddl(
        (MART_ESTIMATES, MART_DIFFERENCES, MART_CHANGES, PUBLISHED_PRECISION, DISCLOSURE_VERDICTS)
    )
    return tables + "\n".join(views) + "\n" + release_tables_sql()
