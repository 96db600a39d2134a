"""The test kinds: decided on the test of a table (marts.md §7), whether its groups differ
or trend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipelines.report import formatting as fmt
from pipelines.report.rows import GroupTest
from pipelines.report.statements.base import SignificanceStatement, Undecided

# The level of the tests behind the test kinds (shared/README.md).
SIGNIFICANCE = 0.05


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
            raise Undecided("testen har ingen p-verdi")
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
            raise Undecided("ingen trendtest")
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
