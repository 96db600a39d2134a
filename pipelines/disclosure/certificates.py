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
from functools import cache, lru_cache

import numpy as np

from pipelines.disclosure.families import Family
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
    windows = _estimate_windows(family)  # the family's, whichever cell is tried
    for cell in sorted(small):
        if cell not in small:
            continue  # certified already, by a move that touched it
        split = certificate(family, cell, windows)
        if split is not None:
            small -= changed_cells(family, split)
        elif not search:
            break  # the family is flagged already
    if small and search:
        small -= _searched_certificates(family, sorted(small))
    return sorted(small)


def certificate(family: Family, cell: int, windows: Windows | None = None) -> Split | None:
    """A split one small move from the truth that changes ``cell`` and reproduces every
    number the family publishes: answers traded with other cells, or a respondent moved
    (with the answers that keep the estimates nearest). None where no such move does.
    ``windows``: the family's _estimate_windows, where the caller has them."""
    deltas, moves = _cell_deltas(family, cell)
    windows = _estimate_windows(family) if windows is None else windows
    reach = _reach(moves, windows)
    for r in range(len(family.rows)):
        if reach[r]:
            x = _first_agreeing_trade(family, r, deltas[: reach[r]], moves[: reach[r]], windows)
            if x is not None:
                return Split(m=family.m, x=x)
    return _first_agreeing_move(family, *_respondent_moves(family, cell))


def changed_cells(family: Family, split: Split) -> set[int]:
    """The cells whose count or answers differ between ``split`` and the truth."""
    changed = (split.m != family.m) | (split.x != family.x).any(axis=0)
    return set(np.flatnonzero(changed).tolist())


