"""The published statements of `published-figures.csv`, checked against the marts.

A statement addresses rows of one measure and breakdown of a mart; its `kind` says when
it holds (shared/README.md). `load_statements` reads and validates the file,
`evaluate` decides one statement from mart rows (pure), `check` fetches the rows first.

Comparisons allow `ROUNDING` for binary floating point, so that a figure published as
75 % ± 3 holds at exactly 78 % and two estimates that are equal on paper count as a tie.
A statement whose decision needs a suppressed or missing estimate does not hold: what
cannot be checked is never reported as reproduced.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import labels
from pipelines.report import formatting as fmt
from pipelines.report.rows import GroupTest, MartRow, read_rows, read_test
from pipelines.vocabulary import BREAKDOWNS, MARTS

ROUNDING = 1e-9
COLUMNS = (
    "id",
    "wave",
    "mart",
    "measure",
    "item",
    "breakdown",
    "group_code",
    "kind",
    "target",
    "tolerance",
    "statement_no",
    "source",
)
# The group a max_group / min_group statement leaves out: it is no municipality group.
COUNTY_GROUP = "county"
# next_after_top: how many items rank above the listed ones.
TOP_BEFORE_NEXT = 2


@dataclass(frozen=True)
class Shape:
    """How many items and groups a kind lists, and whether it needs target / tolerance."""

    items: tuple[int, int | None]  # (min, max); None = no maximum
    groups: tuple[int, int | None]  # (0, 0): the kind names no group (group_code empty)
    target: bool = False
    tolerance: bool = False


ONE = (1, 1)
SEVERAL = (2, None)
KINDS = {
    "value": Shape(ONE, ONE, target=True, tolerance=True),
    "sum": Shape(SEVERAL, ONE, target=True, tolerance=True),
    "close": Shape((2, 2), ONE, target=True),
    "top": Shape((1, None), ONE),
    "next_after_top": Shape((1, None), ONE),
    "bottom": Shape(ONE, ONE),
    "max_group": Shape(ONE, ONE),
    "min_group": Shape(ONE, ONE),
    "first_gt_last": Shape(ONE, SEVERAL),
    "increasing": Shape(SEVERAL, ONE),
    "range_below": Shape(ONE, SEVERAL, target=True),
    # read the differences mart (marts.md §7): the test of the table, not its rows
    "difference": Shape(ONE, (0, 0)),
    "no_difference": Shape(ONE, (0, 0)),
    "trend_up": Shape(ONE, (0, 0)),
    "trend_down": Shape(ONE, (0, 0)),
}
TEST_KINDS = ("difference", "no_difference", "trend_up", "trend_down")
# The level of the tests behind the test kinds (shared/README.md).
SIGNIFICANCE = 0.05


class StatementsFileError(ValueError):
    pass


@dataclass(frozen=True)
class Statement:
    id: str
    wave: int
    mart: str
    measure: str
    items: tuple[str, ...]  # ('',) for a measure without items
    breakdown: str
    group_codes: tuple[str, ...]
    kind: str
    target: float | None
    tolerance: float | None
    text: str  # the published sentence (column `statement_no`)
    source: str


@dataclass(frozen=True)
class Result:
    statement: Statement
    holds: bool
    # the rows the statement names, in its order (a missing row is left out)
    estimates: tuple[MartRow, ...]
    # the other rows that decide a ranking (e.g. the highest other item for `top`)
    rivals: tuple[MartRow, ...]
    explanation: str
    # the test a statement of a test kind is decided on
    test: GroupTest | None = None


def load_statements(path: Path) -> list[Statement]:
    """Every statement of the file, in file order; a malformed cell raises
    StatementsFileError naming the file, line, column and value."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise StatementsFileError(
                f"{path}: line 1: columns {reader.fieldnames} differ from {list(COLUMNS)}"
            )
        statements = []
        seen: set[str] = set()
        for record in reader:
            statement = _parse(record, _Cell(path, reader.line_num, record))
            if statement.id in seen:
                raise StatementsFileError(
                    f"{path}: line {reader.line_num}, column id: value {statement.id!r} repeats"
                )
            seen.add(statement.id)
            statements.append(statement)
    return statements


