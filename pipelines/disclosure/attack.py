"""The attack, from published rows and public cells alone: find every split of a family
consistent with what is published. It never looks at the truth a family carries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.disclosure.families import Family
from pipelines.disclosure.search import Program, Split, agrees


@dataclass(frozen=True)
class Outcome:
    """What the attack learnt of one family: the consistent splits it found (at most
    ``limit``), and whether it searched them all (``complete``)."""

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


def attack(family: Family, limit: int = 2, rounds: int = 8, seconds: float = 10.0) -> Outcome:
    """Search the splits consistent with the family's published numbers, stopping at
    ``limit`` of them. Each integer point of the estimates' polytope is checked against the
    intervals, se and deff; one that fails is excluded and the search goes on, at most
    ``rounds`` times. A search that runs out of rounds, or of ``seconds`` for one integer
    program, is incomplete: it claims nothing."""
    program = Program(family)
    everything = np.arange(program.size)
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    found: list[Split] = []
    for _ in range(rounds):
        split, proven = program.search(seen, time_limit=seconds)
        if split is None:
            return Outcome(family, tuple(found), complete=proven)
        seen.append((program.vector(split), everything))
        if _agrees_without_truth(family, split):
            found.append(split)
            if len(found) >= limit:
                return Outcome(family, tuple(found), complete=False)
    return Outcome(family, tuple(found), complete=False)


def _agrees_without_truth(family: Family, split: Split) -> bool:
    """The attacker does not know Σy² of a mean's answers: a mean row's se is then taken as
    reproducible (its squares can be chosen), so only shares are checked in full."""
    shares_only = Family(
        mart=family.mart,
        wave=family.wave,
        breakdown=family.breakdown,
        group_code=family.group_code,
        cells=family.cells,
        rows=tuple(r for r in family.rows if not r.mean),
        m=family.m,
        x=family.x[[i for i, r in enumerate(family.rows) if not r.mean]],
        q=family.q[[i for i, r in enumerate(family.rows) if not r.mean]],
    )
    kept = [i for i, r in enumerate(family.rows) if not r.mean]
    return agrees(shares_only, Split(m=split.m, x=split.x[kept]))
