"""The reference estimator (tests/reference_estimator.py), the independent implementation of
marts.md that the pipeline's marts are compared with: figures worked out by hand on a tiny
wave, and the rows the spec prescribes on the sample waves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests import reference_estimator as ref
from tests import sample_deliveries as sd
from tests.hand_formulas import stratified_se, wilson
from tests.reference_samples import reference_marts


def test_marts_have_the_rows_the_spec_prescribes():
    m2018, m2020 = reference_marts(2018), reference_marts(2020)
    assert (
        m2018["failures"].empty and m2018["culture_index"].empty and m2018["reform_pressure"].empty
    )
    assert set(m2018["factors"]["item"]) == set(ref.FACTORS[:8])  # 2018 asked factors 1-8
    assert "biggest_inhibitor" not in set(m2018["factors"]["measure"])
    for mart in ref.MARTS:
        key = ["wave", "measure", "item", "breakdown", "group_code"]
        assert not m2020[mart].duplicated(key).any()
    assert "innovation_status" not in set(m2020["innovation"]["breakdown"])
    assert "innovation_status" not in set(m2020["factors"]["breakdown"])
    assert "innovation_status" in set(m2020["failures"]["breakdown"])
    assert set(m2020["culture_index"].query("measure == 'innovative_by_index'")["breakdown"]) == {
        "total"
    }
    assert "merger" in set(m2020["culture_index"]["breakdown"])
    assert "merger" not in set(reference_marts(2024)["culture_index"]["breakdown"])
    # every listed item in every group with a denominator, zero or not
    novelty = m2020["innovation"].query("measure == 'novelty'")
    assert (novelty.groupby(["breakdown", "group_code"]).size() == 3).all()


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


def row(table: pd.DataFrame, measure: str, item: str, breakdown: str, group: str) -> pd.Series:
    (found,) = table.query(
        "measure == @measure and item == @item and breakdown == @breakdown and group_code == @group"
    ).itertuples(index=False)
    return pd.Series(found._asdict())


def test_estimator_matches_hand_worked_figures():
    data, frame = tiny_wave()
    out = ref.estimate_marts(data, frame, sd.REFERENCE_DIR, 2020, min_cell_size=5)
    innovation, factors = out["innovation"], out["factors"]
    # w = 100/10 in sector 1, 300/10 in sector 2; 6 and 9 innovators: p = 330/400 = 0.825.
    # Sector 1: u = 10 (y − p)/400 is 0.004375 or −0.020625, ū = −0.005625, Σ(u − ū)² =
    # 6·0.01² + 4·0.015² = 0.0015, factor (1 − 10/100)·10/9 = 1. Sector 2: u = 30 (y − p)/400,
    # ū = 0.005625, Σ(u − ū)² = 9·0.0075² + 0.0675² = 0.0050625, factor (29/30)·(10/9).
    total = row(innovation, "innovative", "", "total", "all")
    p, v = 0.825, 0.0015 + 0.0050625 * 29 / 27
    assert total["n"] == 20 and total["estimate"] == pytest.approx(p, abs=1e-12)
    assert total["se"] == pytest.approx(math.sqrt(v), abs=1e-12)
    assert total["deff"] == pytest.approx(v / (p * (1 - p) / 20), abs=1e-12)
    n_eff = 20 / total["deff"]
    assert (total["ci_lower"], total["ci_upper"]) == pytest.approx(wilson(p, n_eff), abs=1e-12)
    # sector 1 alone is a simple random sample of 10 in 100, where (1 − f)·n/(n − 1) = 1: deff 1
    sector = row(innovation, "innovative", "", "sector", "1")
    assert sector["deff"] == pytest.approx(1.0, abs=1e-12)
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
    m, se = stratified_se([(100, [1, 2, 5, 6, 4] + [None] * 5), (300, [6] * 9 + [None])])
    half = 1.959964 * se
    assert mean["estimate"] == pytest.approx(m, abs=1e-12)
    assert mean["se"] == pytest.approx(se, abs=1e-12)
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
