"""Design-based standard errors and group covariances (marts.md §2, §7): against values
worked out by hand with exact fractions, and against a maintained survey library (svy, the
successor of samplics), which computes Taylor-linearised variances and covariances of domain
means for a stratified design with finite population correction as R's survey package does."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
import svy

from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import transform
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.warehouse.sql_runner import run_model
from tests.warehouse_fixtures import respondent, warehouse

Z = 1.959964
CULTURE = ("ideer", "laere_av_feil", "gjenbruk", "nye_veier", "pilot_til_drift")


def row(con, measure, item="", breakdown="total", group_code="all"):
    rows = con.execute(
        "SELECT n, estimate, ci_lower, ci_upper, se, deff, suppression FROM mart_estimates "
        "WHERE wave = 2020 AND measure = ? AND item = ? AND breakdown = ? AND group_code = ?",
        [measure, item, breakdown, group_code],
    ).fetchall()
    assert len(rows) == 1, (measure, item, breakdown, group_code, rows)
    return dict(
        zip(("n", "estimate", "lower", "upper", "se", "deff", "suppression"), rows[0], strict=True)
    )


# --- by hand -------------------------------------------------------------------------------
# Sector 1: fully enumerated (N = n = 20, w = 1), 10 innovators. Sector 2: one respondent of a
# population of 50 (w = 50), an innovator. Both in Oslo (NO08). Sector 3: 10 of 100 (w = 10),
# 5 innovators, in Stavanger (NO0A).
HAND = (
    [respondent(f"A{k:02d}", 1, "0301", k < 10) for k in range(20)]
    + [respondent("B01", 2, "0301", True)]
    + [respondent(f"C{k:02d}", 3, "1103", k < 5) for k in range(10)]
)
HAND_FRAME = [
    {"wave": 2020, "sektor": 1, "n_population": 20},
    {"wave": 2020, "sektor": 2, "n_population": 50},
    {"wave": 2020, "sektor": 3, "n_population": 100},
]


@pytest.fixture(scope="module")
def hand():
    con = warehouse(HAND, HAND_FRAME, waves=(2020,))
    transform.build_mart(con, "innovation", 2020)
    settle_precision(con, "innovation", 2020, MIN_CELL_SIZE)
    return con


def test_only_the_sampled_cell_contributes_variance(hand):
    # W = 20 + 50 + 100, p = (10 + 50 + 50) / 170 = 11/17; in sector 3 u = 10 (y − p) / 170 is
    # 6/289 for the 5 innovators and −11/289 for the others, ū = −2.5/289, so
    # Σ(u − ū)² = 10 · 8.5² / 289²; the factor (1 − 10/100) · 10/9 is 1. Sector 1 is fully
    # enumerated (1 − f = 0) and sector 2 has one respondent: both contribute nothing.
    p = Fraction(11, 17)
    v = Fraction(10) * Fraction(17, 2) ** 2 / 289**2
    total = row(hand, "innovative")
    assert total["n"] == 31 and total["estimate"] == pytest.approx(float(p), abs=1e-15)
    assert total["se"] == pytest.approx(math.sqrt(v), abs=1e-15)
    assert total["deff"] == pytest.approx(float(v / (p * (1 - p) / 31)), abs=1e-12)
    n_eff = 31 / total["deff"]
    centre = (float(p) + Z**2 / (2 * n_eff)) / (1 + Z**2 / n_eff)
    half = Z * math.sqrt(float(p * (1 - p)) / n_eff + Z**2 / (4 * n_eff**2)) / (1 + Z**2 / n_eff)
    assert (total["lower"], total["upper"]) == pytest.approx((centre - half, centre + half))


def test_a_domain_in_a_census_cell_and_a_singleton_cell_has_no_sampling_variance(hand):
    oslo = row(hand, "innovative", breakdown="region", group_code="NO08")
    assert oslo["n"] == 21 and oslo["estimate"] == pytest.approx(60 / 70, abs=1e-15)
    assert oslo["se"] == 0 and oslo["deff"] == 0
    assert oslo["lower"] == oslo["upper"] == oslo["estimate"]


def test_a_domain_takes_the_mean_of_u_over_the_whole_cell(hand):
    # Stavanger holds all of sector 3, so its own estimate 1/2 and u = 10 (y − 1/2) / 100 have
    # ū = 0 in the cell: Σu² = 10 · 0.05² and v = 1 · 0.025.
    stavanger = row(hand, "innovative", breakdown="region", group_code="NO0A")
    assert stavanger["se"] == pytest.approx(math.sqrt(0.025), abs=1e-15)
    assert stavanger["deff"] == pytest.approx(0.025 / (0.25 / 10), abs=1e-12)


# --- against the survey library --------------------------------------------------------------
# 150 workplaces in five sector cells with sampling fractions from 3 % to 40 %, one cell fully
# enumerated and one with a single respondent, spread over municipalities of four regions and
# five employee bands; every one answers the culture statements (some leave one empty).
MUNICIPALITIES = ("0301", "1103", "5001", "0402", "1804")
FRAME = {1: 1500, 2: 120, 3: 30, 4: 8, 5: 40}
CELL_SIZES = {1: 60, 2: 48, 3: 30, 4: 1, 5: 11}


def _library_fixture() -> list[dict]:
    rng = np.random.default_rng(20201015)
    out = []
    for sektor, size in CELL_SIZES.items():
        for k in range(size):
            culture = {f"kultur_{s}": int(rng.integers(1, 5)) for s in CULTURE}
            if rng.random() < 0.1:
                culture["kultur_gjenbruk"] = None
            out.append(
                respondent(
                    f"S{sektor}-{k:03d}",
                    sektor,
                    MUNICIPALITIES[int(rng.integers(0, len(MUNICIPALITIES)))],
                    rng.random() < 0.3 + 0.1 * sektor,
                    ansatte=int(rng.integers(1, 6)),
                    **culture,
                )
            )
    return out


LIBRARY = _library_fixture()


@pytest.fixture(scope="module")
def library_case():
    frame = [{"wave": 2020, "sektor": s, "n_population": N} for s, N in FRAME.items()]
    con = warehouse(LIBRARY, frame, waves=(2020,))
    for mart in ("innovation", "culture_index"):
        transform.build_mart(con, mart, 2020, min_cell_size=5)
        settle_precision(con, mart, 2020, 5)
    groups = con.execute(
        "SELECT resp_id, region, employees, sector FROM respondents WHERE wave = 2020"
    ).df()
    data = pl.DataFrame(LIBRARY).select(
        "resp_id", "sektor", "innov_prosess", *(f"kultur_{s}" for s in CULTURE)
    )
    data = data.join(pl.from_pandas(groups), on="resp_id")
    agree = [pl.col(f"kultur_{s}").is_in([1, 2]).cast(pl.Int64) for s in CULTURE]
    data = data.with_columns(
        weight=pl.col("sektor").replace_strict(
            {s: FRAME[s] / CELL_SIZES[s] for s in FRAME}, return_dtype=pl.Float64
        ),
        population=pl.col("sektor").replace_strict(FRAME, return_dtype=pl.Int64),
        innovative=(pl.col("innov_prosess") == 1).cast(pl.Float64),
        has_index=pl.all_horizontal(pl.col(f"kultur_{s}").is_not_null() for s in CULTURE),
        index=pl.sum_horizontal(agree).cast(pl.Float64),
    )
    sample = svy.Sample(
        data, svy.Design(stratum="sektor", wgt="weight", pop_size="population", singleton="skip")
    )
    return con, sample


CASES = [
    ("innovative", "innovative", None, "total", "all"),
    ("innovative", "innovative", None, "sector", "1"),
    ("innovative", "innovative", None, "sector", "3"),
    ("innovative", "innovative", None, "region", "NO08"),
    ("innovative", "innovative", None, "region", "NO06"),
    ("innovative", "innovative", None, "employees", "3"),
    ("mean_index", "index", "has_index", "total", "all"),
    ("mean_index", "index", "has_index", "region", "NO0A"),
    ("mean_index", "index", "has_index", "employees", "1"),
]


@pytest.mark.parametrize(("measure", "y", "denominator", "breakdown", "group"), CASES)
def test_se_equals_the_survey_library(library_case, measure, y, denominator, breakdown, group):
    con, sample = library_case
    domain = (
        svy.col("resp_id").is_not_null() if breakdown == "total" else (svy.col(breakdown) == group)
    )
    where = [domain] if denominator is None else [domain, svy.col(denominator) == True]  # noqa: E712
    expected = sample.estimation.mean(y, where=where).to_polars().row(0, named=True)
    ours = row(con, measure, breakdown=breakdown, group_code=group)
    assert ours["suppression"] == "none" and ours["n"] == expected["n"]
    assert ours["estimate"] == pytest.approx(expected["est"], abs=1e-12)
    assert ours["se"] == pytest.approx(expected["se"], abs=1e-9)


@pytest.mark.parametrize(
    ("measure", "y", "denominator", "breakdown"),
    [
        ("innovative", "innovative", None, "region"),
        ("innovative", "innovative", None, "employees"),
        ("mean_index", "index", "has_index", "region"),
    ],
)
def test_group_covariances_equal_the_survey_library(
    library_case, measure, y, denominator, breakdown
):
    """The covariance matrix of a breakdown's group estimates (svyby(..., covmat = TRUE))."""
    con, sample = library_case
    where = None if denominator is None else svy.col(denominator) == True  # noqa: E712
    expected = sample.estimation.mean(y, by=breakdown, where=where)
    codes = [str(k) for k in expected.keys()]  # noqa: SIM118 (svy's Estimate, not a dict)
    pairs = {
        (a, b): value
        for mart, m, item, b_, a, b, value in run_model(
            con, "estimation/comparisons/group_covariances", wave=2020
        ).fetchall()
        if (m, b_) == (measure, breakdown)
    }
    assert len(pairs) == len(codes) * (len(codes) - 1) // 2
    for i, a in enumerate(codes):
        assert row(con, measure, breakdown=breakdown, group_code=a)["se"] == pytest.approx(
            math.sqrt(expected.covariance[i, i]), abs=1e-9
        )
        for j, b in enumerate(codes):
            if a < b:
                assert pairs[(a, b)] == pytest.approx(expected.covariance[i, j], abs=1e-9)
