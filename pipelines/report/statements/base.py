"""What every statement kind shares: the statement, its result and how it decides.

Comparisons allow `ROUNDING` for binary floating point, so that a figure published as
75 % ± 3 holds at exactly 78 % and two estimates that are equal on paper count as a tie.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from pipelines.report import formatting as fmt
from pipelines.report.rows import GroupTest, MartRow

ROUNDING = 1e-9

# How many values a kind lists in `item` or `group_code`: (min, max), None = no maximum.
Count = tuple[int, int | None]
ONE: Count = (1, 1)
TWO: Count = (2, 2)
ONE_OR_MORE: Count = (1, None)
SEVERAL: Count = (2, None)
NO_GROUP: Count = (0, 0)  # group_code is empty: the kind tests a whole table


class Undecided(Exception):
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


def est(row: MartRow) -> float:
    assert row.estimate is not None  # evaluate has refused suppressed rows
    return row.estimate


def above(high: float, low: float) -> bool:
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
        return f"{self.name(row)} {fmt.value(self.measure, est(row))}"

    def over(self, row: MartRow, other: MartRow, shown: list[MartRow]) -> Decision:
        """Whether ``row`` is above ``other`` (by more than the tolerance), in words."""
        holds = above(est(row), est(other))
        relation = "over" if holds else "ikke over"
        return holds, shown, f"{self.show(row)} er {relation} {self.show(other)}"

    def under(self, row: MartRow, other: MartRow) -> Decision:
        """Whether ``row`` is below ``other`` (by more than the tolerance), in words."""
        holds = above(est(other), est(row))
        relation = "under" if holds else "ikke under"
        return holds, [other], f"{self.show(row)} er {relation} {self.show(other)}"

    def require_estimates(self, rows: Sequence[MartRow]) -> None:
        hidden = [r for r in rows if r.estimate is None]
        if hidden:
            names = ", ".join(f"{self.name(r)} (n = {r.n})" for r in hidden)
            raise Undecided(f"skjult fordi n er under minste cellestørrelse: {names}")


@dataclass(frozen=True)
class SignificanceStatement(Statement):
    """A statement about the test of a table (marts.md §7), decided on its differences row."""

    group_count = NO_GROUP

    @abstractmethod
    def decide(self, test: GroupTest) -> tuple[bool, str]:
        """Whether it holds on the test, and why, in words."""
