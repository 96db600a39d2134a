"""The answers of one chunk of respondents, in canonical variables.

Codes are float arrays with NaN for "empty" (not routed, or item non-response). Routing
follows the questionnaire: every draw is made among the respondents routed to the
question who did not skip it, which is exactly the denominator the marts use, so the
profile's targets are what the marts estimate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipelines.survey import questionnaire as q
from pipelines.survey.codebook import Codebook
from sample import profiles as pr
from sample.balance import Balancer
from sample.placement import Background

TYPE_ORDER = ("prosess", "tjeneste", "produkt", "kommunikasjon")
FACTOR_ITEMS = tuple(item for item, _ in q.FACTORS.values())


def draw(
    profile: pr.Profile, book: Codebook, bg: Background, bal: Balancer, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    n = len(bg)
    everyone = np.ones(n, dtype=bool)

    def answered(routed: np.ndarray, blank: str) -> np.ndarray:
        return routed & (rng.random(n) >= pr.BLANK[blank])

    out: dict[str, np.ndarray] = {}
    type_effect = np.array([profile.innovative_by_type.get(t, 0.0) for t in range(100)])
    innovator = bal.flag(
        everyone,
        profile.innovative,
        groups=bg.sektor,
        score=np.take(pr.INNOVATIVE_BY_EMPLOYEES, bg.ansatte - 1)
        + np.take(pr.INNOVATIVE_BY_SIZE, bg.size)
        + type_effect[bg.virksomhetstype],
    )
    introduced = {}
    for item in TYPE_ORDER:
        introduced[item] = bal.flag(innovator, profile.innovation_types[item], base=everyone)
    # An innovator introduced something: one with no type drawn gets a new service.
    nothing = innovator & ~np.any(list(introduced.values()), axis=0)
    introduced["tjeneste"] |= nothing
    for item in q.INNOVATION_TYPES:
        out[f"innov_{item}"] = _yes_no(rng, introduced[item], everyone, pr.DONT_KNOW_YES_NO)

    non_innovator = ~innovator
    out["utvikling"] = bal.choice(answered(non_innovator, "utvikling"), profile.utvikling)
    if book.asked("storste_hemmer"):
        developing = non_innovator & (out["utvikling"] == 1)
        out["storste_hemmer"] = bal.choice(
            answered(developing, "storste_hemmer"), profile.storste_hemmer
        )

    out |= _newest(profile, bal, rng, answered(innovator, "nyeste"), introduced)
    out["kjerne"] = bal.choice(answered(innovator, "kjerne"), profile.kjerne)
    core = np.isin(out["kjerne"], (1, 2))
    out["nyhet"] = bal.choice(answered(core, "nyhet"), profile.nyhet)

    for item in FACTOR_ITEMS:
        if book.asked(f"f_{item}"):
            out[f"f_{item}"] = _factor(profile, bg, bal, item, answered(innovator, "factor"))

    if book.asked("mislykket"):
        out |= _failures(profile, bg, bal, rng, innovator, answered)
    if book.asked("kultur_ideer"):
        climate = rng.normal(size=n) + pr.CULTURE_INNOVATOR_SHIFT * innovator
        for item, share in profile.kultur.items():
            routed = answered(everyone, "kultur")
            agree = bal.flag(routed, share, score=pr.CULTURE_LOADING * climate)
            full = pr.CULTURE_FULLY_AGREE[item]
            codes = bal.choice(agree, {1: full, 2: 1 - full})
            rest = routed & ~agree
            out[f"kultur_{item}"] = np.where(agree, codes, bal.choice(rest, pr.CULTURE_DISAGREE))
    if book.asked("reform_trykk"):
        out["reform_trykk"] = bal.choice(answered(bg.merging, "reform_trykk"), profile.reform_trykk)
    return out


def _yes_no(
    rng: np.random.Generator, yes: np.ndarray, routed: np.ndarray, dont_know: float
) -> np.ndarray:
    """1 where yes, else 2 with a few 9 (Vet ikke), among the routed; NaN elsewhere."""
    no = np.where(rng.random(len(yes)) < dont_know, 9.0, 2.0)
    return np.where(routed, np.where(yes, 1.0, no), np.nan)


def _newest(
    profile: pr.Profile,
    bal: Balancer,
    rng: np.random.Generator,
    routed: np.ndarray,
    introduced: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """nyeste_*: the type(s) of the newest innovation, among the types introduced."""
    items = list(q.INNOVATION_TYPES)
    has = np.column_stack([introduced[item] for item in items])
    n_types = has.sum(axis=1)
    multi = bal.flag(routed, profile.multi_type, score=np.where(n_types >= 2, 0.0, -np.inf))
    three = multi & (n_types >= 3) & (rng.random(len(routed)) < pr.MULTI_TYPE_THREE)
    how_many = np.where(multi, np.where(three, 3, 2), 1)
    # Pick that many of the introduced types at random.
    keys = np.where(has, rng.random(has.shape), -1.0)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    chosen = rank < how_many[:, None]
    return {
        f"nyeste_{item}": np.where(routed, chosen[:, i].astype(float), np.nan)
        for i, item in enumerate(items)
    }


def _factor(
    profile: pr.Profile, bg: Background, bal: Balancer, item: str, routed: np.ndarray
) -> np.ndarray:
    promoted_share, inhibited_share = profile.factors[item]
    if item == "okonomi":
        # Calibrated per sector x economy group, so economy groups end up alike while
        # size and employees still drive who feels the limits.
        groups = bg.sektor * 10 + bg.economy
        inhibited = bal.flag(
            routed,
            {int(g): profile.okonomi_inhibited[int(g) // 10] for g in np.unique(groups)},
            groups=groups,
            score=np.take(profile.okonomi_by_size, bg.size)
            + np.take(profile.okonomi_by_employees, bg.ansatte - 1),
        )
        promoted = bal.flag(routed & ~inhibited, promoted_share, base=routed)
    else:
        promoted = bal.flag(routed, promoted_share)
        inhibited = bal.flag(routed & ~promoted, inhibited_share, base=routed)
    much = pr.FACTOR_STRONG_PROMOTED
    codes = bal.choice(promoted, {6: much, 5: 1 - much})
    much = pr.FACTOR_STRONG_INHIBITED
    codes = np.where(inhibited, bal.choice(inhibited, {1: much, 2: 1 - much}), codes)
    rest = routed & ~promoted & ~inhibited
    return np.where(rest, bal.choice(rest, pr.FACTOR_OTHER), codes)


def _failures(
    profile: pr.Profile,
    bg: Background,
    bal: Balancer,
    rng: np.random.Generator,
    innovator: np.ndarray,
    answered: Callable[[np.ndarray, str], np.ndarray],
) -> dict[str, np.ndarray]:
    n = len(bg)
    asked = answered(np.ones(n, dtype=bool), "mislykket")
    failed = bal.flag(
        asked, profile.mislykket, groups=bg.sektor, score=pr.INNOVATOR_FAILS_MORE * innovator
    )
    out = {"mislykket": _yes_no(rng, failed, asked, pr.DONT_KNOW_MISLYKKET)}
    by_code: dict[int, dict[int, float]] = {}
    for sector, shares in profile.mislykket_type.items():
        for code, share in shares.items():
            by_code.setdefault(code, {})[sector] = share
    out["mislykket_type"] = bal.choice(
        answered(failed, "mislykket_type"), by_code, groups=bg.sektor
    )
    reasons = answered(failed, "arsak")
    for item, share in profile.arsak.items():
        out[f"arsak_{item}"] = np.where(reasons, bal.flag(reasons, share).astype(float), np.nan)
    return out
