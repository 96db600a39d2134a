"""The ingest's SQL: fixed models in ``sql/ingest/`` and identifier quoting for generated SQL."""

from __future__ import annotations

import duckdb

from pipelines.sql_runner import model_path, run_model

__all__ = ["model_path", "query_model", "quote", "run_model"]


def query_model(con: duckdb.DuckDBPyConnection, model: str, **params: object) -> list[tuple]:
    """The rows of a one-statement query model ``sql/<model>.sql``, parameters bound."""
    return con.execute(model_path(model).read_text(encoding="utf-8"), params).fetchall()


def quote(identifier: str) -> str:
    """A column name (from the codebook or a file's header) as a DuckDB identifier."""
    return '"' + identifier.replace('"', '""') + '"'
