"""Dagster metadata for a table without respondent rows: row count, column schema and a
preview."""

import dagster as dg
import duckdb

from pipelines.estimation.published_rows import read_wave
from pipelines.marts.shapes import SHAPES, MartShape

PREVIEW_ROWS = 10


def column_schema(shape: MartShape) -> dg.TableSchema:
    """The published columns of a mart with their types and descriptions."""
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in shape.columns]
    )


def mart_metadata(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> dict:
    """Metadata of one wave of a mart as it is published (rounded, marts.md §8), its
    columns described: the Dagster UI is a place numbers leave the warehouse."""
    rows = relation_metadata(con.from_arrow(read_wave(con, mart, wave)))
    return {**rows, "dagster/column_schema": column_schema(SHAPES[mart])}


def relation_schema(rows: duckdb.DuckDBPyRelation) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, str(type_))
            for name, type_ in zip(rows.columns, rows.types, strict=True)
        ]
    )


def relation_metadata(rows: duckdb.DuckDBPyRelation) -> dict:
    """Row count, column schema and a preview of ``rows``: for tables that hold no respondent
    rows (marts, reference data); respondent-level tables show a profile instead
    (pipelines/orchestration/respondent_metadata.py)."""
    preview = rows.limit(PREVIEW_ROWS).df()
    [(count,)] = rows.aggregate("count(*)").fetchall()
    return {
        "dagster/row_count": count,
        "dagster/column_schema": relation_schema(rows),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    }
