"""Deciding a statement: `evaluate` from mart rows and `evaluate_test` one of a test kind
from the test of its table (both pure); `check` fetches what a statement is decided on first.

A statement whose decision needs a suppressed or missing estimate does not hold: what
cannot be checked is never reported as reproduced.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from pipelines.report.rows import GroupTest, MartRow, read_rows, read_test
from pipelines.report.statements.base import (
    EstimateStatement,
    Result,
    SignificanceStatement,
    Statement,
    Undecided,
)


def _named(statement: Statement, rows: Sequence[MartRow]) -> list[MartRow]:
    by_key = {(r.item, r.group_code): r for r in rows}
    keys = [(i, g) for i in statement.items for g in statement.group_codes]
    return [by_key[k] for k in keys if k in by_key]


def _require(statement: EstimateStatement, named: Sequence[MartRow]) -> None:
    """Refuse a decision when a named row is missing or suppressed."""
    found = {(r.item, r.group_code) for r in named}
    missing = [
        f"{i or statement.measure}/{g}"
        for i in statement.items
        for g in statement.group_codes
        if (i, g) not in found
    ]
    if missing:
        raise Undecided(f"ingen rad for {', '.join(missing)} i {statement.wave}")
    statement.require_estimates(named)


def evaluate(statement: EstimateStatement, rows: Sequence[MartRow]) -> Result:
    """Whether the statement holds on `rows` (all rows of its measure and breakdown)."""
    named = _named(statement, rows)
    try:
        _require(statement, named)
        holds, rivals, explanation = statement.decide(named, rows)
    except Undecided as e:
        return Result(statement, False, tuple(named), (), f"kan ikke avgjøres: {e}")
    return Result(statement, holds, tuple(named), tuple(rivals), explanation)


def evaluate_test(statement: SignificanceStatement, test: GroupTest | None) -> Result:
    """Whether a statement of a test kind holds on its differences row (None: no such row,
    e.g. fewer than two published groups)."""
    if test is None:
        return Result(statement, False, (), (), "kan ikke avgjøres: ingen test av gruppene")
    try:
        holds, explanation = statement.decide(test)
    except Undecided as e:
        return Result(statement, False, (), (), f"kan ikke avgjøres: {e}", test)
    return Result(statement, holds, (), (), explanation, test)


def check(con: duckdb.DuckDBPyConnection, statement: Statement) -> Result:
    """Whether the statement holds on the marts of `con`."""
    if isinstance(statement, SignificanceStatement):
        test = read_test(
            con, statement.wave, statement.mart, statement.measure, statement.items[0],
            statement.breakdown,
        )  # fmt: skip
        return evaluate_test(statement, test)
    assert isinstance(statement, EstimateStatement)
    rows = read_rows(con, statement.mart, statement.wave, statement.measure, statement.breakdown)
    return evaluate(statement, rows)
