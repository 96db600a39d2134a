"""The marts' warehouse tables and views, written from the vocabulary's shapes.

`mart_estimates` holds every estimate mart, keyed by the mart's name, with one view
`mart_<name>` per mart; the comparison marts are tables of their own. Every column is NOT
NULL unless the shape says it may be NULL.
"""

from __future__ import annotations

from pipelines.vocabulary import CHANGES, DIFFERENCES, ESTIMATES, MARTS, Column, MartShape


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
        *(
            f"CREATE OR REPLACE VIEW mart_{mart} AS\n"
            f"    SELECT * EXCLUDE (mart) FROM mart_estimates WHERE mart = '{mart}';"
            for mart in MARTS
        ),
    ]
    return "\n".join(statements) + "\n"
