"""The published statements of `published-figures.csv`, checked against the marts.

A statement addresses rows of one measure and breakdown of a mart; its kind says when it
holds (shared/README.md). Each kind is a class: how many items and groups it lists, the
numbers it needs (its fields beyond the common ones), how it decides and how its published
figure reads. `KINDS` maps the file's `kind` column to these classes.

`load_statements` reads and validates the file; `evaluate` decides a statement from mart
rows and `evaluate_test` one of a test kind from the test of its table (both pure); `check`
fetches what a statement is decided on first.

Comparisons allow `ROUNDING` for binary floating point, so that a figure published as
75 % ± 3 holds at exactly 78 % and two estimates that are equal on paper count as a tie.
A statement whose decision needs a suppressed or missing estimate does not hold: what
cannot be checked is never reported as reproduced.
"""

from __future__ import annotations

import csv
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

import duckdb

from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.marts.measures import MARTS, MEASURES
from pipelines.report import formatting as fmt
from pipelines.report.rows import GroupTest, MartRow, read_rows, read_test

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
# The columns that hold a kind's numbers; a kind has a field of each it needs.
NUMBERS = ("target", "tolerance")
# The group a max_group / min_group statement leaves out: it is no municipality group.
COUNTY_GROUP = "county"
# next_after_top: how many items rank above the listed ones.
TOP_BEFORE_NEXT = 2
# The level of the tests behind the test kinds (shared/README.md).
SIGNIFICANCE = 0.05

# How many values a kind lists in `item` or `group_code`: (min, max), None = no maximum.
Count = tuple[int, int | None]
ONE: Count = (1, 1)
TWO: Count = (2, 2)
ONE_OR_MORE: Count = (1, None)
SEVERAL: Count = (2, None)
NO_GROUP: Count = (0, 0)  # group_code is empty: the kind tests a whole table


class StatementsFileError(ValueError):
    pass


class _Undecided(Exception):
    """What the decision needs is missing or suppressed."""


@dataclass(frozen=True)
class Statement(ABC):
    """One statement of the file; its class is its kind."""

    kind: ClassVar[str]
    item_count: ClassVar[Count] = ONE
    group_count: ClassVar[Count] = ONE

    id: str
    wave: int
    mart: str
    measure: str
    items: tuple[str, ...]  # ('',) for a measure without items
    breakdown: str
    group_codes: tuple[str, ...]
    text: str  # the published sentence (column `statement_no`)
    source: str

    @abstractmethod
    def published(self) -> str:
        """The published figure, as the report writes it."""


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


# Whether a statement holds, the other rows that decided it and why, in words.
Decision = tuple[bool, list[MartRow], str]


def _est(row: MartRow) -> float:
    assert row.estimate is not None  # evaluate has refused suppressed rows
    return row.estimate


def _above(high: float, low: float) -> bool:
    return high - low > ROUNDING


@dataclass(frozen=True)
class EstimateStatement(Statement):
    """A statement about estimates, decided on the rows of its measure and breakdown."""

    @abstractmethod
    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        """Whether it holds on the rows it names (`named`, all with an estimate) among
        `rows`, every row of its measure and breakdown."""

    def name(self, row: MartRow) -> str:
        """How a row is named in an explanation: its group where the statement lists
        groups, else its item."""
        if len(self.group_codes) > 1:
            return row.group_label
        return row.item_label or self.measure

    def show(self, row: MartRow) -> str:
        return f"{self.name(row)} {fmt.value(self.measure, _est(row))}"

    def over(self, row: MartRow, other: MartRow, shown: list[MartRow]) -> Decision:
        """Whether ``row`` is above ``other`` (by more than the tolerance), in words."""
        holds = _above(_est(row), _est(other))
        relation = "over" if holds else "ikke over"
        return holds, shown, f"{self.show(row)} er {relation} {self.show(other)}"

    def under(self, row: MartRow, other: MartRow) -> Decision:
        """Whether ``row`` is below ``other`` (by more than the tolerance), in words."""
        holds = _above(_est(other), _est(row))
        relation = "under" if holds else "ikke under"
        return holds, [other], f"{self.show(row)} er {relation} {self.show(other)}"

    def require_estimates(self, rows: Sequence[MartRow]) -> None:
        hidden = [r for r in rows if r.estimate is None]
        if hidden:
            names = ", ".join(f"{self.name(r)} (n = {r.n})" for r in hidden)
            raise _Undecided(f"skjult fordi n er under minste cellestørrelse: {names}")


