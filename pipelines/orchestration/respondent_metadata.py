"""Dagster metadata of a respondent-level warehouse table: row count, column schema and a
profile — how many respondents hold each value of a column — never a row.

The Dagster UI shows metadata to anyone who can open it, and the event log keeps it. A row
of `responses` or `respondents` is a workplace (kommunenr, virksomhetstype and size
identify one) with its answers, so these tables show counts only, one column at a time,
and a value held by fewer respondents than the minimum cell size is merged with the other
rare values of its column: the profile names no value that so few respondents share. Which
columns are counted is their privacy class's to say (pipelines/warehouse/schema.py): never
an id or free text.
"""

from __future__ import annotations

from collections.abc import Collection

import dagster as dg
import duckdb

from pipelines.orchestration.metadata import table_schema
from pipelines.survey import questionnaire as q
from pipelines.warehouse.schema import TABLES


def respondent_metadata(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    wave: int,
    *,
    min_cell_size: int,
    asked: Collection[str] | None = None,
) -> dict:
    """Metadata of one wave of the warehouse table ``relation`` with the profile of the
    columns its schema lets a profile count; of a survey variable only where the wave
    ``asked`` it (None: every column has values)."""
    table = TABLES[relation]
    profiled = [c for c in table.profiled if asked is None or c not in q.BY_NAME or c in asked]
    rows = con.table(relation).filter(
        duckdb.ColumnExpression("wave") == duckdb.ConstantExpression(wave)
    )
    [(count,)] = rows.aggregate("count(*)").fetchall()
    lines = ["| column | respondents per value |", "|---|---|"]
    lines += [
        f"| {column} | {value_counts(column_counts(rows, column), min_cell_size)} |"
        for column in profiled
    ]
    return {
        "dagster/row_count": count,
        "dagster/column_schema": table_schema(table),
        "profile": dg.MetadataValue.md("\n".join(lines)),
    }


def column_counts(rows: duckdb.DuckDBPyRelation, column: str) -> list[tuple[object, int]]:
    """(value, respondents) of ``column`` in the column's order, NULL last."""
    counted = rows.aggregate(f'"{column}" AS value, count(*) AS n', f'"{column}"')
    return counted.order("value NULLS LAST").fetchall()


def value_counts(counts: list[tuple[object, int]], min_cell_size: int) -> str:
    """``1: 412, 2: 380, other (2 values): 12, empty: 25``: a value (or empty) held by
    fewer than ``min_cell_size`` respondents is counted in ``other`` only."""
    common = [(value, n) for value, n in counts if n >= min_cell_size]
    rare = [n for _, n in counts if n < min_cell_size]
    shown = [f"{_markdown(value)}: {n}" for value, n in common if value is not None]
    if rare:
        shown.append(f"other ({len(rare)} value{'s' if len(rare) > 1 else ''}): {sum(rare)}")
    shown += [f"empty: {n}" for value, n in common if value is None]
    return ", ".join(shown) or "no rows"


def _markdown(value: object) -> str:
    # a value's own "|" (a weighting cell's) would end its cell of the Markdown table
    return str(value).replace("|", r"\|")
