"""marts.md §2 written out the long way, for tests that work figures out by hand."""

from __future__ import annotations

import math

Z = 1.959964


def wilson(p: float, n_eff: float) -> tuple[float, float]:
    centre = (p + Z**2 / (2 * n_eff)) / (1 + Z**2 / n_eff)
    half = Z * math.sqrt(p * (1 - p) / n_eff + Z**2 / (4 * n_eff**2)) / (1 + Z**2 / n_eff)
    return centre - half, centre + half


def stratified_se(cells: list[tuple[int, list[float | None]]]) -> tuple[float, float]:
    """(estimate, se) of a domain mean or share: each cell is (N_h, the answers of all its
    n_h respondents, None for one outside the domain); u is 0 outside the domain and ū_h is
    taken over the whole cell."""
    weighted = [(N / len(xs), x) for N, xs in cells for x in xs if x is not None]
    total = sum(w for w, _ in weighted)
    p = sum(w * x for w, x in weighted) / total
    v = 0.0
    for N, xs in cells:
        n, w = len(xs), N / len(xs)
        if n == 1:
            continue
        u = [0.0 if x is None else w * (x - p) / total for x in xs]
        mean_u = sum(u) / n
        v += (1 - n / N) * n / (n - 1) * sum((ui - mean_u) ** 2 for ui in u)
    return p, math.sqrt(v)
