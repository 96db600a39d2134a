"""Runs SQL through a DuckDB connection: the models in ``sql/`` and the SQL the ingest
generates from the questionnaire, the one way the package executes SQL.

A model may hold several statements; DuckDB binds prepared parameters to one statement
at a time, so the text is split with DuckDB's own parser and each statement gets the
parameters it names. Values are always bound, never formatted into SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
# DuckDB's own cap on what the warehouse connection holds in memory (by default 80 % of the
# machine's RAM); past it DuckDB spills to <warehouse>.tmp. With the cap, a wave of a million
# respondents runs within 1.5 GiB of RSS, Python's share (about 0.45 GiB) included (make bench);
# the marts' queries fill it, and at 1.5GB the run took 1.9 GiB. Here, not with the Dagster
# resource that applies it, so that the bench's baseline gets it without Dagster.
WAREHOUSE_MEMORY_LIMIT = "1GB"


# What DuckDB says when it cannot open a database because another process holds it ("Could
# not set lock on file …: Conflicting lock is held in …"). The phrase, not the word "lock":
# a path, or an error about a block of the file, may hold the word.
_HELD_ELSEWHERE = "Could not set lock on file"


def held_by_another_process(error: duckdb.Error) -> bool:
    """Whether opening a database failed because another process holds its lock."""
    return _HELD_ELSEWHERE in str(error)


def model_path(model: str) -> Path:
    path = SQL_DIR / f"{model}.sql"
    if not path.exists():
        raise FileNotFoundError(f"no SQL model {model!r} at {path}")
    return path


def run_model(
    con: duckdb.DuckDBPyConnection, model: str, **params: object
) -> duckdb.DuckDBPyRelation | None:
    """Execute every statement of ``sql/<model>.sql`` with the parameters it uses.

    A model that ends in a query returns it as a relation (``fetchall()``, or
    ``to_arrow_reader(n)`` to stream it); any other returns None.
    """
    return run_sql(con, model_path(model).read_text(encoding="utf-8"), params, f"model {model!r}")


def create_temp_table(
    con: duckdb.DuckDBPyConnection, table: str, model: str, **params: object
) -> None:
    """Materialise ``sql/<model>.sql``, a single query, as the temporary table ``table``.

    The model states only what it selects; how its rows are kept is the caller's.
    """
    (statement,) = con.extract_statements(model_path(model).read_text(encoding="utf-8"))
    if statement.type != duckdb.StatementType.SELECT:
        raise TypeError(f"model {model!r} is not a query")
    run_sql(
        con,
        f"CREATE OR REPLACE TEMP TABLE {table} AS\n{statement.query}",
        params,
        f"model {model!r}",
    )


def run_sql(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Mapping[str, object] | None = None,
    source: str = "generated SQL",
    *,
    strict: bool = True,
) -> duckdb.DuckDBPyRelation | None:
    """Execute every statement of ``sql``, each with those of ``params`` it names.

    ``strict`` refuses a parameter no statement names: a model's caller states exactly
    what it binds; generated SQL is given the wave's parameters and names what it needs.
    """
    params = params or {}
    statements = con.extract_statements(sql)
    unused = set(params) - set().union(*(s.named_parameters for s in statements))
    if strict and unused:
        raise TypeError(f"{source} takes no parameter(s) {sorted(unused)}")
    result = None
    for statement in statements:
        missing = statement.named_parameters - set(params)
        if missing:
            raise TypeError(f"{source} needs parameter(s) {sorted(missing)}")
        bound = {k: params[k] for k in statement.named_parameters}
        if statement.type == duckdb.StatementType.SELECT:
            # a lazy relation, so a large result can be streamed rather than copied
            result = con.sql(statement.query, params=bound)
        else:
            con.execute(statement, bound)
            result = None
    return result


# Rows per statement of insert_rows: parsing a statement grows with its text, so a long list
# (a delivery's malformed lines) goes in statements of this many rows.
_ROWS_PER_INSERT = 1000


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], *, replace: bool = False
) -> None:
    """Insert ``rows`` (tuples in the table's column order), a statement per thousand rows,
    each value bound: DuckDB runs ``executemany`` as one statement per row, about 3 ms each,
    which made writing a wave's precision levels take a second."""
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        one_row = "(" + ", ".join(["?"] * len(chunk[0])) + ")"
        con.execute(
            f"{verb} INTO {table} VALUES " + ", ".join([one_row] * len(chunk)),
            [value for row in chunk for value in row],
        )
