"""Balanced assignment of answers, so a sample hits its targets without a lucky seed.

Each answer is drawn in two steps. First every eligible respondent gets a probability
from a logistic score (covariate effects such as sector, municipality size or employees)
shifted per calibration group so that the *weighted* share of the group equals its
target. Then the answers are assigned by systematic sampling along the respondents
sorted by strata: any run of that order gets within one answer of its expected count,
so the weighted estimates of the strata land on target, while who answers what inside
a stratum stays random and follows the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

Share = float | Mapping[int, float]


class Balancer:
    """Draws answers for one chunk of respondents.

    ``weights`` are the post-stratification weights of the chunk; ``strata`` are integer
    keys, coarse to fine, that the respondents are sorted by for the systematic draw.
    Any run of that order (a stratum, a stratum within a stratum, ...) gets within one
    answer of its expected count. Put the groups estimates are published for first,
    and end with the weighting cells ranked by weight: inside a run the rounding errors
    of consecutive cells then cancel, so the *weighted* error stays within about one
    respondent's weight instead of growing with the number of cells.
    """

    def __init__(self, rng: np.random.Generator, weights: np.ndarray, strata: Sequence[np.ndarray]):
        self.rng = rng
        self.weights = weights
        # one key ranking the strata lexicographically, so each draw sorts on few keys
        self.stratum = np.unique(np.column_stack(strata), axis=0, return_inverse=True)[1].ravel()

    def flag(
        self,
        eligible: np.ndarray,
        share: Share,
        *,
        score: np.ndarray | None = None,
        groups: np.ndarray | None = None,
        base: np.ndarray | None = None,
    ) -> np.ndarray:
        """Boolean answers for the eligible respondents, False elsewhere.

        ``share`` is the weighted share to hit: one number, or one per calibration group
        (``groups`` gives each respondent's group). With ``base`` the share is of the base
        respondents' weight (e.g. a share of everyone, drawn among innovators only).
        """
        n = len(eligible)
        out = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(eligible)
        if idx.size == 0:
            return out
        group_of = np.zeros(n, dtype=np.int64) if groups is None else groups
        codes, g = np.unique(group_of[idx], return_inverse=True)
        target = _targets(share, codes)
        w = self.weights[idx]
        if base is not None:
            bidx = np.flatnonzero(base)
            bpos = np.searchsorted(codes, group_of[bidx])
            known = (bpos < len(codes)) & (
                codes[np.minimum(bpos, len(codes) - 1)] == group_of[bidx]
            )
            base_w = np.bincount(bpos[known], self.weights[bidx][known], minlength=len(codes))
            target = target * base_w / np.bincount(g, w, minlength=len(codes))
        s = np.zeros(idx.size) if score is None else score[idx]
        # A tiny sample may lack the eligible weight for a share of the base: give it all.
        p = _calibrate(s, w, g, np.clip(target, 0.0, 1.0))
        out[idx] = self._systematic(p, idx, g)
        return out

    def choice(
        self,
        eligible: np.ndarray,
        shares: Mapping[int, Share],
        *,
        scores: Mapping[int, np.ndarray] | None = None,
        groups: np.ndarray | None = None,
    ) -> np.ndarray:
        """One code per eligible respondent (NaN elsewhere), with the given weighted shares.

        Codes are drawn in the order given, each among those not yet assigned, with its
        share turned into a share of the remaining weight; the last code takes the rest.
        """
        n = len(eligible)
        out = np.full(n, np.nan)
        remaining = eligible.copy()
        codes = list(shares)
        for code in codes[:-1]:
            # share of the whole eligible set, drawn among those still unassigned
            picked = self.flag(
                remaining,
                shares[code],
                score=None if scores is None else scores.get(code),
                groups=groups,
                base=eligible,
            )
            out[picked] = code
            remaining &= ~picked
        out[remaining] = codes[-1]
        return out

    def _systematic(self, p: np.ndarray, idx: np.ndarray, g: np.ndarray) -> np.ndarray:
        order = np.lexsort((self.rng.random(idx.size), g, self.stratum[idx]))
        cum = np.cumsum(p[order])
        start = self.rng.random()
        hits = np.floor(cum + start) - np.floor(np.concatenate(([0.0], cum[:-1])) + start)
        picked = np.zeros(idx.size, dtype=bool)
        picked[order] = hits > 0.5
        return picked


def _targets(share: Share, codes: np.ndarray) -> np.ndarray:
    if isinstance(share, Mapping):
        missing = [int(c) for c in codes if int(c) not in share]
        if missing:
            raise KeyError(f"no target share for groups {missing}")
        return np.array([share[int(c)] for c in codes], dtype=float)
    return np.full(len(codes), float(share))


def _calibrate(score: np.ndarray, w: np.ndarray, g: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Probabilities expit(score + shift[g]) whose weighted mean per group is its target."""
    k = len(target)
    total = np.bincount(g, w, minlength=k)
    shift = np.zeros(k)
    for _ in range(60):
        p = _expit(score + shift[g])
        mean = np.bincount(g, w * p, minlength=k) / total
        gap = target - mean
        if np.all(np.abs(gap) < 1e-12):
            break
        slope = np.bincount(g, w * p * (1 - p), minlength=k) / total
        shift += np.clip(gap / np.maximum(slope, 1e-12), -4.0, 4.0)
    p = _expit(score + shift[g])
    # Groups asked for none or all need exact 0/1, which no finite shift gives.
    p[target[g] <= 0] = 0.0
    p[target[g] >= 1] = 1.0
    return p


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))
