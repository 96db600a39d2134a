"""Dagster metadata for a warehouse table: row count, column schema and a preview."""

import dagster as dg
import duckdb

from pipelines.publish.marts import read_wave
from pipelines.vocabulary import SHAPES, MartShape

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


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    wave: int,
    *,
    hidden: tuple[str, ...] = (),
    wave_column: str = "wave",
) -> dict:
    """Metadata of one wave of ``relation`` (a table or view name of the warehouse)."""
    rows = con.table(relation).filter(
        duckdb.ColumnExpression(wave_column) == duckdb.ConstantExpression(wave)
    )
    return relation_metadata(rows, hidden=hidden)


def relation_metadata(rows: duckdb.DuckDBPyRelation, *, hidden: tuple[str, ...] = ()) -> dict:
    """Row count, column schema and a preview of ``rows``.

    ``hidden`` columns (respondent ids, free text) are left out of the preview, which the
    Dagster UI shows to anyone who can open it.
    """
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, str(type_))
            for name, type_ in zip(rows.columns, rows.types, strict=True)
        ]
    )
    shown = [c for c in rows.columns if c not in hidden]
    preview = rows.select(*[duckdb.ColumnExpression(c) for c in shown]).limit(PREVIEW_ROWS).df()
    [(count,)] = rows.aggregate("count(*)").fetchall()
    return {
        "dagster/row_count": count,
        "dagster/column_schema": schema,
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    }