@dataclass(frozen=True)
class _Cell:
    """Where a cell is, so that an error names it."""

    path: Path
    line: int
    record: dict[str, str]

    def error(self, column: str, reason: str) -> StatementsFileError:
        value = self.record.get(column)
        return StatementsFileError(
            f"{self.path}: line {self.line}, column {column}: value {value!r} {reason}"
        )


def _items_of_measures() -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    for measure, item, _, _ in labels.item_rows():
        items.setdefault(measure, set()).add(item)
    return items


_ITEMS_OF_MEASURE = _items_of_measures()


def _parse(record: dict[str, str], cell: _Cell) -> Statement:
    if None in record or any(v is None for v in record.values()):
        raise StatementsFileError(
            f"{cell.path}: line {cell.line}: the row does not have {len(COLUMNS)} cells"
        )
    kind = record["kind"]
    if kind not in KINDS:
        raise cell.error("kind", f"is no kind; the kinds are {', '.join(KINDS)}")
    shape = KINDS[kind]
    if not record["id"]:
        raise cell.error("id", "is empty")
    if not record["statement_no"]:
        raise cell.error("statement_no", "is empty: the published sentence is missing")
    try:
        wave = int(record["wave"])
    except ValueError:
        raise cell.error("wave", "is not a year") from None
    if record["mart"] not in MARTS:
        raise cell.error("mart", f"is no mart; the marts are {', '.join(MARTS)}")
    measure = record["measure"]
    if measure not in _ITEMS_OF_MEASURE:
        raise cell.error("measure", "is no measure of marts.md §3")
    breakdown = record["breakdown"]
    if breakdown not in BREAKDOWNS:
        raise cell.error("breakdown", "is no breakdown of marts.md §4")
    if kind in TEST_KINDS and measure == "innovative_by_index":
        # its bands are the groups of the test: the item is empty (shared/README.md)
        items = _listed(cell, "item", shape.items, {""})
    else:
        items = _listed(cell, "item", shape.items, _ITEMS_OF_MEASURE[measure])
    if shape.groups == (0, 0):
        if cell.record["group_code"]:
            raise cell.error("group_code", f"is given, but kind {kind} tests a whole table")
        groups: tuple[str, ...] = ()
    else:
        groups = _listed(cell, "group_code", shape.groups, set(BREAKDOWNS[breakdown].groups))
    return Statement(
        id=record["id"],
        wave=wave,
        mart=record["mart"],
        measure=measure,
        items=items,
        breakdown=breakdown,
        group_codes=groups,
        kind=kind,
        target=_number(cell, "target", shape.target),
        tolerance=_number(cell, "tolerance", shape.tolerance),
        text=record["statement_no"],
        source=record["source"],
    )


def _listed(
    cell: _Cell, column: str, count: tuple[int, int | None], known: set[str]
) -> tuple[str, ...]:
    values = tuple(cell.record[column].split("|"))
    least, most = count
    if len(values) < least or (most is not None and len(values) > most):
        wanted = f"{least}" if least == most else f"at least {least}"
        raise cell.error(column, f"lists {len(values)} value(s); kind needs {wanted}")
    if len(set(values)) < len(values):
        raise cell.error(column, "lists a value twice")
    unknown = [v for v in values if v not in known]
    if unknown:
        raise cell.error(column, f"has {unknown[0]!r}, unknown here; known: {sorted(known)}")
    return values


def _number(cell: _Cell, column: str, required: bool) -> float | None:
    text = cell.record[column]
    if not required:
        if text:
            raise cell.error(column, f"is given, but kind {cell.record['kind']} uses none")
        return None
    try:
        number = float(text)
    except ValueError:
        kind = cell.record["kind"]
        raise cell.error(column, f"is not a number (kind {kind} needs one)") from None
    if not math.isfinite(number) or number < 0:
        raise cell.error(column, "is not a finite number of at least 0")
    return number


