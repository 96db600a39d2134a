"""What a mart row would publish if its respondents split over the weighting cells in a
given way: the estimator of sql/estimation/estimate.sql (marts.md §2), restated on the
per-cell counts an attacker reasons about, and how each published number is rounded.

A row's respondents are described per weighting cell c by m_c (how many are in the row's
denominator), x_c = Σy and q_c = Σy² over them. The arrays may carry leading axes, one per
candidate split, so that many candidates are checked at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

Z = 1.959964
FIGURES = ("estimate", "ci_lower", "ci_upper", "se", "deff")


@dataclass(frozen=True)
class Cells:
    """The weighting cells a group can draw respondents from: public knowledge (the frame's
    populations N_h and the cells' respondents n_h give every weight w_h = N_h / n_h)."""

    names: tuple[str, ...]
    respondents: np.ndarray  # n_h
    population: np.ndarray  # N_h

    # Cached: the audit evaluates figures() some 10⁵ times per wave on the same cells.
    @cached_property
    def weight(self) -> np.ndarray:
        return self.population / self.respondents

    @cached_property
    def variance_factor(self) -> np.ndarray:
        """(1 − f_h) · n_h / (n_h − 1); a cell of one respondent contributes nothing."""
        n, big_n = self.respondents, self.population
        return np.where(n > 1, (1 - n / big_n) * n / np.maximum(n - 1, 1), 0.0)


def weighted_estimate(cells: Cells, m: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A row's estimate p = Σ w·x / W and its weight total W = Σ w·m (last axis: cells): the
    one computation of both, for figures() and for the check of the estimate alone."""
    w = cells.weight
    big_w = (w * m).sum(-1)
    return (w * x).sum(-1) / big_w, big_w


def figures(
    cells: Cells, m: np.ndarray, x: np.ndarray, q: np.ndarray, mean: bool
) -> dict[str, np.ndarray]:
    """estimate, ci_lower, ci_upper, se and deff of a row whose denominator holds m_c
    respondents of cell c with value sums x_c and sums of squares q_c (last axis: cells)."""
    w = cells.weight
    n = m.sum(-1)
    p, big_w = weighted_estimate(cells, m, x)
    pe, we = p[..., None], big_w[..., None]
    s = w * (x - pe * m) / we
    q_cell = w * w * (q - 2 * pe * x + pe * pe * m) / (we * we)
    v = (cells.variance_factor * np.maximum(q_cell - s * s / cells.respondents, 0)).sum(-1)
    # every value in the denominator equal, decided on integers: no variance at all
    constant = n * q.sum(-1) == x.sum(-1) ** 2
    v = np.where(constant, 0.0, v)
    se = np.sqrt(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        if mean:
            s2 = np.where(constant, 0.0, (w * q).sum(-1) / big_w - p * p)
            deff = np.where(s2 > 0, v / (s2 / n), 1.0)
            lower, upper = p - Z * se, p + Z * se
        else:
            deff = np.where((p > 0) & (p < 1), v / (p * (1 - p) / n), 1.0)
            a = deff / n
            centre = (p + Z * Z * a / 2) / (1 + Z * Z * a)
            half = Z * np.sqrt(p * (1 - p) * a + Z * Z * a * a / 4) / (1 + Z * Z * a)
            lower = np.minimum(p, np.maximum(0, centre - half))
            upper = np.maximum(p, np.minimum(1, centre + half))
    return {"estimate": p, "ci_lower": lower, "ci_upper": upper, "se": se, "deff": deff}


@dataclass(frozen=True)
class Published:
    """One published row as an attacker reads it: its numbers (None where withheld) and the
    half-width of the rounding each carries (0 for numbers printed at full precision)."""

    values: dict[str, float | None]
    half_widths: dict[str, float]

    def consistent(self, candidate: dict[str, np.ndarray]) -> np.ndarray:
        """Whether each candidate's figures round to what is published."""
        ok = np.ones(np.shape(candidate["estimate"]), dtype=bool)
        for name, value in self.values.items():
            if value is not None:
                ok &= self._agrees(name, candidate[name])
        return ok

    def slack(self, name: str) -> float:
        """How far the number ``name`` may lie from what is printed: half its rounding's
        width; at full precision, what floating point may move between two summation orders."""
        return max(self.half_widths[name], 1e-9 * max(1.0, abs(self.values[name])))

    def tolerance(self, name: str) -> float:
        """The slack, with room for the candidate figure's own rounding errors: a figure
        agrees with the printed number when it lies within this of it."""
        return self.slack(name) * (1 + 1e-9) + 1e-12

    def _agrees(self, name: str, figure: np.ndarray) -> np.ndarray:
        return np.abs(figure - self.values[name]) <= self.tolerance(name)

    def narrow(
        self,
        among: np.ndarray,
        cells: Cells,
        m: np.ndarray,
        x: np.ndarray,
        squares: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    ) -> np.ndarray:
        """``among`` (a mask over the candidates, the leading axis of ``x``, and of ``m`` where
        it has one) without the candidates whose figures do not round to what is published.
        ``squares(m, x)``: a mean row's Σy² per cell; None for a share.

        The same verdicts as ``consistent(figures(...))`` on every candidate, for less: the
        estimate alone is computed first, and the other figures only for the candidates whose
        estimate agrees (a tenth of them on the sample waves) — elementwise, so that each
        candidate's figures are the very numbers figures() gives it among the others."""
        ok = among.copy()
        keep = np.flatnonzero(ok)
        per_candidate = m.ndim == x.ndim
        if self.values["estimate"] is not None and len(keep):
            m_kept = m[keep] if per_candidate else m
            agree = self._agrees("estimate", weighted_estimate(cells, m_kept, x[keep])[0])
            ok[keep[~agree]] = False
            keep = keep[agree]
        if len(keep):
            m_kept, x_kept = (m[keep] if per_candidate else m), x[keep]
            q_kept = x_kept if squares is None else squares(m_kept, x_kept)
            ok[keep] = self.consistent(figures(cells, m_kept, x_kept, q_kept, squares is not None))
        return ok
