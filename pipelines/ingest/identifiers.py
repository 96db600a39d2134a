"""Identifier quoting for the SQL the ingest generates from the codebook and file headers."""

from __future__ import annotations


def quote(identifier: str) -> str:
    """A column name (from the codebook or a file's header) as a DuckDB identifier."""
    return '"' + identifier.replace('"', '""') + '"'
