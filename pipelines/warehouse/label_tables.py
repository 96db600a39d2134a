"""Label tables for SQL, derived from the questionnaire and the marts' vocabulary.

``label_measure`` says of every measure its kind of estimate (share, mean, distribution).
``label_item`` names every item of every measure of marts.md §3 with its Norwegian
label and, where the item stands for one answer code of a question, that code (the
marts join on it, so the item -> code mapping is defined here only).
``label_group`` names every group of every breakdown of marts.md §4.
These two carry the ``position`` of the item within its measure and of the group within
its breakdown, in the order the spec lists them (ties of secondary suppression go to the
first).
"""

from __future__ import annotations

import duckdb

from pipelines.marts.breakdowns import BREAKDOWN_LIST, INDEX_BANDS
from pipelines.marts.measures import MEASURES
from pipelines.survey import questionnaire as q

NOVELTY_ITEMS = {"improvement": 1, "new_approach": 2, "dont_know": 9}
FAILURE_TYPE_ITEMS = {"tjeneste": 1, "produkt": 2, "prosess": 3, "kommunikasjon": 4}
PRESSURE_ITEMS = {"more": 1, "same": 2, "less": 3, "dont_know": 9}


def item_rows() -> list[tuple[str, str, str, int | None]]:
    """(measure, item, item_label, code) for every item of every measure."""
    factors = [(item, label, code) for code, (item, label) in q.FACTORS.items()]
    rows: list[tuple[str, str, str, int | None]] = [
        ("innovative", "", "", None),
        ("development_underway", "", "", None),
        ("multi_type", "", "", None),
        ("core_task", "", "", None),
        ("failed_attempt", "", "", None),
        ("mean_index", "", "", None),
        ("in_merging_unit", "", "", None),
    ]
    rows += [("innovation_type", item, label, None) for item, label in q.INNOVATION_TYPES.items()]
    rows += [("novelty", item, q.NYHET[code], code) for item, code in NOVELTY_ITEMS.items()]
    for measure in ("promoted", "inhibited", "mean_score", "biggest_inhibitor"):
        rows += [(measure, item, label, code) for item, label, code in factors]
    rows += [
        ("failure_type", item, q.MISLYKKET_TYPE[code], code)
        for item, code in FAILURE_TYPE_ITEMS.items()
    ]
    rows += [("failure_reason", item, label, None) for item, label in q.REASONS.items()]
    rows += [("agree", item, label, None) for item, label in q.CULTURE_STATEMENTS.items()]
    rows += [("index_distribution", str(k), f"{k} av 5 utsagn", k) for k in range(6)]
    rows += [("innovative_by_index", band, label, None) for band, label in INDEX_BANDS.items()]
    rows += [
        ("pressure", item, q.REFORM_TRYKK[code], code) for item, code in PRESSURE_ITEMS.items()
    ]
    return rows


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
    con.execute(
        "CREATE OR REPLACE TABLE label_measure (measure VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL)"
    )
    con.executemany(
        "INSERT INTO label_measure VALUES (?, ?)", [(m.name, m.kind) for m in MEASURES.values()]
    )
    con.execute(
        "CREATE OR REPLACE TABLE label_item "
        "(measure VARCHAR, item VARCHAR, item_label VARCHAR, code INTEGER, position INTEGER, "
        "PRIMARY KEY (measure, item))"
    )
    con.executemany("INSERT INTO label_item VALUES (?, ?, ?, ?, ?)", _positioned(item_rows()))
    con.execute(
        "CREATE OR REPLACE TABLE label_group "
        "(breakdown VARCHAR, group_code VARCHAR, group_label VARCHAR, position INTEGER, "
        "PRIMARY KEY (breakdown, group_code))"
    )
    con.executemany("INSERT INTO label_group VALUES (?, ?, ?, ?)", group_rows())