@dataclass(frozen=True)
class SignificanceStatement(Statement):
    """A statement about the test of a table (marts.md §7), decided on its differences row."""

    group_count = NO_GROUP

    @abstractmethod
    def decide(self, test: GroupTest) -> tuple[bool, str]:
        """Whether it holds on the test, and why, in words."""


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
        raise _Undecided(f"ingen rad for {', '.join(missing)} i {statement.wave}")
    statement.require_estimates(named)


def evaluate(statement: EstimateStatement, rows: Sequence[MartRow]) -> Result:
    """Whether the statement holds on `rows` (all rows of its measure and breakdown)."""
    named = _named(statement, rows)
    try:
        _require(statement, named)
        holds, rivals, explanation = statement.decide(named, rows)
    except _Undecided as e:
        return Result(statement, False, tuple(named), (), f"kan ikke avgjøres: {e}")
    return Result(statement, holds, tuple(named), tuple(rivals), explanation)


def evaluate_test(statement: SignificanceStatement, test: GroupTest | None) -> Result:
    """Whether a statement of a test kind holds on its differences row (None: no such row,
    e.g. fewer than two published groups)."""
    if test is None:
        return Result(statement, False, (), (), "kan ikke avgjøres: ingen test av gruppene")
    try:
        holds, explanation = statement.decide(test)
    except _Undecided as e:
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


# The kinds that compare estimates with published numbers.


@dataclass(frozen=True)
class Value(EstimateStatement):
    """The estimate is the target, give or take the tolerance."""

    kind = "value"

    target: float
    tolerance: float

    def published(self) -> str:
        m = self.measure
        return f"{fmt.value(m, self.target)} ± {fmt.difference(m, self.tolerance)}"

    def within(self, total: float) -> Decision:
        off = abs(total - self.target)
        holds = off <= self.tolerance + ROUNDING
        m = self.measure
        where = "innenfor" if holds else "utenfor"
        return (
            holds,
            [],
            f"{fmt.value(m, total)} ligger {fmt.difference(m, off)} fra "
            f"{fmt.value(m, self.target)} ({where} toleransen "
            f"{fmt.difference(m, self.tolerance)})",
        )

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        return self.within(_est(named[0]))


@dataclass(frozen=True)
class Sum(Value):
    """The estimates of the listed items add up to the target, give or take the tolerance."""

    kind = "sum"
    item_count = SEVERAL

    def published(self) -> str:
        return f"sum {super().published()}"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        holds, rivals, text = self.within(sum(_est(r) for r in named))
        return holds, rivals, f"summen av {', '.join(self.show(r) for r in named)}: {text}"


@dataclass(frozen=True)
class Close(EstimateStatement):
    """The estimates of the two listed items differ by at most the target."""

    kind = "close"
    item_count = TWO

    target: float

    def published(self) -> str:
        return f"forskjell høyst {fmt.difference(self.measure, self.target)}"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        first, second = named
        gap = abs(_est(first) - _est(second))
        holds = gap <= self.target + ROUNDING
        m = self.measure
        return (
            holds,
            [],
            f"{self.show(first)} og {self.show(second)} skiller {fmt.difference(m, gap)} "
            f"({'høyst' if holds else 'mer enn'} {fmt.difference(m, self.target)})",
        )


@dataclass(frozen=True)
class RangeBelow(EstimateStatement):
    """Highest minus lowest estimate of the listed groups is below the target."""

    kind = "range_below"
    group_count = SEVERAL

    target: float

    def published(self) -> str:
        return f"spenn under {fmt.difference(self.measure, self.target)}"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        high, low = max(named, key=_est), min(named, key=_est)
        spread = _est(high) - _est(low)
        holds = _above(self.target, spread)
        m = self.measure
        return (
            holds,
            [],
            f"spennet fra {self.show(low)} til {self.show(high)} er "
            f"{fmt.difference(m, spread)} ({'under' if holds else 'ikke under'} "
            f"{fmt.difference(m, self.target)})",
        )


# The kinds that rank estimates.


@dataclass(frozen=True)
class ItemRanking(EstimateStatement):
    """A ranking of the listed items among the other items of the group."""

    def others(self, rows: Sequence[MartRow]) -> list[MartRow]:
        """The other items of the statement's group, highest first; all need an estimate."""
        others = [
            r for r in rows if r.group_code == self.group_codes[0] and r.item not in self.items
        ]
        if not others:
            raise _Undecided("ingen andre å sammenligne med")
        self.require_estimates(others)
        return sorted(others, key=lambda r: (-_est(r), r.item))


