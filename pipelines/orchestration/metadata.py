"""Dagster metadata for a table without respondent rows: row count, column schema and a
preview."""

import hashlib

import dagster as dg
import duckdb
import pyarrow as pa

from pipelines.marts.shapes import SHAPES, MartShape
from pipelines.orchestration.quality_checks import data_version
from pipelines.warehouse.schema import Column, Table

PREVIEW_ROWS = 10


def column_schema(shape: MartShape) -> dg.TableSchema:
    """The published columns of a mart with their types and descriptions."""
    return dg.TableSchema(
        columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in shape.columns]
    )


def table_schema(table: Table) -> dg.TableSchema:
    """A warehouse table's columns as the schema declares them, each tagged with its privacy
    class: which of them a profile may count is said where the columns are shown."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                c.name,
                c.type,
                description=c.description,
                constraints=_column_constraints(c),
                tags={"privacy": c.privacy},
            )
            for c in table.columns
        ],
        constraints=(
            dg.TableConstraints(other=[f"PRIMARY KEY ({', '.join(table.key)})"])
            if table.key
            else None
        ),
    )


def _column_constraints(c: Column) -> dg.TableColumnConstraints:
    return dg.TableColumnConstraints(
        nullable=c.nullable, other=[f"CHECK ({c.check})"] if c.check else None
    )


def mart_result(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    table: pa.Table,
    extra: dict | None = None,
    made_from: str = "",
) -> dg.MaterializeResult:
    """One wave of a mart as it is published (``table``, read_wave's: rounded, marts.md §8):
    its metadata, columns described (the Dagster UI is a place numbers leave the warehouse),
    and the digest of its rows as its data version, the one the quality gate's verdicts are
    kept for — with ``made_from``, an input's version that the rows need not show, hashed
    in."""
    metadata = {
        **relation_metadata(con.from_arrow(table)),
        "dagster/column_schema": column_schema(SHAPES[mart]),
        **(extra or {}),
    }
    version = data_version(table.to_pandas())
    if made_from:
        version = hashlib.sha256(f"{version}\0{made_from}".encode()).hexdigest()
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(version))


def relation_schema(rows: duckdb.DuckDBPyRelation) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, str(type_))
            for name, type_ in zip(rows.columns, rows.types, strict=True)
        ]
    )


def relation_metadata(rows: duckdb.DuckDBPyRelation, table: Table | None = None) -> dict:
    """Row count, column schema and a preview of ``rows``: for tables that hold no respondent
    rows (marts, reference data); respondent-level tables show a profile instead
    (pipelines/orchestration/respondent_metadata.py). A warehouse ``table`` is described by its
    schema, and only previewed when every column of it is an aggregate."""
    if table is not None and any(c.privacy != "aggregate" for c in table.columns):
        raise ValueError(f"{table.name} holds respondents' values: it is profiled, not previewed")
    preview = rows.limit(PREVIEW_ROWS).df()
    [(count,)] = rows.aggregate("count(*)").fetchall()
    return {
        "dagster/row_count": count,
        "dagster/column_schema": relation_schema(rows) if table is None else table_schema(table),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    }
