"""The kinds that rank estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.report.rows import MartRow
from pipelines.report.statements.base import (
    ONE_OR_MORE,
    SEVERAL,
    Decision,
    EstimateStatement,
    Undecided,
    above,
    est,
)

# The group a max_group / min_group statement leaves out: it is no municipality group.
COUNTY_GROUP = "county"
# next_after_top: how many items rank above the listed ones.
TOP_BEFORE_NEXT = 2


@dataclass(frozen=True)
class ItemRanking(EstimateStatement):
    """A ranking of the listed items among the other items of the group."""

    def others(self, rows: Sequence[MartRow]) -> list[MartRow]:
        """The other items of the statement's group, highest first; all need an estimate."""
        others = [
            r for r in rows if r.group_code == self.group_codes[0] and r.item not in self.items
        ]
        if not others:
            raise Undecided("ingen andre å sammenligne med")
        self.require_estimates(others)
        return sorted(others, key=lambda r: (-est(r), r.item))


@dataclass(frozen=True)
class Top(ItemRanking):
    """The listed items are the highest, in any order."""

    kind = "top"
    item_count = ONE_OR_MORE

    def published(self) -> str:
        return "høyest av alle"

    def decide(self, named: list[MartRow], rows: Sequence[MartRow]) -> Decision:
        best = self.others(rows)[0]
        return self.over(min(named, key=est), best, [best])


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
            raise Undecided(f"færre enn {TOP_BEFORE_NEXT} andre å rangere over dem")
        top, rest = others[:TOP_BEFORE_NEXT], others[TOP_BEFORE_NEXT:]
        highest, lowest = max(named, key=est), min(named, key=est)
        below_top = above(est(top[-1]), est(highest))
        above_rest = not rest or above(est(lowest), est(rest[0]))
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
            raise Undecided("ingen andre grupper å sammenligne med")
        self.require_estimates(others)
        return sorted(others, key=lambda r: (-est(r), r.group_code))


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
        falls = [(a, b) for a, b in pairs if not above(est(b), est(a))]
        if not falls:
            return True, [], "stiger: " + " < ".join(self.show(r) for r in named)
        a, b = falls[0]
        return False, [], f"stiger ikke: {self.show(b)} er ikke over {self.show(a)}"