@dataclass(frozen=True)
class Top(ItemRanking):
    """The listed items are the highest, in any order."""

    kind = "top"
    item_count = ONE_OR_MORE

    def published(self) -> str:
        return "høyest av alle"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        best = self.others(rows)[0]
        return self.over(min(named, key=_est), best, [best])


@dataclass(frozen=True)
class NextAfterTop(ItemRanking):
    """The listed items come right after the `TOP_BEFORE_NEXT` highest."""

    kind = "next_after_top"
    item_count = ONE_OR_MORE

    def published(self) -> str:
        return f"nærmest etter de {TOP_BEFORE_NEXT} høyeste"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        others = self.others(rows)
        if len(others) < TOP_BEFORE_NEXT:
            raise _Undecided(f"færre enn {TOP_BEFORE_NEXT} andre å rangere over dem")
        top, rest = others[:TOP_BEFORE_NEXT], others[TOP_BEFORE_NEXT:]
        highest, lowest = max(named, key=_est), min(named, key=_est)
        below_top = _above(_est(top[-1]), _est(highest))
        above_rest = not rest or _above(_est(lowest), _est(rest[0]))
        parts = [
            f"{self.show(top[-1])} er {'over' if below_top else 'ikke over'} {self.show(highest)}"
        ]
        if rest:
            parts.append(
                f"{self.show(lowest)} er {'over' if above_rest else 'ikke over'} "
                f"{self.show(rest[0])}"
            )
        return below_top and above_rest, [*top, *rest[:1]], "; ".join(parts)


@dataclass(frozen=True)
class Bottom(ItemRanking):
    """The item is the lowest."""

    kind = "bottom"

    def published(self) -> str:
        return "lavest av alle"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        return self.under(named[0], self.others(rows)[-1])


@dataclass(frozen=True)
class GroupRanking(EstimateStatement):
    """A ranking of the listed group among the item's other groups, the county aside."""

    def name(self, row: MartRow) -> str:
        return row.group_label

    def other_groups(self, rows: Sequence[MartRow]) -> list[MartRow]:
        """The item's other groups of the breakdown, highest first; all need an estimate."""
        others = [
            r
            for r in rows
            if r.item == self.items[0] and r.group_code not in (self.group_codes[0], COUNTY_GROUP)
        ]
        if not others:
            raise _Undecided("ingen andre grupper å sammenligne med")
        self.require_estimates(others)
        return sorted(others, key=lambda r: (-_est(r), r.group_code))


@dataclass(frozen=True)
class MaxGroup(GroupRanking):
    kind = "max_group"

    def published(self) -> str:
        return "høyest av gruppene (fylkeskommune unntatt)"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        best = self.other_groups(rows)[0]
        return self.over(named[0], best, [best])


@dataclass(frozen=True)
class MinGroup(GroupRanking):
    kind = "min_group"

    def published(self) -> str:
        return "lavest av gruppene (fylkeskommune unntatt)"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        return self.under(named[0], self.other_groups(rows)[-1])


@dataclass(frozen=True)
class FirstGtLast(EstimateStatement):
    """The first listed group is above the last; the groups between do not count."""

    kind = "first_gt_last"
    group_count = SEVERAL

    def published(self) -> str:
        return "første gruppe over siste"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        return self.over(named[0], named[-1], [])


@dataclass(frozen=True)
class Increasing(EstimateStatement):
    """The estimates rise along the listed items, in their order."""

    kind = "increasing"
    item_count = SEVERAL

    def published(self) -> str:
        return "stigende i oppgitt rekkefølge"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        pairs = zip(named, named[1:], strict=False)
        falls = [(a, b) for a, b in pairs if not _above(_est(b), _est(a))]
        if not falls:
            return True, [], "stiger: " + " < ".join(self.show(r) for r in named)
        a, b = falls[0]
        return False, [], f"stiger ikke: {self.show(b)} er ikke over {self.show(a)}"


# The test kinds.


def _test_text(test: GroupTest) -> str:
    assert test.p_value is not None and test.q_value is not None
    left_out = f"; skjult og holdt utenfor: {test.groups_left_out}" if test.groups_left_out else ""
    return (
        f"p {fmt.p_value(test.p_value)}, q {fmt.p_value(test.q_value)}, "
        f"{test.groups} grupper{left_out}"
    )


