"""The attack, from published rows and public cells alone: find every split of a family
consistent with what is published. It never looks at the truth a family carries."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pipelines.disclosure.families import Family
from pipelines.disclosure.search import Program, Split, agrees


@dataclass(frozen=True)
class Outcome:
    """What the attack learnt of one family: the consistent splits it found (one, or two
    that differ), and whether it proved there are no others (``complete``)."""

    family: Family
    splits: tuple[Split, ...]
    complete: bool

    @property
    def determined(self) -> Split | None:
        """The one split consistent with what is published, if the attack proved it is."""
        return self.splits[0] if self.complete and len(self.splits) == 1 else None

    def small_cells(self, min_cell_size: int) -> list[tuple[str, int]]:
        """Cells of the determined split holding 1 to min − 1 of the group's respondents."""
        split = self.determined
        if split is None:
            return []
        names = self.family.cells.names
        return [(names[c], int(k)) for c, k in enumerate(split.m) if 0 < k < min_cell_size]


def attack(family: Family, rounds: int = 8, seconds: float = 10.0) -> Outcome:
    """Search the splits consistent with the family's published numbers: a first one, then
    for every unknown (a cell's count, a row's sum in a cell) whether any consistent split
    gives it another value. Each integer point of the estimates' polytope is checked
    against the intervals, se and deff; the first search excludes a point that fails and
    goes on, at most ``rounds`` times. The split is determined when every other value is
    proven impossible; a search cut short (``seconds`` for one integer program) or a point
    that only the non-linear numbers rule out leaves the outcome incomplete: it claims
    nothing."""
    program = Program(family)
    everything = np.arange(program.size)
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    first = None
    for _ in range(rounds):
        split, proven = program.search(seen, time_limit=seconds)
        if split is None:
            return Outcome(family, (), complete=proven)
        if _agrees_without_truth(family, split):
            first = split
            break
        seen.append((program.vector(split), everything))
    if first is None:
        return Outcome(family, (), complete=False)
    point = program.vector(first)
    complete = True
    for v in everything:
        for bound in ((point[v] + 1, np.inf), (-np.inf, point[v] - 1)):
            other, proven = program.search([], time_limit=seconds, bounds={int(v): bound})
            if other is None:
                complete &= proven
            elif _agrees_without_truth(family, other):
                return Outcome(family, (first, other), complete=False)
            else:
                complete = False
    return Outcome(family, (first,), complete=complete)


def _agrees_without_truth(family: Family, split: Split) -> bool:
    """The attacker does not know Σy² of a mean's answers: a mean row's se is then taken as
    reproducible (its squares can be chosen), so only shares are checked in full."""
    kept = [i for i, r in enumerate(family.rows) if not r.mean]
    shares_only = replace(
        family,
        rows=tuple(family.rows[i] for i in kept),
        x=family.x[kept],
        q=family.q[kept],
    )
    return agrees(shares_only, Split(m=split.m, x=split.x[kept]))
