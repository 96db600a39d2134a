"""Integer programs over the splits of a family (pipelines/disclosure/families.py): which
counts m_c and value sums x_rc per weighting cell agree with the published estimates.

The estimates are linear in the unknowns once multiplied out — `(p − t)·Σ w·m ≤ Σ w·x ≤
(p + t)·Σ w·m` for a number published as p with rounding half-width t — so the splits
consistent with them are the integer points of a polytope, which `scipy.optimize.milp`
(HiGHS) searches exactly. The intervals, `se` and `deff` are not linear: every split the
program finds is checked against them afterwards (`Family` rows' `Published.consistent`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.disclosure.families import Family
from pipelines.disclosure.figures import figures


@dataclass(frozen=True)
class Split:
    m: np.ndarray  # per cell
    x: np.ndarray  # per row and cell


class Program:
    """The linear part of what a family publishes, over the variables (m_c, x_rc)."""

    def __init__(self, family: Family):
        self.family = family
        cells, rows = len(family.cells.names), len(family.rows)
        self.cells, self.rows = cells, rows
        self.size = cells * (1 + rows)
        w = family.cells.weight
        n = family.n
        top = np.array([r.scale[1] for r in family.rows])
        bottom = np.array([r.scale[0] for r in family.rows])
        cap = np.minimum(family.cells.respondents, n)
        self.lower = np.zeros(self.size)
        self.upper = np.concatenate([cap, (top[:, None] * cap[None, :]).ravel()])
        a, lo, hi = [], [], []

        def constraint(coefficients: dict[int, float], low: float, high: float) -> None:
            row = np.zeros(self.size)
            for index, value in coefficients.items():
                row[index] += value
            a.append(row)
            lo.append(low)
            hi.append(high)

        constraint({c: 1.0 for c in range(cells)}, n, n)
        for r in range(rows):
            for c in range(cells):
                # bottom·m_c ≤ x_rc ≤ top·m_c: a value lies on its scale (0/1 for a share)
                constraint({self.x_index(r, c): 1.0, c: -top[r]}, -np.inf, 0)
                if bottom[r]:
                    constraint({self.x_index(r, c): 1.0, c: -bottom[r]}, 0, np.inf)
        for members, exact in family.exclusive:
            for c in range(cells):
                coefficients = {self.x_index(r, c): 1.0 for r in members}
                coefficients[c] = -1.0
                constraint(coefficients, 0 if exact else -np.inf, 0)
        scale = 1.0 / (n * w.mean())
        for r, row in enumerate(family.rows):
            value = row.published.values["estimate"]
            half = row.published.slack("estimate")
            for bound, sense in ((value + half, "upper"), (value - half, "lower")):
                coefficients = {self.x_index(r, c): w[c] * scale for c in range(cells)}
                for c in range(cells):
                    coefficients[c] = coefficients.get(c, 0.0) - bound * w[c] * scale
                if sense == "upper":
                    constraint(coefficients, -np.inf, 0)
                else:
                    constraint(coefficients, 0, np.inf)
        self.a, self.lo, self.hi = np.array(a), np.array(lo), np.array(hi)

    def x_index(self, row: int, cell: int) -> int:
        return self.cells * (1 + row) + cell

    def split(self, values: np.ndarray) -> Split:
        v = np.rint(values[: self.size]).astype(np.int64)
        return Split(m=v[: self.cells], x=v[self.cells :].reshape(self.rows, self.cells))

    def vector(self, split: Split) -> np.ndarray:
        return np.concatenate([split.m, split.x.ravel()]).astype(float)

    def solve(
        self,
        avoid: list[tuple[np.ndarray, np.ndarray]],
        near: np.ndarray | None = None,
        node_limit: int | None = None,
    ) -> Split | None:
        """An integer point of the polytope that differs from each ``avoid`` point in at
        least one of its listed variables (by ±1 or more); the nearest to ``near`` (in L1)
        if given. None when there is none, or none was found in ``node_limit`` branch-and-bound
        nodes (a count, so the answer is the same on every machine)."""
        return self.search(avoid, near, node_limit=node_limit)[0]

    def search(
        self,
        avoid: list[tuple[np.ndarray, np.ndarray]],
        near: np.ndarray | None = None,
        time_limit: float | None = None,
        bounds: dict[int, tuple[float, float]] | None = None,
        node_limit: int | None = None,
    ) -> tuple[Split | None, bool]:
        """``solve``, and whether its answer is proven: a point found, or HiGHS's proof that
        there is none (not a search cut short by ``time_limit`` seconds or ``node_limit``
        nodes). ``bounds`` narrows some variables (index -> (least, most))."""
        # imported here: scipy.optimize costs a run that audits 0.1 to 0.4 s to import, and the
        # audit needs a program only where no local move certifies a cell (none of the
        # sample waves' settling does)
        from scipy.optimize import Bounds, LinearConstraint, milp

        program = _Extended(self)
        program.narrow(bounds or {})
        if near is not None:
            program.add_distance(near)
        for point, variables in avoid:
            program.add_avoidance(point, variables, self.upper[variables] + 1)
        result = milp(
            program.objective(),
            constraints=LinearConstraint(
                program.matrix(), np.concatenate(program.low), np.concatenate(program.high)
            ),
            integrality=np.ones(program.width),
            bounds=Bounds(np.concatenate(program.lower), np.concatenate(program.upper)),
            # HiGHS's presolve declared programs infeasible that the truth satisfies exactly
            # (intervals of 1e-9 at full precision): without it, an answer is one
            options={
                "presolve": False,
                **({"time_limit": time_limit} if time_limit else {}),
                **({"node_limit": node_limit} if node_limit else {}),
            },
        )
        # status 1 (a limit reached) may still carry a feasible point, checked like any;
        # status 2 is HiGHS's proof that there is none
        if result.x is None or result.status not in (0, 1):
            return None, result.status == 2
        return self.split(result.x), True


class _Extended:
    """A program's constraints and variables, extended by ``Program.search`` with variables
    of its own (columns after the program's) and the rows that bind them."""

    def __init__(self, program: Program):
        self.size = program.size
        # each block of rows spans the columns there were when it was added
        self.blocks, self.low, self.high = [program.a], [program.lo], [program.hi]
        self.lower, self.upper = [program.lower.copy()], [program.upper.copy()]
        self.costs = [np.zeros(program.size)]

    @property
    def width(self) -> int:
        return sum(len(costs) for costs in self.costs)

    def narrow(self, bounds: dict[int, tuple[float, float]]) -> None:
        lower, upper = self.lower[0], self.upper[0]
        for v, (least, most) in bounds.items():
            lower[v], upper[v] = max(lower[v], least), min(upper[v], most)

    def add_variables(self, lower: np.ndarray, upper: np.ndarray, costs: np.ndarray) -> None:
        self.lower.append(lower)
        self.upper.append(upper)
        self.costs.append(costs)

    def add_rows(self, block: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
        self.blocks.append(block)
        self.low.append(low)
        self.high.append(high)

    def add_distance(self, near: np.ndarray) -> None:
        """Minimise the L1 distance to ``near``: d_v ≥ |v − near_v|, at a cost of 1 each."""
        size = self.size
        d = np.eye(size)
        self.add_rows(np.hstack([np.eye(size), -d]), np.full(size, -np.inf), near)
        self.add_rows(np.hstack([np.eye(size), d]), near, np.full(size, np.inf))
        self.add_variables(np.zeros(size), np.full(size, np.inf), np.ones(size))

    def add_avoidance(self, point: np.ndarray, variables: np.ndarray, big: np.ndarray) -> None:
        """Differ from ``point`` by ±1 or more in one of ``variables``: one binary per
        direction and variable, at least one of which must hold; ``big`` exceeds each
        variable's range."""
        k = len(variables)
        width = self.width
        block = np.zeros((2 * k + 1, width + 2 * k))
        for i, v in enumerate(variables):
            block[i, v] = 1.0  # v ≥ point + 1 − big·(1 − up)
            block[i, width + i] = -big[i]
            block[k + i, v] = 1.0  # v ≤ point − 1 + big·(1 − down)
            block[k + i, width + k + i] = big[i]
        block[2 * k, width:] = 1.0
        self.add_rows(
            block,
            np.concatenate([point[variables] + 1 - big, np.full(k, -np.inf), [1]]),
            np.concatenate([np.full(k, np.inf), point[variables] - 1 + big, [np.inf]]),
        )
        self.add_variables(np.zeros(2 * k), np.ones(2 * k), np.zeros(2 * k))

    def objective(self) -> np.ndarray:
        return np.concatenate(self.costs)

    def matrix(self) -> np.ndarray:
        """The rows of every block, over all the variables (zero where a block has none)."""
        width = self.width
        return np.vstack(
            [np.hstack([b, np.zeros((b.shape[0], width - b.shape[1]))]) for b in self.blocks]
        )


def agrees(family: Family, split: Split, squares: np.ndarray | None = None) -> bool:
    """Whether ``split`` reproduces every published number of the family, the non-linear
    ones (interval, se, deff) included. A mean's se also depends on the values' squares,
    which a split does not fix: ``squares`` gives them (per row and cell); where it is None,
    a cell keeps the truth's squares if its counts are the truth's, and otherwise takes the
    squares nearest to the truth's that its count and sum allow."""
    q = split.x.copy() if squares is None else squares
    for r, row in enumerate(family.rows):
        if row.mean and squares is None:
            q[r] = mean_squares(family, r, split.m, split.x[r])
        candidate = figures(family.cells, split.m, split.x[r], q[r], row.mean)
        if not bool(row.published.consistent(candidate)):
            return False
    return True


def mean_squares(family: Family, r: int, m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σy² per cell of a mean row whose counts are ``m`` and sums ``x`` (leading axes: one
    per candidate): the truth's where a cell is unchanged, otherwise the value nearest to
    the truth's that m integers on the row's scale summing to x can have."""
    bottom, top = family.rows[r].scale
    truth_q = family.q[r]
    low, high = squares_range(m, x, bottom, top)
    q = np.minimum(np.maximum(truth_q, low), high)
    # Σy² ≡ Σy (mod 2) for integers
    odd = (q - x) % 2 == 1
    q = np.where(odd, np.where(q < high, q + 1, q - 1), q)
    unchanged = (m == family.m) & (x == family.x[r])
    return np.where(unchanged, truth_q, q)


def squares_range(
    m: np.ndarray, x: np.ndarray, bottom: int, top: int
) -> tuple[np.ndarray, np.ndarray]:
    """The least and greatest Σy² of m integers on [bottom, top] that sum to x (elementwise;
    0 where m = 0)."""
    m, x = np.asarray(m, dtype=np.int64), np.asarray(x, dtype=np.int64)
    count = np.maximum(m, 1)
    base, extra = np.divmod(x, count)
    low = (count - extra) * base * base + extra * (base + 1) ** 2
    span = top - bottom
    at_top, rest = np.divmod(x - bottom * m, span)
    at_top = np.minimum(at_top, m)
    middle = ((rest > 0) & (at_top < m)).astype(np.int64)
    high = at_top * top * top + middle * (bottom + rest) ** 2
    high += (m - at_top - middle) * bottom * bottom
    return np.where(m > 0, low, 0), np.where(m > 0, high, 0)
