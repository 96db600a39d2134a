"""The tests of the differences and changes marts (marts.md §6–7): the small linear algebra
and the normal and χ² tails, on estimates and covariances that the SQL in
sql/estimation/comparisons/ computed.

`compare_groups` takes one table's published groups, in the order of marts.md §4, and returns
its Wald and trend statistics; `register_functions` gives DuckDB the normal tail so the
SQL can compute p-values itself.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import duckdb
import numpy as np
from scipy.special import chdtrc

# C V C′ counts as singular when its smallest eigenvalue is below this share of its largest:
# the Wald statistic would then be rounding noise.
SINGULAR = 1e-12


@dataclass(frozen=True)
class GroupComparison:
    statistic: float | None
    df: int
    p_value: float | None
    trend_z: float | None
    trend_p: float | None


def two_sided_p(z: float) -> float:
    """P(|Z| > |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


def compare_groups(
    codes: list[str], estimates: np.ndarray, covariance: np.ndarray, ordered: tuple[str, ...] | None
) -> GroupComparison:
    """Wald test that the k groups are equal, and the trend test along `ordered` (the order of
    the breakdown's groups; None for a breakdown without one), on the groups' estimates and
    their k×k covariance."""
    k = len(codes)
    contrast = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])  # differences from the first
    d = contrast @ estimates
    middle = contrast @ covariance @ contrast.T
    eigenvalues = np.linalg.eigvalsh(middle)
    if eigenvalues[0] <= SINGULAR * max(eigenvalues[-1], 0.0) or eigenvalues[-1] <= 0:
        statistic = p_value = None
    else:
        statistic = float(d @ np.linalg.solve(middle, d))
        p_value = float(chdtrc(k - 1, statistic))  # P(χ²_{k−1} > statistic)
    trend_z = trend_p = None
    if ordered is not None:
        members = [codes.index(code) for code in ordered if code in codes]
        if len(members) >= 2:
            scores = np.arange(1, len(members) + 1) - (len(members) + 1) / 2
            variance = float(scores @ covariance[np.ix_(members, members)] @ scores)
            if variance > 0:
                trend_z = float(scores @ estimates[members] / math.sqrt(variance))
                trend_p = two_sided_p(trend_z)
    return GroupComparison(statistic, k - 1, p_value, trend_z, trend_p)


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """Benjamini–Hochberg q-values in the order given: q_(i) = min over j ≥ i of
    min(1, m·p_(j)/j) over the m p-values sorted rising; None stays None."""
    given = [(p, i) for i, p in enumerate(p_values) if p is not None]
    ranked = sorted(given)  # ties: by position, so the result does not depend on the sort
    q: list[float | None] = [None] * len(p_values)
    running = 1.0
    m = len(ranked)
    for rank in range(m, 0, -1):
        p, i = ranked[rank - 1]
        # p · (m / rank), not m · p / rank: the factor is at least 1, so q ≥ p exactly
        running = min(running, p * (m / rank))
        q[i] = running
    return q


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """`two_sided_p(z)` for the SQL of the changes mart (DuckDB has no normal tail)."""
    # DuckDB refuses to create a function twice: it may already be there on this connection
    with contextlib.suppress(duckdb.NotImplementedException):
        con.create_function("two_sided_p", two_sided_p, ["DOUBLE"], "DOUBLE")