def fetch_rows(con: duckdb.DuckDBPyConnection, statement: Statement) -> list[MartRow]:
    """The rows a statement is decided on: its measure and breakdown in its wave."""
    return read_rows(con, statement.mart, statement.wave, statement.measure, statement.breakdown)


def fetch_test(con: duckdb.DuckDBPyConnection, statement: Statement) -> GroupTest | None:
    """The differences row a statement of a test kind is decided on, if there is one."""
    return read_test(
        con, statement.wave, statement.mart, statement.measure, statement.items[0],
        statement.breakdown,
    )  # fmt: skip


def check(con: duckdb.DuckDBPyConnection, statement: Statement) -> Result:
    if statement.kind in TEST_KINDS:
        return evaluate_test(statement, fetch_test(con, statement))
    return evaluate(statement, fetch_rows(con, statement))


def _test_text(test: GroupTest) -> str:
    assert test.p_value is not None and test.q_value is not None
    left_out = f"; skjult og holdt utenfor: {test.groups_left_out}" if test.groups_left_out else ""
    return (
        f"p {fmt.p_value(test.p_value)}, q {fmt.p_value(test.q_value)}, "
        f"{test.groups} grupper{left_out}"
    )


def _trend_text(test: GroupTest) -> str:
    assert test.trend_z is not None and test.trend_p is not None
    return f"z ={fmt.NBSP}{fmt.z(test.trend_z)}, p {fmt.p_value(test.trend_p)}"


def evaluate_test(statement: Statement, test: GroupTest | None) -> Result:
    """Whether a statement of a test kind holds on its differences row (None: no such row,
    e.g. fewer than two published groups)."""
    if test is None:
        return Result(statement, False, (), (), "kan ikke avgjøres: ingen test av gruppene")
    if statement.kind in ("difference", "no_difference"):
        if test.p_value is None:
            return Result(statement, False, (), (), "kan ikke avgjøres: testen har ingen p-verdi",
                          test)  # fmt: skip
        differ = test.p_value < SIGNIFICANCE
        holds = differ == (statement.kind == "difference")
        said = "gruppene er forskjellige" if differ else "ingen påvisbar forskjell mellom gruppene"
        return Result(statement, holds, (), (), f"{said} ({_test_text(test)})", test)
    if test.trend_p is None or test.trend_z is None:
        return Result(statement, False, (), (), "kan ikke avgjøres: ingen trendtest", test)
    rising = test.trend_z > 0
    significant = test.trend_p < SIGNIFICANCE
    holds = significant and rising == (statement.kind == "trend_up")
    direction = "stigende" if rising else "synkende"
    said = f"{direction} trend" if significant else "ingen påvisbar trend"
    return Result(statement, holds, (), (), f"{said} ({_trend_text(test)})", test)


class _Undecided(Exception):
    """A row the decision needs is missing or suppressed."""


def evaluate(statement: Statement, rows: Sequence[MartRow]) -> Result:
    """Whether the statement holds on `rows` (all rows of its measure and breakdown)."""
    named = _named(statement, rows)
    try:
        _require(statement, named)
        holds, rivals, explanation = _DECIDE[statement.kind](statement, named, rows)
    except _Undecided as e:
        return Result(statement, False, tuple(named), (), f"kan ikke avgjøres: {e}")
    return Result(statement, holds, tuple(named), tuple(rivals), explanation)


def _named(statement: Statement, rows: Sequence[MartRow]) -> list[MartRow]:
    by_key = {(r.item, r.group_code): r for r in rows}
    keys = [(i, g) for i in statement.items for g in statement.group_codes]
    return [by_key[k] for k in keys if k in by_key]


