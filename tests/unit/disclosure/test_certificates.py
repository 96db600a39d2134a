"""The trades' filter compares only the cells whose bounds cut into a trade's steps: it keeps
exactly the trades that comparing every cell keeps."""

from __future__ import annotations

import numpy as np

from pipelines.disclosure.certificates import _sorted_deltas, _within


def test_only_the_cells_whose_bounds_cut_in_are_compared_and_the_same_trades_are_kept():
    rng = np.random.default_rng(7)
    for cells in (3, 5, 9):
        weights = rng.uniform(0.5, 3.0, cells)
        deltas = _sorted_deltas(int(rng.integers(cells)), weights.tobytes())
        for _ in range(200):
            # bounds mostly far outside the steps, some cutting into them (-2 … 2)
            low = rng.choice([-50, -3, -2, -1, 0, 1], cells)
            high = low + rng.choice([0, 1, 2, 3, 60], cells)
            everywhere = ((deltas >= low) & (deltas <= high)).all(axis=1)
            assert np.array_equal(_within(deltas, low, high), everywhere)
            assert np.array_equal(_within(deltas, None, high), (deltas <= high).all(axis=1))
