"""Label tables for SQL, derived from the marts' vocabulary.

``label_measure`` says of every measure its kind of estimate (share, mean, distribution)
and whether its items are the groups of its table (the SQL of suppression and the tests
joins it, so that rule is the vocabulary's only).
``label_item`` names every item of every measure of marts.md §3 with its Norwegian
label and, where the item stands for one answer code of a question, that code (the
marts join on it; the items are the vocabulary's).
``label_group`` names every group of every breakdown of marts.md §4.
These two carry the ``position`` of the item within its measure and of the group within
its breakdown, in the order the spec lists them (ties of secondary suppression go to the
first).
"""

from __future__ import annotations

import duckdb

from pipelines.marts.breakdowns import BREAKDOWN_LIST
from pipelines.marts.measures import MEASURES
from pipelines.warehouse.schema import LABEL_TABLES
from pipelines.warehouse.sql_runner import insert_rows


def item_rows() -> list[tuple[str, str, str, int | None]]:
    """(measure, item, item_label, code) for every item of every measure."""
    return [(m.name, *item) for m in MEASURES.values() for item in m.items]


def group_rows() -> list[tuple[str, str, str, int]]:
    return [
        (breakdown.name, code, label, position)
        for breakdown in BREAKDOWN_LIST
        for position, (code, label) in enumerate(breakdown.groups.items(), start=1)
    ]


def _positioned(rows: list[tuple[str, str, str, int | None]]) -> list[tuple]:
    """The item rows with each item's position within its measure."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        seen[row[0]] = seen.get(row[0], 0) + 1
        out.append((*row, seen[row[0]]))
    return out


def write_label_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in LABEL_TABLES:
        con.execute(table.ddl(replace=True))
    insert_rows(
        con, "label_measure", [(m.name, m.kind, m.items_are_groups) for m in MEASURES.values()]
    )
    insert_rows(con, "label_item", _positioned(item_rows()))
    insert_rows(con, "label_group", group_rows())