def _require(statement: Statement, named: Sequence[MartRow]) -> None:
    """Refuse a decision when a named row is missing or suppressed."""
    found = {(r.item, r.group_code) for r in named}
    missing = [
        f"{i or statement.measure}/{g}"
        for i in statement.items
        for g in statement.group_codes
        if (i, g) not in found
    ]
    if missing:
        raise _Undecided(f"ingen rad for {', '.join(missing)} i {statement.wave}")
    _visible(statement, named)


def _visible(statement: Statement, rows: Sequence[MartRow]) -> None:
    hidden = [r for r in rows if r.estimate is None]
    if hidden:
        names = ", ".join(f"{_name(statement, r)} (n = {r.n})" for r in hidden)
        raise _Undecided(f"skjult fordi n er under minste cellestørrelse: {names}")


def _name(statement: Statement, row: MartRow) -> str:
    """How a row is named in an explanation: its item, or its group for group kinds."""
    if len(statement.group_codes) > 1 or statement.kind in ("max_group", "min_group"):
        return row.group_label
    return row.item_label or statement.measure


def _est(row: MartRow) -> float:
    assert row.estimate is not None  # _require has refused suppressed rows
    return row.estimate


def _show(statement: Statement, row: MartRow) -> str:
    return f"{_name(statement, row)} {fmt.value(statement.measure, _est(row))}"


Decision = tuple[bool, list[MartRow], str]


def _within(statement: Statement, total: float) -> Decision:
    assert statement.target is not None and statement.tolerance is not None
    off = abs(total - statement.target)
    holds = off <= statement.tolerance + ROUNDING
    m = statement.measure
    where = "innenfor" if holds else "utenfor"
    return (
        holds,
        [],
        f"{fmt.value(m, total)} ligger {fmt.difference(m, off)} fra "
        f"{fmt.value(m, statement.target)} ({where} toleransen "
        f"{fmt.difference(m, statement.tolerance)})",
    )


def _value(statement: Statement, named: list[MartRow], _: Sequence[MartRow]) -> Decision:
    return _within(statement, _est(named[0]))


def _sum(statement: Statement, named: list[MartRow], _: Sequence[MartRow]) -> Decision:
    holds, rivals, text = _within(statement, sum(_est(r) for r in named))
    return holds, rivals, f"summen av {', '.join(_show(statement, r) for r in named)}: {text}"


def _close(statement: Statement, named: list[MartRow], _: Sequence[MartRow]) -> Decision:
    assert statement.target is not None
    first, second = named
    gap = abs(_est(first) - _est(second))
    holds = gap <= statement.target + ROUNDING
    m = statement.measure
    return (
        holds,
        [],
        f"{_show(statement, first)} og {_show(statement, second)} skiller "
        f"{fmt.difference(m, gap)} ({'høyst' if holds else 'mer enn'} "
        f"{fmt.difference(m, statement.target)})",
    )


def _others(statement: Statement, rows: Sequence[MartRow]) -> list[MartRow]:
    """The other items of the statement's group, highest first; all must have an estimate."""
    others = [
        r
        for r in rows
        if r.group_code == statement.group_codes[0] and r.item not in statement.items
    ]
    if not others:
        raise _Undecided("ingen andre å sammenligne med")
    _visible(statement, others)
    return sorted(others, key=lambda r: (-_est(r), r.item))


def _above(high: float, low: float) -> bool:
    return high - low > ROUNDING


