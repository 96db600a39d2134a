"""Runs the SQL models in ``sql/`` through a DuckDB connection.

A model file may hold several statements; DuckDB binds prepared parameters to one
statement at a time, so the file is split with DuckDB's own parser and each statement
gets the parameters it names. Values are always bound, never formatted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


@dataclass(frozen=True)
class Column:
    name: str
    type: str


def model_path(model: str) -> Path:
    path = SQL_DIR / f"{model}.sql"
    if not path.exists():
        raise FileNotFoundError(f"no SQL model {model!r} at {path}")
    return path


def run_model(con: duckdb.DuckDBPyConnection, model: str, **params: object) -> None:
    """Execute every statement of ``sql/<model>.sql`` with the parameters it uses."""
    sql = model_path(model).read_text(encoding="utf-8")
    statements = con.extract_statements(sql)
    unused = set(params) - set().union(*(s.named_parameters for s in statements))
    if unused:
        raise TypeError(f"model {model!r} takes no parameter(s) {sorted(unused)}")
    for statement in statements:
        missing = statement.named_parameters - set(params)
        if missing:
            raise TypeError(f"model {model!r} needs parameter(s) {sorted(missing)}")
        con.execute(statement, {k: params[k] for k in statement.named_parameters})


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = $table ORDER BY ordinal_position",
        {"table": table},
    ).fetchall()
    return [Column(name, type_) for name, type_ in rows]
