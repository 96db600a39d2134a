"""The trades' filters: the one on the sums' bounds compares only the cells whose bounds cut
into a trade's steps and keeps exactly the trades that comparing every cell keeps; the one on
the estimates refuses no trade whose estimate agrees."""

from __future__ import annotations

import numpy as np

from pipelines.disclosure.certificates import (
    _estimate_windows,
    _reach,
    _sorted_deltas,
    _within,
)
from pipelines.disclosure.families import Family, Row
from pipelines.disclosure.figures import FIGURES, Cells, Published, figures, weighted_estimate


def test_only_the_cells_whose_bounds_cut_in_are_compared_and_the_same_trades_are_kept():
    rng = np.random.default_rng(7)
    for cells in (3, 5, 9):
        weights = rng.uniform(0.5, 3.0, cells)
        deltas, _ = _sorted_deltas(int(rng.integers(cells)), weights.tobytes())
        for _ in range(200):
            # bounds mostly far outside the steps, some cutting into them (-2 … 2)
            low = rng.choice([-50, -3, -2, -1, 0, 1], cells)
            high = low + rng.choice([0, 1, 2, 3, 60], cells)
            everywhere = ((deltas >= low) & (deltas <= high)).all(axis=1)
            assert np.array_equal(_within(deltas, low, high), everywhere)
            assert np.array_equal(_within(deltas, None, high), (deltas <= high).all(axis=1))


def _family(rng: np.random.Generator, cells: int) -> Family:
    """Three share rows and a mean row over ``cells`` weighting cells, published at a
    thousandth, a hundredth, at full precision and with the estimate withheld."""
    respondents = rng.integers(5, 60, cells)
    population = respondents * rng.uniform(2.0, 40.0, cells).round(2)
    m = rng.integers(1, 9, cells)
    tops = (1, 1, 1, 6)
    x = np.array([rng.integers(0, m * top + 1) for top in tops])
    q = np.array([x[0], x[1], x[2], np.maximum(x[3] * x[3] // m, x[3])])
    named = Cells(tuple(f"c{i}" for i in range(cells)), respondents, population)
    rows = []
    for r, (measure, unit) in enumerate(
        (("innovative", 0.001), ("promoted", 0.01), ("inhibited", 0.0), ("mean_score", 0.1))
    ):
        truth = figures(named, m, x[r], q[r], measure == "mean_score")
        values = {
            f: float(truth[f]) if unit == 0 else round(float(truth[f]) / unit) * unit
            for f in FIGURES
        }
        if measure == "mean_score":
            values["estimate"] = None
        rows.append(Row(measure, "", Published(values, dict.fromkeys(FIGURES, unit / 2))))
    return Family("innovation", 2024, "sector", "1", named, tuple(rows), m, x, q)


def test_the_estimate_windows_keep_every_trade_whose_estimate_agrees_and_refuse_most_others():
    """A trade outside a row's window is refused unseen: every trade whose estimate rounds to
    what is published (as Published.narrow decides it) lies inside, for the row that gains it
    and the one that gives it up; a withheld estimate's window keeps every trade."""
    rng = np.random.default_rng(11)
    checked = refused = agreeing = 0
    for cells in (4, 6, 9):
        for _ in range(30):
            family = _family(rng, cells)
            deltas, moves = _sorted_deltas(int(rng.integers(cells)), family.cells.weight.tobytes())
            low, high = _estimate_windows(family)
            for r, row in enumerate(family.rows):
                for sign in (1, -1):  # the row that gains the trade, the one that gives it up
                    inside = (sign * moves >= low[r]) & (sign * moves <= high[r])
                    estimate = weighted_estimate(
                        family.cells, family.m, family.x[r] + sign * deltas
                    )[0]
                    if row.published.values["estimate"] is None:
                        assert inside.all()
                        continue
                    agrees = row.published._agrees("estimate", estimate)
                    assert not (agrees & ~inside).any(), (cells, r, sign)
                    checked += len(moves)
                    refused += int((~inside).sum())
                    agreeing += int(agrees.sum())
            # the trades come nearest first: a row's window keeps none past its farther end
            reach = _reach(moves, (low, high))
            for r in range(len(family.rows)):
                assert not ((moves[reach[r] :] >= low[r]) & (moves[reach[r] :] <= high[r])).any()
    # trades whose estimate agrees were drawn, and most others were refused unseen
    assert agreeing > 0 and refused > checked / 2
