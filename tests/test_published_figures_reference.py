"""Every published KS statement holds on the committed 2018 and 2020 sample deliveries,
estimated with the independent reference estimator; and the estimator itself agrees
with figures worked out by hand."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import reference_estimator as ref
import sample_deliveries as sd

FIGURES = pd.read_csv(
    Path(__file__).parent / "data" / "published-figures.csv", dtype=str, keep_default_na=False
)


@cache
def marts(wave: int) -> dict[str, pd.DataFrame]:
    data, frame = sd.load_wave(wave)
    return ref.estimate_marts(data, frame, sd.REFERENCE_DIR, wave)


def estimates(figure) -> pd.DataFrame:
    """Rows of the figure's measure and breakdown, indexed by (item, group_code)."""
    mart = marts(int(figure.wave))[figure.mart]
    rows = mart[(mart["measure"] == figure.measure) & (mart["breakdown"] == figure.breakdown)]
    assert not rows["suppressed"].any()
    return rows.set_index(["item", "group_code"])["estimate"]


def holds(figure) -> tuple[bool, str]:
    """Whether the statement holds (kinds as defined in shared/README.md), and the figures."""
    est = estimates(figure)
    items, groups = figure.item.split("|"), figure.group_code.split("|")
    target = float(figure.target) if figure.target else math.nan
    tolerance = float(figure.tolerance) if figure.tolerance else math.nan
    kind = figure.kind
    if kind == "value":
        value = est[(items[0], groups[0])]
        return abs(value - target) <= tolerance, f"{value:.4f}"
    if kind == "sum":
        value = sum(est[(item, groups[0])] for item in items)
        return abs(value - target) <= tolerance, f"{value:.4f}"
    if kind == "close":
        a, b = (est[(item, groups[0])] for item in items)
        return abs(a - b) <= target, f"{a:.4f} {b:.4f}"
    if kind in ("top", "next_after_top", "bottom"):
        ranked = est.xs(groups[0], level="group_code").sort_values(ascending=False)
        order = list(ranked.index)
        place = {
            "top": order[: len(items)],
            "next_after_top": order[2 : 2 + len(items)],
            "bottom": order[-1:],
        }
        return set(place[kind]) == set(items), ranked.round(4).to_dict().__repr__()
    if kind in ("max_group", "min_group"):
        by_group = est.xs(items[0], level="item").drop("county", errors="ignore")
        extreme = by_group.idxmax() if kind == "max_group" else by_group.idxmin()
        return extreme == groups[0], by_group.round(4).to_dict().__repr__()
    if kind == "first_gt_last":
        first, last = est[(items[0], groups[0])], est[(items[0], groups[-1])]
        return first > last, f"{first:.4f} > {last:.4f}"
    if kind == "increasing":
        values = [est[(item, groups[0])] for item in items]
        return all(a < b for a, b in zip(values, values[1:], strict=False)), repr(values)
    if kind == "range_below":
        values = [est[(items[0], group)] for group in groups]
        return max(values) - min(values) < target, repr(values)
    raise ValueError(f"{figure.id}: unknown kind {kind!r}")


@pytest.mark.parametrize("figure", list(FIGURES.itertuples(index=False)), ids=list(FIGURES["id"]))
def test_published_figure_holds_on_the_sample_delivery(figure):
    ok, shown = holds(figure)
    assert ok, f"{figure.id} {figure.kind} target {figure.target}±{figure.tolerance}: {shown}"


def test_the_figures_cover_both_waves_and_every_kind():
    assert set(FIGURES["wave"]) == {"2018", "2020"}
    assert set(FIGURES["kind"]) == {
        "value", "sum", "close", "top", "next_after_top", "bottom",
        "max_group", "min_group", "first_gt_last", "increasing", "range_below",
    }  # fmt: skip


@pytest.mark.parametrize("wave", [2018, 2020, 2024])
def test_weighting_moves_the_headline_by_a_few_points(wave):
    data, _ = sd.load_wave(wave)
    unweighted = data[[f"innov_{t}" for t in ref.INNOVATION_TYPES]].eq(1).any(axis=1).mean()
    innovation = marts(wave)["innovation"]
    weighted = innovation.query("measure == 'innovative' and breakdown == 'total'")[
        "estimate"
    ].item()
    assert 0.015 <= unweighted - weighted <= 0.05


def test_marts_have_the_rows_the_spec_prescribes():
    m2018, m2020 = marts(2018), marts(2020)
    assert (
        m2018["failures"].empty and m2018["culture_index"].empty and m2018["reform_pressure"].empty
    )
    assert set(m2018["factors"]["item"]) == set(ref.FACTORS[:8])  # 2018 asked factors 1-8
    assert "biggest_inhibitor" not in set(m2018["factors"]["measure"])
    for table in m2020.values():
        assert not table.duplicated(["wave", "measure", "item", "breakdown", "group_code"]).any()
    assert "innovation_status" not in set(m2020["innovation"]["breakdown"])
    assert "innovation_status" not in set(m2020["factors"]["breakdown"])
    assert "innovation_status" in set(m2020["failures"]["breakdown"])
    assert set(m2020["culture_index"].query("measure == 'innovative_by_index'")["breakdown"]) == {
        "total"
    }
    assert "merger" in set(m2020["culture_index"]["breakdown"])
    assert "merger" not in set(marts(2024)["culture_index"]["breakdown"])
    # every listed item in every group with a denominator, zero or not
    novelty = m2020["innovation"].query("measure == 'novelty'")
    assert (novelty.groupby(["breakdown", "group_code"]).size() == 3).all()