def _top(statement: Statement, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
    best = _others(statement, rows)[0]
    lowest = min(named, key=_est)
    holds = _above(_est(lowest), _est(best))
    relation = "over" if holds else "ikke over"
    return holds, [best], f"{_show(statement, lowest)} er {relation} {_show(statement, best)}"


def _next_after_top(
    statement: Statement, named: list[MartRow], rows: Sequence[MartRow]
) -> Decision:
    others = _others(statement, rows)
    if len(others) < TOP_BEFORE_NEXT:
        raise _Undecided(f"færre enn {TOP_BEFORE_NEXT} andre å rangere over dem")
    top, rest = others[:TOP_BEFORE_NEXT], others[TOP_BEFORE_NEXT:]
    highest, lowest = max(named, key=_est), min(named, key=_est)
    below_top = _above(_est(top[-1]), _est(highest))
    above_rest = not rest or _above(_est(lowest), _est(rest[0]))
    parts = [
        f"{_show(statement, top[-1])} er {'over' if below_top else 'ikke over'} "
        f"{_show(statement, highest)}"
    ]
    if rest:
        parts.append(
            f"{_show(statement, lowest)} er {'over' if above_rest else 'ikke over'} "
            f"{_show(statement, rest[0])}"
        )
    return below_top and above_rest, [*top, *rest[:1]], "; ".join(parts)


def _bottom(statement: Statement, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
    worst = _others(statement, rows)[-1]
    holds = _above(_est(worst), _est(named[0]))
    relation = "under" if holds else "ikke under"
    return holds, [worst], f"{_show(statement, named[0])} er {relation} {_show(statement, worst)}"


def _other_groups(statement: Statement, rows: Sequence[MartRow]) -> list[MartRow]:
    """The item's other groups of the breakdown (county aside), highest first."""
    others = [
        r
        for r in rows
        if r.item == statement.items[0]
        and r.group_code not in (statement.group_codes[0], COUNTY_GROUP)
    ]
    if not others:
        raise _Undecided("ingen andre grupper å sammenligne med")
    _visible(statement, others)
    return sorted(others, key=lambda r: (-_est(r), r.group_code))


def _max_group(statement: Statement, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
    best = _other_groups(statement, rows)[0]
    holds = _above(_est(named[0]), _est(best))
    relation = "over" if holds else "ikke over"
    return holds, [best], f"{_show(statement, named[0])} er {relation} {_show(statement, best)}"


def _min_group(statement: Statement, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
    worst = _other_groups(statement, rows)[-1]
    holds = _above(_est(worst), _est(named[0]))
    relation = "under" if holds else "ikke under"
    return holds, [worst], f"{_show(statement, named[0])} er {relation} {_show(statement, worst)}"


def _first_gt_last(statement: Statement, named: list[MartRow], _: Sequence[MartRow]) -> Decision:
    first, last = named[0], named[-1]
    holds = _above(_est(first), _est(last))
    relation = "over" if holds else "ikke over"
    return holds, [], f"{_show(statement, first)} er {relation} {_show(statement, last)}"


def _increasing(statement: Statement, named: list[MartRow], _: Sequence[MartRow]) -> Decision:
    falls = [(a, b) for a, b in zip(named, named[1:], strict=False) if not _above(_est(b), _est(a))]
    if not falls:
        return True, [], "stiger: " + " < ".join(_show(statement, r) for r in named)
    a, b = falls[0]
    return False, [], f"stiger ikke: {_show(statement, b)} er ikke over {_show(statement, a)}"


def _range_below(statement: Statement, named: list[MartRow], _: Sequence[MartRow]) -> Decision:
    assert statement.target is not None
    high, low = max(named, key=_est), min(named, key=_est)
    spread = _est(high) - _est(low)
    holds = _above(statement.target, spread)
    m = statement.measure
    return (
        holds,
        [],
        f"spennet fra {_show(statement, low)} til {_show(statement, high)} er "
        f"{fmt.difference(m, spread)} ({'under' if holds else 'ikke under'} "
        f"{fmt.difference(m, statement.target)})",
    )


_DECIDE: dict[str, Callable[[Statement, list[MartRow], Sequence[MartRow]], Decision]] = {
    "value": _value,
    "sum": _sum,
    "close": _close,
    "top": _top,
    "next_after_top": _next_after_top,
    "bottom": _bottom,
    "max_group": _max_group,
    "min_group": _min_group,
    "first_gt_last": _first_gt_last,
    "increasing": _increasing,
    "range_below": _range_below,
}