def _first_agreeing_trade(
    family: Family, r: int, deltas: np.ndarray, moves: np.ndarray, windows: Windows
) -> np.ndarray | None:
    """The truth's sums with row r's answers traded (``_trades`` of ``deltas``, which move
    its weighted sum by ``moves``) in the first way that keeps every published number of
    the rows it touches, checked a batch at once."""
    for batch, partner in _trades(family, r, deltas, moves, windows):
        for trades in _nearest_first(batch):
            ok = np.ones(len(trades), dtype=bool)
            touched = [(r, family.x[r] + trades)]
            if partner is not None:
                touched.append((partner, family.x[partner] - trades))
            for row, sums in touched:
                ok = family.rows[row].published.narrow(
                    ok, family.cells, family.m, sums, _squares(family, row)
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


# Per row of a family, the least and the greatest Σ_c w_c·δ_c that can keep its estimate.
Windows = tuple[np.ndarray, np.ndarray]


def _estimate_windows(family: Family) -> Windows:
    """Per row, the moves Σ_c w_c·δ_c of its weighted sum that can keep its published
    estimate (any, where the estimate is withheld): a trade moves the estimate by Σ w·δ / W,
    and Published._agrees keeps it within its tolerance of the value. Most rows have no
    agreeing trade, and most of a batch lies outside: cut before the trades are checked, it
    is refused without its figures. The windows are _agrees's own, widened by far more than
    floating point can move an estimate: every trade it keeps remains, in its order, and
    Published.narrow decides on them as before (the audit's verdicts are unchanged)."""
    published = [row.published for row in family.rows]
    withheld = np.array([p.values["estimate"] is None for p in published])
    value = np.array([p.values["estimate"] or 0.0 for p in published])
    tolerance = np.array(
        [0.0 if p.values["estimate"] is None else p.tolerance("estimate") for p in published]
    )
    w = family.cells.weight
    big_w = float((w * family.m).sum())
    # |Σ w·x_r + Σ w·δ − value·W| ≤ tolerance·W
    centre = value * big_w - family.x @ w
    half = (tolerance + 1e-10) * big_w
    return np.where(withheld, -np.inf, centre - half), np.where(withheld, np.inf, centre + half)


def _reach(moves: np.ndarray, windows: Windows) -> np.ndarray:
    """Per row, how many of the trades (``moves``: their Σ w·δ, nearest first) come before
    the first past the farther end of its window: none after them keeps its estimate."""
    return np.searchsorted(np.abs(moves), np.maximum(-windows[0], windows[1]), "right")


def _squares(family: Family, r: int):
    """Row r's Σy² per cell for given counts and sums (search.mean_squares); None for a share,
    whose Σy² is its Σy."""
    if not family.rows[r].mean:
        return None
    return lambda m, x: mean_squares(family, r, m, x)


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


def _first_agreeing_move(family: Family, m: np.ndarray, x: np.ndarray) -> Split | None:
    """The first of the moves (counts ``m`` and sums ``x``, one per leading index) that keeps
    every count and sum on its scale and reproduces every number the family publishes (what
    search.agrees asks of one split), the moves checked at once, row by row."""
    bottom, top = family.scales
    within = ((m >= 0) & (m <= family.cells.respondents)).all(axis=1)
    within &= ((x >= bottom * m[:, None]) & (x <= top * m[:, None])).all(axis=(1, 2))
    m, x = m[within], x[within]
    if not len(m):
        return None
    ok = np.ones(len(m), dtype=bool)
    for r, row in enumerate(family.rows):
        ok = row.published.narrow(ok, family.cells, m, x[:, r], _squares(family, r))
        if not ok.any():
            return None
    first = int(ok.argmax())
    return Split(m=m[first], x=x[first])


def _respondent_moves(family: Family, cell: int) -> tuple[np.ndarray, np.ndarray]:
    """One respondent moved between ``cell`` and another cell, carrying per row the answer
    that keeps the row's estimate nearest to the truth's (the least such value on a tie) —
    and, for a single-choice question, each answer its source cell holds in turn: their
    counts and sums, one move per leading index, every move from one cell to another
    computed at once. A move whose source cell can give some row no value is left out."""
    pairs = [
        (source, target)
        for j in range(len(family.m))
        if j != cell
        for source, target in ((cell, j), (j, cell))
        if family.m[source] > 0
    ]
    sources = np.array([s for s, _ in pairs], dtype=np.int64)
    targets = np.array([t for _, t in pairs], dtype=np.int64)
    moves = np.arange(len(pairs))
    m = np.repeat(family.m[None], len(pairs), axis=0)
    m[moves, sources] -= 1
    m[moves, targets] += 1
    x = np.repeat(family.x[None], len(pairs), axis=0)
    free = _free_rows(family)
    if len(pairs) and len(free):
        value, possible = _carried_values(family, free, sources, targets)
        x[moves[:, None], free, sources[:, None]] -= value
        x[moves[:, None], free, targets[:, None]] += value
        m, x, sources, targets = m[possible], x[possible], sources[possible], targets[possible]
    if not family.exclusive:
        return m, x
    expanded = [
        (m[k], y)
        for k in range(len(m))
        for y in _carried_items(family, x[k], int(sources[k]), int(targets[k]))
    ]
    if not expanded:
        return m[:0], x[:0]
    return np.stack([a for a, _ in expanded]), np.stack([b for _, b in expanded])


def _cell_deltas(family: Family, cell: int) -> tuple[np.ndarray, np.ndarray]:
    """The changes of a row's per-cell sums that touch ``cell``, nearest to the truth's
    weighted sum first (the same for every row of the family), and how each moves it
    (Σ_c w_c·δ_c, growing in size)."""
    return _sorted_deltas(cell, family.cells.weight.tobytes())


# Families of one breakdown mostly draw on the same cells, and so share their trades: kept
# per cell and weights (read-only, as int8: steps of at most 2), a few MB for a wave.
@lru_cache(maxsize=1024)
def _sorted_deltas(cell: int, weights: bytes) -> tuple[np.ndarray, np.ndarray]:
    w = np.frombuffer(weights)
    cells = len(w)
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
    moves = deltas @ w
    order = np.argsort(np.abs(moves), kind="stable")
    deltas, moves = deltas[order].astype(np.int8), moves[order]
    deltas.flags.writeable = moves.flags.writeable = False
    return deltas, moves


@cache
def _steps(cells: int) -> np.ndarray:
    """Every combination of TRADE_STEPS over ``cells`` cells (read-only: shared by every
    family with that many cells; building it cost more than the trades it checks)."""
    steps = np.array(list(itertools.product(TRADE_STEPS, repeat=cells)), dtype=np.int64)
    steps.flags.writeable = False
    return steps


def _trades(family: Family, r: int, deltas: np.ndarray, moves: np.ndarray, windows: Windows):
    """Batches of ``deltas`` (_cell_deltas) of row r's per-cell sums that keep every sum on
    its scale and may keep the estimates (``moves``: their Σ w·δ; _estimate_windows), in
    their order, each with the row that takes the opposite change or None. A single-choice
    question's answers move to another of its items within each cell (a distribution's
    must: its items split the cell), or, where answers may be missing, also in or out of
    the row alone."""
    bottom, top = family.rows[r].scale
    x, m = family.x, family.m
    # x[r] + δ within [bottom·m, top·m], and row r's estimate kept
    kept = _within(deltas, bottom * m - x[r], top * m - x[r])
    low, high = windows
    kept &= (moves >= low[r]) & (moves <= high[r])
    question = next(((ms, exact) for ms, exact in family.exclusive if r in ms), None)
    if question is None:
        yield deltas[kept], None
        return
    members, exact = question
    if not exact:
        # Σ x[members] + δ ≤ m
        yield deltas[kept & _within(deltas, None, m - x[members].sum(axis=0))], None
    for partner in members:
        if partner != r:
            # x[partner] − δ within [0, m], and the partner's estimate kept (it moves by −Σ w·δ)
            on_scale = kept & _within(deltas, x[partner] - m, x[partner])
            kept_too = (moves <= -low[partner]) & (moves >= -high[partner])
            yield deltas[on_scale & kept_too], partner


def _within(deltas: np.ndarray, low: np.ndarray | None, high: np.ndarray) -> np.ndarray:
    """Which of ``deltas`` lie within [low, high] (per cell; ``low`` None: no lower bound)
    in every cell. Only the cells whose bounds cut into the steps of a trade are compared:
    mostly one or none, a cell's sums being far from its bounds, where comparing them all
    was a third of the certificates' time."""
    least, most = min(TRADE_STEPS), max(TRADE_STEPS)
    cut = high < most if low is None else (low > least) | (high < most)
    tight = np.flatnonzero(cut)
    if not tight.size:
        return np.ones(len(deltas), dtype=bool)
    steps = deltas[:, tight]
    within = steps <= high[tight]
    if low is not None:
        within &= steps >= low[tight]
    return within.all(axis=1)


def _free_rows(family: Family) -> np.ndarray:
    """The rows outside single-choice questions."""
    asked = {r for members, _ in family.exclusive for r in members}
    return np.array([r for r in range(len(family.rows)) if r not in asked], dtype=np.int64)


def _carried_values(
    family: Family, free: np.ndarray, sources: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per move (source → target cell) and row of ``free``, the value the respondent carries:
    of those its source cell can give up (the rest, m − 1 values, still on the scale), the
    one that keeps the row's estimate nearest the truth's; and per move whether every row
    has such a value."""
    w = family.cells.weight
    bottom, top = (bound[free, 0] for bound in family.scales)
    rest = (family.m[sources] - 1)[:, None]
    held = family.x[free][:, sources].T
    low = np.maximum(bottom, held - top * rest)
    high = np.minimum(top, held - bottom * rest)
    values = np.arange(low.min(), high.max() + 1)
    big_w = float((w * family.m).sum())
    weighted = np.array([float((w * family.x[r]).sum()) for r in free])
    # the estimate after the move, as (Σ w·x + v·(w_t − w_s)) / (W + w_t − w_s)
    w_new = (big_w + w[targets] - w[sources])[:, None, None]
    step = (w[targets] - w[sources])[:, None, None]
    moved = (weighted[None, :, None] + values * step) / w_new
    shift = np.abs(moved - (weighted / big_w)[None, :, None])
    shift[(values < low[..., None]) | (values > high[..., None])] = np.inf
    return values[shift.argmin(axis=2)], (low <= high).all(axis=1)


def _carried_items(family: Family, x: np.ndarray, source: int, target: int) -> list[np.ndarray]:
    """The sums ``x`` of a move from ``source`` to ``target`` with, for each single-choice
    question, one answer the respondent may carry: an item its source cell holds, or none
    where answers may be missing."""
    candidates = [x]
    for members, exact in family.exclusive:
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
