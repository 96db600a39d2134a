"""The groups an attacker works on: the published rows of one group of one breakdown in one
mart that share a denominator, with the cells they can draw from and, privately, how their
respondents really split over those cells.

Rows share a denominator when their respondents fall in the cells alike (the same count in
every cell): an attacker who assumes so for rows with the same `n` is right whenever no
item was skipped, so the audit grants it that knowledge and attacks the rows together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pipelines.disclosure.figures import FIGURES, Cells, Published
from pipelines.marts.measures import MEASURES

# Single-choice questions: a respondent counts in at most one item (exactly one for the
# distributions, whose items split the denominator; the biggest inhibitor is one factor).
SINGLE_CHOICE = {name for name, m in MEASURES.items() if m.kind == "distribution"} | {
    "biggest_inhibitor"
}


class UnrecordedRow(ValueError):
    """A published row the warehouse keeps no per-cell record of."""


@dataclass(frozen=True)
class Row:
    measure: str
    item: str
    published: Published

    @property
    def mean(self) -> bool:
        return MEASURES[self.measure].kind == "mean"

    @property
    def scale(self) -> tuple[int, int]:
        return MEASURES[self.measure].scale or (0, 1)


@dataclass(frozen=True)
class Family:
    """Rows of (mart, wave, breakdown, group_code) with one denominator of n respondents."""

    mart: str
    wave: int
    breakdown: str
    group_code: str
    cells: Cells
    rows: tuple[Row, ...]
    # the truth, private: per cell m_c, and per row and cell x_rc = Σy, q_rc = Σy²
    m: np.ndarray
    x: np.ndarray
    q: np.ndarray

    @property
    def n(self) -> int:
        return int(self.m.sum())

    @cached_property
    def scales(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's scale as two columns (bottom, top), to bound every cell's sum at once."""
        bottom, top = np.array([row.scale for row in self.rows], dtype=np.int64).T
        return bottom[:, None], top[:, None]

    @cached_property
    def exclusive(self) -> list[tuple[list[int], bool]]:
        """Rows of one single-choice measure: (their indices, whether they sum to m_c).
        Cached: asked for once per candidate move, and the rows never change."""
        by_measure: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(self.rows):
            if row.measure in SINGLE_CHOICE:
                by_measure[row.measure].append(i)
        return [
            (rows, MEASURES[measure].kind == "distribution")
            for measure, rows in sorted(by_measure.items())
        ]

    def describe(self) -> str:
        measures = sorted({r.measure for r in self.rows})
        return (
            f"{self.mart} {self.wave} {self.breakdown}={self.group_code} "
            f"({', '.join(measures)}; n = {self.n})"
        )


# How wide the rounding of a published number is: (row, column) -> half a unit, 0 where the
# number is printed at full precision.
HalfWidth = Callable[[str, str, str, str], float]


def families(
    mart: str,
    wave: int,
    published_rows: Iterable[dict],
    audit_cells: Iterable[tuple],
    half_width: HalfWidth,
) -> list[Family]:
    """The families of one wave of a mart: its published rows (unsuppressed, as released)
    joined to ``audit_cells`` (sql/disclosure/audit_cells.sql: per row key and cell
    n_h, N_h, n_d, Σy, Σy²)."""
    cells_of: dict[tuple, list[tuple]] = defaultdict(list)
    for measure, item, breakdown, group, cell, n_h, big_n_h, n_d, sum_x, sum_x2 in audit_cells:
        if cell is not None:
            cells_of[(measure, item, breakdown, group)].append(
                (cell, n_h, big_n_h, n_d, sum_x, sum_x2)
            )
    grouped: dict[tuple, list[tuple[Row, list[tuple]]]] = defaultdict(list)
    for r in published_rows:
        if r["suppressed"]:
            continue
        key = (r["measure"], r["item"], r["breakdown"], r["group_code"])
        cells = cells_of.get(key)
        if cells is None:
            raise UnrecordedRow(
                f"{mart} {wave} row {key}: no record of how its respondents fall into the "
                "weighting cells (mart_cell_scores), so the reconstruction audit cannot attack "
                "it; the mart must be built by transform.build_mart"
            )
        values = {name: r[name] for name in FIGURES}
        widths = {
            name: half_width(r["measure"], r["breakdown"], r["group_code"], name)
            for name in FIGURES
        }
        row = Row(r["measure"], r["item"], Published(values, widths))
        split = tuple(c[3] for c in cells)
        grouped[(r["breakdown"], r["group_code"], split)].append((row, cells))
    found = []
    for (breakdown, group, split), members in sorted(grouped.items(), key=lambda g: g[0][:2]):
        cells = members[0][1]
        found.append(
            Family(
                mart=mart,
                wave=wave,
                breakdown=breakdown,
                group_code=group,
                cells=Cells(
                    names=tuple(c[0] for c in cells),
                    respondents=np.array([c[1] for c in cells], dtype=float),
                    population=np.array([c[2] for c in cells], dtype=float),
                ),
                rows=tuple(row for row, _ in members),
                m=np.array(split, dtype=np.int64),
                x=np.array([[c[4] for c in cells] for _, cells in members], dtype=np.int64),
                q=np.array([[c[5] for c in cells] for _, cells in members], dtype=np.int64),
            )
        )
    return found
