"""The kinds that compare estimates with published numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.report import formatting as fmt
from pipelines.report.rows import MartRow
from pipelines.report.statements.base import (
    ROUNDING,
    SEVERAL,
    TWO,
    Decision,
    EstimateStatement,
    above,
    est,
)


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
        return self.within(est(named[0]))


@dataclass(frozen=True)
class Sum(Value):
    """The estimates of the listed items add up to the target, give or take the tolerance."""

    kind = "sum"
    item_count = SEVERAL

    def published(self) -> str:
        return f"sum {super().published()}"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        holds, rivals, text = self.within(sum(est(r) for r in named))
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
        gap = abs(est(first) - est(second))
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
        high, low = max(named, key=est), min(named, key=est)
        spread = est(high) - est(low)
        holds = above(self.target, spread)
        m = self.measure
        return (
            holds,
            [],
            f"spennet fra {self.show(low)} til {self.show(high)} er "
            f"{fmt.difference(m, spread)} ({'under' if holds else 'ikke under'} "
            f"{fmt.difference(m, self.target)})",
        )