# --- the estimator against hand-worked figures ----------------------------------------


def tiny_wave() -> tuple[pd.DataFrame, pd.DataFrame]:
    """20 respondents in two sectors of a 2020-style wave, all in Oslo (kommune level)."""
    innovator = [1] * 6 + [2] * 4 + [1] * 9 + [2]
    data = pd.DataFrame(
        {
            "resp_id": [str(i) for i in range(20)],
            "kommunenr": "0301",
            "forvaltningsniva": 1.0,
            "sektor": [1.0] * 10 + [2.0] * 10,
            "ansatte": 3.0,
            "innov_tjeneste": [float(v) for v in innovator],
            "innov_produkt": 2.0,
            "utvikling": [np.nan] * 6 + [1.0, 1.0, 2.0, np.nan] + [np.nan] * 9 + [9.0],
            "f_okonomi": [1.0, 2.0, 5.0, 6.0, 4.0, np.nan] + [np.nan] * 4 + [6.0] * 9 + [np.nan],
        }
    )
    frame = pd.DataFrame({"sektor": [1, 2], "n_population": [100, 300]})
    return data, frame


def wilson(p: float, n_eff: float) -> tuple[float, float]:
    z = 1.959964
    centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2)) / (1 + z**2 / n_eff)
    return centre - half, centre + half


def row(table: pd.DataFrame, measure: str, item: str, breakdown: str, group: str) -> pd.Series:
    (found,) = table.query(
        "measure == @measure and item == @item and breakdown == @breakdown and group_code == @group"
    ).itertuples(index=False)
    return pd.Series(found._asdict())


def test_estimator_matches_hand_worked_figures():
    data, frame = tiny_wave()
    out = ref.estimate_marts(data, frame, sd.REFERENCE_DIR, 2020, min_cell_size=5)
    innovation, factors = out["innovation"], out["factors"]
    # w = 100/10 in sector 1, 300/10 in sector 2; 6 and 9 innovators
    total = row(innovation, "innovative", "", "total", "all")
    p, n_eff = (6 * 10 + 9 * 30) / 400, 400**2 / (10 * 10**2 + 10 * 30**2)
    assert total["n"] == 20 and total["estimate"] == pytest.approx(p, abs=1e-12)
    assert (total["ci_lower"], total["ci_upper"]) == pytest.approx(wilson(p, n_eff), abs=1e-12)
    sector = row(innovation, "innovative", "", "sector", "1")
    assert sector["estimate"] == pytest.approx(0.6) and (
        sector["ci_lower"],
        sector["ci_upper"],
    ) == pytest.approx(wilson(0.6, 10), abs=1e-12)
    # non-innovators who answered utvikling: 3 in sector 1, 1 in sector 2: below 5, suppressed
    developing = row(innovation, "development_underway", "", "total", "all")
    assert developing["n"] == 4 and developing["suppressed"]
    assert developing[["estimate", "ci_lower", "ci_upper"]].isna().all()
    lenient = ref.estimate_marts(data, frame, sd.REFERENCE_DIR, 2020, min_cell_size=1)["innovation"]
    assert row(lenient, "development_underway", "", "total", "all")["estimate"] == pytest.approx(
        20 / 60
    )
    # f_okonomi of innovators who answered: sector 1 codes 1 2 5 6 4 (w 10), nine 6s (w 30)
    inhibited = row(factors, "inhibited", "okonomi", "total", "all")
    assert inhibited["n"] == 14 and inhibited["estimate"] == pytest.approx(20 / 320)
    promoted = row(factors, "promoted", "okonomi", "sector", "2")
    assert promoted["estimate"] == 1.0 and promoted["ci_upper"] == pytest.approx(1.0)
    mean = row(factors, "mean_score", "okonomi", "total", "all")
    values = np.array([1, 2, 5, 6, 4] + [6] * 9, dtype=float)
    w = np.array([10] * 5 + [30] * 9, dtype=float)
    m = (w * values).sum() / w.sum()
    half = 1.959964 * math.sqrt(
        (w * (values - m) ** 2).sum() / w.sum() / (w.sum() ** 2 / (w**2).sum())
    )
    assert mean["estimate"] == pytest.approx(m, abs=1e-12)
    assert (mean["ci_lower"], mean["ci_upper"]) == pytest.approx((m - half, m + half), abs=1e-12)
    # suppression below the minimum cell size: sector 1 has 5 such innovators
    assert row(factors, "mean_score", "okonomi", "sector", "1")["suppressed"] == False  # noqa: E712
    strict = ref.estimate_marts(data, frame, sd.REFERENCE_DIR, 2020, min_cell_size=6)["factors"]
    hidden = row(strict, "mean_score", "okonomi", "sector", "1")
    assert hidden["suppressed"] and pd.isna(hidden["estimate"]) and pd.isna(hidden["ci_lower"])
    # a respondent who answered no innov_* item is no innovator and no non-innovator
    unanswered = data.iloc[[9]].assign(resp_id="20", innov_tjeneste=np.nan, innov_produkt=np.nan)
    grown = ref.estimate_marts(pd.concat([data, unanswered]), frame, sd.REFERENCE_DIR, 2020)
    assert row(grown["innovation"], "innovative", "", "total", "all")["n"] == 20
    # groups with no respondents have no row; items not asked produce none
    assert set(innovation.query("breakdown == 'government_level'")["group_code"]) == {"1"}
    assert "failures" in out and out["failures"].empty and out["reform_pressure"].empty