@dataclass(frozen=True)
class GroupsDiffer(SignificanceStatement):
    """Whether the test finds the groups different (p below `SIGNIFICANCE`)."""

    # what the statement says: that the groups differ, or that they do not
    says_they_differ: ClassVar[bool]

    def decide(self, test: GroupTest) -> tuple[bool, str]:
        if test.p_value is None:
            raise _Undecided("testen har ingen p-verdi")
        differ = test.p_value < SIGNIFICANCE
        said = "gruppene er forskjellige" if differ else "ingen påvisbar forskjell mellom gruppene"
        return differ == self.says_they_differ, f"{said} ({_test_text(test)})"


@dataclass(frozen=True)
class Difference(GroupsDiffer):
    kind = "difference"
    says_they_differ = True

    def published(self) -> str:
        return "gruppene er forskjellige (p < 0,05)"


@dataclass(frozen=True)
class NoDifference(GroupsDiffer):
    kind = "no_difference"
    says_they_differ = False

    def published(self) -> str:
        return "ingen forskjell mellom gruppene (p ≥ 0,05)"


@dataclass(frozen=True)
class Trend(SignificanceStatement):
    """Whether the groups, in their order, show a significant trend in one direction."""

    # the direction the statement says
    rising: ClassVar[bool]

    def decide(self, test: GroupTest) -> tuple[bool, str]:
        if test.trend_p is None or test.trend_z is None:
            raise _Undecided("ingen trendtest")
        rising = test.trend_z > 0
        significant = test.trend_p < SIGNIFICANCE
        direction = "stigende" if rising else "synkende"
        said = f"{direction} trend" if significant else "ingen påvisbar trend"
        numbers = f"z ={fmt.NBSP}{fmt.z(test.trend_z)}, p {fmt.p_value(test.trend_p)}"
        return significant and rising == self.rising, f"{said} ({numbers})"


@dataclass(frozen=True)
class TrendUp(Trend):
    kind = "trend_up"
    rising = True

    def published(self) -> str:
        return "stigende trend (p < 0,05)"


@dataclass(frozen=True)
class TrendDown(Trend):
    kind = "trend_down"
    rising = False

    def published(self) -> str:
        return "synkende trend (p < 0,05)"


KINDS: dict[str, type[Statement]] = {
    kind.kind: kind
    for kind in (
        Value, Sum, Close, Top, NextAfterTop, Bottom, MaxGroup, MinGroup, FirstGtLast,
        Increasing, RangeBelow, Difference, NoDifference, TrendUp, TrendDown,
    )
}  # fmt: skip


# Reading the file.


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


_ITEMS_OF_MEASURE = {m.name: {item.name for item in m.items} for m in MEASURES.values()}


def _parse(record: dict[str, str], cell: _Cell) -> Statement:
    if None in record or any(v is None for v in record.values()):
        raise StatementsFileError(
            f"{cell.path}: line {cell.line}: the row does not have {len(COLUMNS)} cells"
        )
    kind = KINDS.get(record["kind"])
    if kind is None:
        raise cell.error("kind", f"is no kind; the kinds are {', '.join(KINDS)}")
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
    if issubclass(kind, SignificanceStatement) and MEASURES[measure].items_are_groups:
        # its items are the groups of the test: the item is empty (shared/README.md)
        items = _listed(cell, "item", kind.item_count, {""})
    else:
        items = _listed(cell, "item", kind.item_count, _ITEMS_OF_MEASURE[measure])
    if kind.group_count == NO_GROUP:
        if cell.record["group_code"]:
            raise cell.error("group_code", f"is given, but kind {kind.kind} tests a whole table")
        groups: tuple[str, ...] = ()
    else:
        groups = _listed(cell, "group_code", kind.group_count, set(BREAKDOWNS[breakdown].groups))
    needed = {f.name for f in fields(kind)}
    numbers = {column: _number(cell, column, column in needed) for column in NUMBERS}
    return kind(
        id=record["id"],
        wave=wave,
        mart=record["mart"],
        measure=measure,
        items=items,
        breakdown=breakdown,
        group_codes=groups,
        text=record["statement_no"],
        source=record["source"],
        **{column: number for column, number in numbers.items() if column in needed},
    )


def _listed(cell: _Cell, column: str, count: Count, known: set[str]) -> tuple[str, ...]:
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
