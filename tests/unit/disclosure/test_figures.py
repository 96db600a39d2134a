"""The attacker's figures (pipelines/disclosure/figures.py): ``Published.narrow`` keeps exactly
the candidates that ``consistent(figures(...))`` accepts, the estimate checked first."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.disclosure.figures import FIGURES, Cells, Published, figures

CELLS = Cells(
    names=("a", "b", "c", "d"),
    respondents=np.array([12, 40, 7, 25]),
    population=np.array([300, 520, 90, 410]),
)
TRUTH_M = np.array([5, 9, 3, 6])


def squares_of(m: np.ndarray, x: np.ndarray) -> np.ndarray:
    # any Σy² consistent with a 1–6 scale does: the figures only need one per cell
    return np.maximum(x * x // np.maximum(m, 1), x)


def published_at(m: np.ndarray, x: np.ndarray, mean: bool, unit: float) -> Published:
    """The truth's figures rounded to ``unit`` (half a unit of slack each)."""
    q = squares_of(m, x) if mean else x
    truth = figures(CELLS, m, x, q, mean)
    return Published(
        values={f: round(float(truth[f]) / unit) * unit for f in FIGURES},
        half_widths=dict.fromkeys(FIGURES, unit / 2),
    )


@pytest.mark.parametrize("mean", [False, True], ids=["share", "mean"])
@pytest.mark.parametrize("per_candidate_counts", [False, True], ids=["trades", "moves"])
def test_narrow_keeps_exactly_what_the_full_figures_accept(mean, per_candidate_counts):
    rng = np.random.default_rng(7)
    top = 6 if mean else 1
    truth_x = np.minimum(TRUTH_M * top, rng.integers(0, TRUTH_M * top + 1))
    published = published_at(TRUTH_M, truth_x, mean, unit=0.01)
    k = 4000
    m = TRUTH_M + rng.integers(-1, 2, size=(k, 4)) if per_candidate_counts else TRUTH_M
    m = np.maximum(m, 1)
    x = np.clip(truth_x + rng.integers(-3, 4, size=(k, 4)), 0, m * top)
    among = rng.random(k) < 0.8
    # the truth among them, which agrees with what is published of it
    x[0], among[0] = truth_x, True
    if per_candidate_counts:
        m[0] = TRUTH_M
    q = squares_of(m, x) if mean else x
    expected = among & published.consistent(figures(CELLS, m, x, q, mean))
    narrowed = published.narrow(among, CELLS, m, x, squares_of if mean else None)
    np.testing.assert_array_equal(narrowed, expected)
    # the draw has candidates of each kind: ruled out by the estimate, by another figure only,
    # and kept
    estimate_ok = np.abs(figures(CELLS, m, x, q, mean)["estimate"] - published.values["estimate"])
    estimate_ok = estimate_ok <= 0.005 * (1 + 1e-9) + 1e-12
    assert (among & ~estimate_ok).any() and (among & estimate_ok & ~expected).any()
    assert expected[0]


def test_narrow_leaves_the_mask_it_is_given_alone():
    truth_x = np.array([2, 4, 1, 3])
    published = published_at(TRUTH_M, truth_x, mean=False, unit=0.001)
    among = np.ones(3, dtype=bool)
    x = np.array([truth_x, truth_x + 1, truth_x])
    narrowed = published.narrow(among, CELLS, TRUTH_M, x, None)
    assert narrowed.tolist() == [True, False, True] and among.all()
