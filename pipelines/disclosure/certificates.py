"""Certificates that a published group cannot be split into small cells: for every weighting
cell holding 1 to min − 1 of a family's respondents, a second split — another count or
other answers in that cell — that reproduces every number the family publishes.

A certificate is a proof, not an estimate of risk: whatever an attacker combines from these
rows, the cell's contents stay unknown, because two different contents give the same
figures. Certificates are looked for near the truth, where they are most likely: first by
moving one respondent or one answer between two cells (cheap, vectorised), then by the
integer program of pipelines/disclosure/search.py for the nearest consistent split. A cell
without a certificate counts as determined — the audit never passes a cell for want of time.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from pipelines.disclosure.families import Family
from pipelines.disclosure.figures import figures
from pipelines.disclosure.search import Program, Split, agrees, mean_squares

# Branch-and-bound nodes HiGHS may spend looking for one certificate — a count, not a time,
# so that the audit decides alike on every machine and in every run; a cell it does not
# certify within them is treated as determined (its group published coarser), never as safe.
SEARCH_NODES = 500
SEARCH_ROUNDS = 2


def uncertified_cells(family: Family, min_cell_size: int, search: bool = True) -> list[int]:
    """The small cells of ``family`` (by index) that no certificate covers: the cells whose
    count and answers the published numbers may determine. Empty when the family has no
    cell with 1 to min − 1 respondents — there is then nothing small to find. ``search``
    adds the integer program's certificates to the local moves' (slower)."""
    small = {c for c, k in enumerate(family.m) if 0 < k < min_cell_size}
    for cell in sorted(small):
        if cell not in small:
            continue  # certified already, by a move that touched it
        split = certificate(family, cell)
        if split is not None:
            small -= changed_cells(family, split)
        elif not search:
            break  # the family is flagged already
    if small and search:
        small -= _searched_certificates(family, sorted(small))
    return sorted(small)


def certificate(family: Family, cell: int) -> Split | None:
    """A split one small move from the truth that changes ``cell`` and reproduces every
    number the family publishes: answers traded with other cells, or a respondent moved
    (with the answers that keep the estimates nearest). None where no such move does."""
    deltas = _cell_deltas(family, cell)
    for r in range(len(family.rows)):
        x = _first_agreeing_trade(family, r, cell, deltas)
        if x is not None:
            return Split(m=family.m, x=x)
    return _first_agreeing_move(family, _respondent_moves(family, cell))


def changed_cells(family: Family, split: Split) -> set[int]:
    """The cells whose count or answers differ between ``split`` and the truth."""
    changed = (split.m != family.m) | (split.x != family.x).any(axis=0)
    return set(np.flatnonzero(changed).tolist())


def _first_agreeing_trade(
    family: Family, r: int, cell: int, deltas: np.ndarray
) -> np.ndarray | None:
    """The truth's sums with row r's answers traded (``_trades`` of ``deltas``) in the first
    way that keeps every published number of the rows it touches, checked a batch at once."""
    for batch, partner in _trades(family, r, deltas):
        for trades in _nearest_first(batch):
            ok = np.ones(len(trades), dtype=bool)
            touched = [(r, family.x[r] + trades)]
            if partner is not None:
                touched.append((partner, family.x[partner] - trades))
            for row, sums in touched:
                mean = family.rows[row].mean
                squares = mean_squares(family, row, family.m, sums) if mean else sums
                ok &= family.rows[row].published.consistent(
                    figures(family.cells, family.m, sums, squares, mean)
                )
                if not ok.any():
                    break
            if ok.any():
                x = family.x.copy()
                x[r] += trades[ok.argmax()]
                if partner is not None:
                    x[partner] -= trades[ok.argmax()]
                return x
    return None


def _nearest_first(trades: np.ndarray):
    """``trades`` in slices of growing length: the trades come nearest first and the first
    that agrees is taken, which is mostly among the first few, so most of a batch of up to
    5⁶ need not be computed."""
    start = 0
    for stop in (64, 1024):
        if start < len(trades):
            yield trades[start:stop]
        start = stop
    if start < len(trades):
        yield trades[start:]


# A trade of answers between cells moves a row's estimate by Σ_c w_c·δ_c / W: with weights
# far apart (five sectors) one unit rarely stays inside the rounding, a few units across
# several cells often do — the short vectors a lattice attack would look for, taken here
# from the other side. With few cells every trade of up to two units per cell is tried;
# with many, the cell and one of the cells whose weights are nearest its own.
TRADE_STEPS = (-2, -1, 0, 1, 2)
ALL_TRADES_UP_TO = 6
NEAREST_CELLS = 8


def _first_agreeing_move(
    family: Family, moves: list[tuple[np.ndarray, np.ndarray]]
) -> Split | None:
    """The first of ``moves`` that reproduces every number the family publishes (what
    search.agrees asks of one split), the moves checked at once, row by row."""
    if not moves:
        return None
    m = np.stack([m for m, _ in moves])
    x = np.stack([x for _, x in moves])
    ok = np.ones(len(moves), dtype=bool)
    for r, row in enumerate(family.rows):
        sums = x[:, r]
        squares = mean_squares(family, r, m, sums) if row.mean else sums
        ok &= row.published.consistent(figures(family.cells, m, sums, squares, row.mean))
        if not ok.any():
            return None
    first = int(ok.argmax())
    return Split(m=m[first], x=x[first])


def _respondent_moves(family: Family, cell: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """One respondent moved between ``cell`` and another cell, carrying per row the answer
    that keeps the row's estimate nearest to the truth's — and, for a single-choice
    question, each answer its source cell holds in turn."""
    moves = []
    for j in range(len(family.m)):
        for source, target in ((cell, j), (j, cell)):
            if j == cell or family.m[source] == 0:
                continue
            m = family.m.copy()
            m[source] -= 1
            m[target] += 1
            moves += [(m, x) for x in _carried_answers(family, source, target)]
    return [(m, x) for m, x in moves if _within(family, m, x)]


def _cell_deltas(family: Family, cell: int) -> np.ndarray:
    """The changes of a row's per-cell sums that touch ``cell``, nearest to the truth's
    weighted sum first (the same for every row of the family)."""
    cells = len(family.m)
    w = family.cells.weight
    if cells <= ALL_TRADES_UP_TO:
        deltas = _steps(cells)
    else:
        # the cells whose weights are nearest the cell's own balance a trade best
        nearest = np.argsort(np.abs(w - w[cell]), kind="stable")[1 : NEAREST_CELLS + 1]
        pairs = _steps(2)
        deltas = np.zeros((len(nearest) * len(pairs), cells), dtype=np.int64)
        for k, j in enumerate(nearest):
            deltas[k * len(pairs) : (k + 1) * len(pairs), j] = pairs[:, 1]
        deltas[:, cell] = np.tile(pairs[:, 0], len(nearest))
    deltas = deltas[deltas[:, cell] != 0]
    return deltas[np.argsort(np.abs(deltas @ w), kind="stable")]


@cache
def _steps(cells: int) -> np.ndarray:
    """Every combination of TRADE_STEPS over ``cells`` cells (read-only: shared by every
    family with that many cells; building it cost more than the trades it checks)."""
    steps = np.array(list(itertools.product(TRADE_STEPS, repeat=cells)), dtype=np.int64)
    steps.flags.writeable = False
    return steps


def _trades(family: Family, r: int, deltas: np.ndarray):
    """Batches of ``deltas`` (_cell_deltas) of row r's per-cell sums that keep every sum on
    its scale, in their order, each with the row that takes the opposite change or None. A
    single-choice question's answers move to another of its items within each cell (a
    distribution's must: its items split the cell), or, where answers may be missing, also
    in or out of the row alone."""
    bottom, top = family.rows[r].scale
    sums = family.x[r] + deltas
    on_scale = ((sums >= bottom * family.m) & (sums <= top * family.m)).all(axis=1)
    question = next(((ms, exact) for ms, exact in family.exclusive if r in ms), None)
    if question is None:
        yield deltas[on_scale], None
        return
    members, exact = question
    if not exact:
        answered = family.x[members].sum(axis=0) + deltas
        yield deltas[on_scale & (answered <= family.m).all(axis=1)], None
    for partner in members:
        if partner != r:
            rest = family.x[partner] - deltas
            keep = on_scale & ((rest >= 0) & (rest <= family.m)).all(axis=1)
            yield deltas[keep], partner


def _carried_answers(family: Family, source: int, target: int) -> list[np.ndarray]:
    """The truth's sums with one respondent moved from ``source`` to ``target``: per row the
    value it carries is the one its source cell can give that keeps the row's estimate
    nearest; for a single-choice question, one sum per answer the respondent may carry (an
    item its source cell holds, or none where answers may be missing)."""
    w = family.cells.weight
    big_w = float((w * family.m).sum())
    x = family.x.copy()
    questions = family.exclusive
    asked = {r for members, _ in questions for r in members}
    for r, row in enumerate(family.rows):
        if r in asked:
            continue
        bottom, top = row.scale
        options = [v for v in range(bottom, top + 1) if _value_available(family, r, source, v)]
        if not options:
            return []
        shift = _shift(family, r, source, target, big_w)
        value = min(options, key=lambda v: abs(shift(v)))
        x[r, source] -= value
        x[r, target] += value
    candidates = [x]
    for members, exact in questions:
        carried: list[int | None] = [i for i in members if family.x[i, source] > 0]
        if not exact and family.x[members, source].sum() < family.m[source]:
            carried.append(None)
        expanded = []
        for base in candidates:
            for item in carried:
                y = base.copy()
                if item is not None:
                    y[item, source] -= 1
                    y[item, target] += 1
                expanded.append(y)
        candidates = expanded
    return candidates


def _value_available(family: Family, r: int, cell: int, value: int) -> bool:
    """Whether the cell's respondents of the row can give up one with ``value``, so that the
    rest still lie on the scale."""
    bottom, top = family.rows[r].scale
    m, x = int(family.m[cell]) - 1, int(family.x[r, cell]) - value
    return m >= 0 and bottom * m <= x <= top * m


def _shift(family: Family, r: int, source: int, target: int, big_w: float):
    """How far row r's estimate moves when a respondent carries a value from ``source`` to
    ``target``, as a function of the value."""
    w = family.cells.weight
    weighted = float((w * family.x[r]).sum())
    p = weighted / big_w
    w_new = big_w + w[target] - w[source]
    return lambda value: (weighted + value * (w[target] - w[source])) / w_new - p


def _within(family: Family, m: np.ndarray, x: np.ndarray) -> bool:
    if (m < 0).any() or (m > family.cells.respondents).any():
        return False
    bottom, top = family.scales
    return not ((x < bottom * m).any() or (x > top * m).any())


def _searched_certificates(family: Family, cells: list[int]) -> set[int]:
    """Cells certified by the nearest consistent splits the integer program finds that
    differ from the truth in one of ``cells``."""
    program = Program(family)
    truth = program.vector(Split(m=family.m, x=family.x))
    certified: set[int] = set()
    remaining = list(cells)
    avoid: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(SEARCH_ROUNDS):
        if not remaining:
            break
        variables = np.array(
            [c for c in remaining]
            + [program.x_index(r, c) for r in range(len(family.rows)) for c in remaining]
        )
        split = program.solve([(truth, variables), *avoid], near=truth, node_limit=SEARCH_NODES)
        if split is None:
            break
        if agrees(family, split):
            moved = changed_cells(family, split) & set(remaining)
            certified |= moved
            remaining = [c for c in remaining if c not in moved]
        else:
            avoid.append((program.vector(split), np.arange(program.size)))
    return certified
