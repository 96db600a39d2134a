"""The differences and changes marts (marts.md §6, §7): by hand, as properties, and every row
of the three sample waves against the independent reference (tests/reference_estimator.py)."""

from __future__ import annotations

import math
from itertools import permutations
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import comparisons, transform
from pipelines.estimation.significance import benjamini_hochberg, compare_groups
from pipelines.marts.disclosure_rules import (
    PRECISION_LEVELS,
    PUBLISHED_DECIMALS,
    published_rounding,
)
from pipelines.publish.layout import PublishedVersion
from pipelines.warehouse.sql_runner import run_model
from tests import reference_estimator as ref
from tests import sample_deliveries as sd
from tests.reference_samples import reference_marts
from tests.warehouse_fixtures import respondent, warehouse

# Two sector cells, w = 10 in both; Oslo (NO08) and Stavanger (NO0A) split each of them.
# Sector 1 (N 100, n 10): Oslo 6 (4 innovators), Stavanger 4 (1). Sector 2 (N 60, n 6): Oslo 2
# (2), Stavanger 4 (3).
TWO_CELLS = (
    [respondent(f"S1-{k}", 1, "0301", k < 4) for k in range(6)]
    + [respondent(f"S1-{k}", 1, "1103", k == 6) for k in range(6, 10)]
    + [respondent(f"S2-{k}", 2, "0301", True) for k in range(2)]
    + [respondent(f"S2-{k}", 2, "1103", k < 5) for k in range(2, 6)]
)
TWO_CELLS_FRAME = [
    {"wave": 2020, "sektor": 1, "n_population": 100},
    {"wave": 2020, "sektor": 2, "n_population": 60},
]


@pytest.fixture(scope="module")
def two_cells():
    con = warehouse(TWO_CELLS, TWO_CELLS_FRAME, waves=(2020,))
    transform.build_mart(con, "innovation", 2020, min_cell_size=5)
    settle_precision(con, "innovation", 2020, 5)
    comparisons.build_differences(con, 2020)
    return con


def test_covariance_of_two_groups_by_hand(two_cells):
    # Oslo: W = 80, p = 0.75, S_1 = 10 (4 − 0.75·6)/80 = −0.0625, S_2 = 10 (2 − 1.5)/80 = 0.0625.
    # Stavanger: W = 80, p = 0.5, S_1 = 10 (1 − 2)/80 = −0.125, S_2 = 10 (3 − 2)/80 = 0.125.
    # cov = −[(1 − 0.1)·10/9·(−0.0625)(−0.125)/10 + (1 − 0.1)·6/5·(0.0625)(0.125)/6]
    covariance = {
        (a, b): value
        for _, measure, _, breakdown, a, b, value in run_model(
            two_cells, "estimation/comparisons/group_covariances", wave=2020
        ).fetchall()
        if (measure, breakdown) == ("innovative", "region")
    }
    assert covariance == {("NO08", "NO0A"): pytest.approx(-0.0021875, abs=1e-15)}
    [(statistic, p_value)] = two_cells.execute(
        "SELECT statistic, p_value FROM mart_differences "
        "WHERE measure = 'innovative' AND breakdown = 'region'"
    ).fetchall()
    [(se_oslo,), (se_stavanger,)] = two_cells.execute(
        "SELECT se FROM mart_innovation WHERE measure = 'innovative' AND breakdown = 'region' "
        "ORDER BY group_code"
    ).fetchall()
    variance = se_oslo**2 + se_stavanger**2 + 2 * 0.0021875
    assert statistic == pytest.approx(0.25**2 / variance, abs=1e-12)
    assert p_value == pytest.approx(math.erfc(math.sqrt(statistic / 2)), abs=1e-12)


def test_three_group_wald_by_hand():
    # d = (0.1, 0.3); C V C′ = [[0.03, 0.01], [0.01, 0.05]], det 0.0014, so
    # d′(C V C′)⁻¹d = (0.05·0.01 − 2·0.01·0.03 + 0.03·0.09) / 0.0014 = 0.0026 / 0.0014;
    # with 2 degrees of freedom P(χ² > x) = exp(−x/2).
    tested = compare_groups(
        ["a", "b", "c"], np.array([0.5, 0.6, 0.8]), np.diag([0.01, 0.02, 0.04]), None
    )
    assert tested.statistic == pytest.approx(0.0026 / 0.0014, abs=1e-12)
    assert tested.df == 2
    assert tested.p_value == pytest.approx(math.exp(-0.0026 / 0.0014 / 2), abs=1e-12)
    assert tested.trend_z is None and tested.trend_p is None


def test_trend_by_hand():
    # scores −1, 0, 1: z = (0.8 − 0.5) / √(0.01 + 0.04)
    tested = compare_groups(
        ["a", "b", "c"], np.array([0.5, 0.6, 0.8]), np.diag([0.01, 0.02, 0.04]), ("a", "b", "c")
    )
    assert tested.trend_z == pytest.approx(0.3 / math.sqrt(0.05), abs=1e-12)
    assert tested.trend_p == pytest.approx(math.erfc(tested.trend_z / math.sqrt(2)), abs=1e-12)


def test_the_statistic_does_not_depend_on_which_group_is_first():
    rng = np.random.default_rng(7)
    loading = rng.normal(size=(4, 4))
    covariance = loading @ loading.T / 100  # a full, positive definite covariance
    estimates = np.array([0.2, 0.35, 0.3, 0.6])
    codes = ["a", "b", "c", "d"]
    first = compare_groups(codes, estimates, covariance, None).statistic
    for order in permutations(range(4)):
        index = list(order)
        again = compare_groups(
            [codes[i] for i in index], estimates[index], covariance[np.ix_(index, index)], None
        )
        assert again.statistic == pytest.approx(first, rel=1e-10)


def test_equal_groups_without_variance_have_no_test():
    tested = compare_groups(["a", "b"], np.array([0.5, 0.5]), np.zeros((2, 2)), ("a", "b"))
    assert tested.statistic is None and tested.p_value is None and tested.trend_z is None


# --- the sample waves against the reference --------------------------------------------------

KEY = ["wave", "mart", "measure", "item", "breakdown"]
TESTS = ["statistic", "p_value", "q_value", "trend_z", "trend_p"]


def close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    ours, theirs = ours.astype(float), theirs.astype(float)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), what
    worst = np.nanmax(np.abs(ours - theirs), initial=0.0)
    assert worst <= 1e-9, f"{what}: differs by {worst}"


@pytest.mark.parametrize("wave", sd.SAMPLES)
def test_differences_equal_the_reference(sample_warehouse, wave):
    expected = reference_marts(wave)["differences"]
    ours = sample_warehouse.execute(
        "SELECT * EXCLUDE (item_label) FROM mart_differences WHERE wave = $wave", {"wave": wave}
    ).df()
    merged = ours.merge(expected, on=KEY, how="outer", suffixes=("", "_ref"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][KEY].head()
    assert len(ours) > 200
    assert (merged["groups"] == merged["groups_ref"]).all()
    assert (merged["df"] == merged["groups"] - 1).all()
    assert (merged["groups_left_out"] == merged["groups_left_out_ref"]).all()
    for column in TESTS:
        close(merged[column].to_numpy(), merged[f"{column}_ref"].to_numpy(), f"{wave} {column}")


def test_a_suppressed_group_takes_no_part(sample_warehouse):
    """2020 reform pressure by region: Innlandet (primary) and Nord-Norge (secondary) are left
    out, and the test is of the four published regions."""
    rows = sample_warehouse.execute(
        "SELECT item, groups, groups_left_out FROM mart_differences "
        "WHERE wave = 2020 AND measure = 'pressure' AND breakdown = 'region' ORDER BY item"
    ).fetchall()
    assert rows == [(item, 4, "NO02,NO07") for item in ("dont_know", "less", "more", "same")]


CHANGE_KEY = ["wave_from", "wave_to", "mart", "measure", "item", "breakdown", "group_code"]
CHANGE_NUMBERS = ["estimate_from", "estimate_to", "difference", "se", "ci_lower", "ci_upper",
                  "p_value"]  # fmt: skip


@pytest.fixture(scope="module")
def published_changes(published):
    with duckdb.connect(str(published / "barometer.duckdb"), read_only=True) as catalog:
        return catalog.execute("SELECT * FROM changes").df()


def _rounded(column: str, level: int, kind: str) -> str:
    """DuckDB's round of ``column`` as a release publishes it at ``level`` for a row of
    ``kind`` (NULL where the level withholds it)."""
    rounding = published_rounding(column, kind, level)
    if rounding is None:
        return "NULL"
    if rounding.steps is None:
        return f"round({column}, {rounding.decimals})"
    return f"round(round({column} * {rounding.steps}) / {rounding.steps}, {rounding.decimals})"


def as_released(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every number rounded as a release rounds it (marts.md §8: DuckDB's
    round, half away from zero, to the decimals of the column and of the row's measure, at
    the row's ``level``, the coarser one the reconstruction audit set)."""
    numbers = [c for c in frame.columns if c in PUBLISHED_DECIMALS]
    rounded = ", ".join(
        "CASE "
        + " ".join(
            f"WHEN level = {level} AND {kind == 'mean'} = starts_with(measure, 'mean_') "
            f"THEN {_rounded(c, level, kind)}"
            for level in PRECISION_LEVELS
            for kind in ("share", "mean")
        )
        + f" END AS {c}"
        for c in numbers
    )
    with duckdb.connect() as con:
        con.register("frame", frame)
        return con.sql(f"SELECT * EXCLUDE (level) REPLACE ({rounded}) FROM frame").df()


def with_levels(changes: pd.DataFrame, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``changes`` with the coarser of the levels its two waves' groups are published at."""
    levels = con.execute(
        "SELECT mart, wave, measure, breakdown, group_code, level FROM published_precision"
    ).df()
    key = ["mart", "measure", "breakdown", "group_code"]
    for side in ("from", "to"):
        side_levels = levels.rename(columns={"wave": f"wave_{side}", "level": f"level_{side}"})
        changes = changes.merge(side_levels, on=[*key, f"wave_{side}"], how="left")
    levels = changes[["level_from", "level_to"]].fillna(0).max(axis=1).astype(int)
    return changes.drop(columns=["level_from", "level_to"]).assign(level=levels)


def test_changes_equal_the_reference(published_changes, sample_warehouse):
    """The changes into a wave compare its estimates with the earlier waves' released
    versions at full precision (docs/design.md, decision 22), and are rounded last: the
    reference computes them from its own full-precision marts and rounds as the release
    does, at the levels the reconstruction audit set (docs/disclosure.md)."""
    marts = {w: reference_marts(w) for w in sd.SAMPLES}
    changes = pd.concat(
        [ref.changes(marts[a], marts[b]) for a, b in ((2018, 2020), (2018, 2024), (2020, 2024))],
        ignore_index=True,
    )
    expected = as_released(with_levels(changes, sample_warehouse))
    merged = published_changes.merge(
        expected, on=CHANGE_KEY, how="outer", suffixes=("", "_ref"), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert (merged["suppressed"] == merged["suppressed_ref"].astype(bool)).all()
    for column in CHANGE_NUMBERS:
        close(merged[column].to_numpy(), merged[f"{column}_ref"].to_numpy(), column)
    assert set(zip(merged["wave_from"], merged["wave_to"], strict=True)) == {
        (2018, 2020), (2018, 2024), (2020, 2024)
    }  # fmt: skip


def test_no_wave_is_compared_with_itself_and_a_suppressed_side_hides_the_change(
    published_changes, published
):
    assert (published_changes["wave_from"] < published_changes["wave_to"]).all()
    hidden = published_changes[published_changes["suppressed"]]
    assert hidden[CHANGE_NUMBERS].isna().all().all()
    with duckdb.connect(str(published / "barometer.duckdb"), read_only=True) as catalog:
        [(unmarked,)] = catalog.execute(
            "SELECT count(*) FROM changes AS c "
            "JOIN (SELECT 'innovation' AS mart, * FROM innovation UNION ALL "
            "      SELECT 'factors', * FROM factors UNION ALL "
            "      SELECT 'failures', * FROM failures UNION ALL "
            "      SELECT 'culture_index', * FROM culture_index UNION ALL "
            "      SELECT 'reform_pressure', * FROM reform_pressure) AS e "
            "  ON e.wave IN (c.wave_from, c.wave_to) "
            "  AND (e.mart, e.measure, e.item, e.breakdown, e.group_code) "
            "    = (c.mart, c.measure, c.item, c.breakdown, c.group_code) "
            "WHERE e.suppressed AND NOT c.suppressed"
        ).fetchall()
    assert unmarked == 0


def test_a_change_with_a_suppressed_side_carries_no_number(two_cells):
    """The earlier wave hides Stavanger: its change is suppressed, Oslo's is published."""
    two_cells.execute(
        "INSERT INTO release_estimates BY NAME "
        "SELECT 'v0001' AS version, * REPLACE (2018 AS wave, "
        "  CASE WHEN group_code = 'NO0A' THEN NULL ELSE estimate END AS estimate, "
        "  CASE WHEN group_code = 'NO0A' THEN NULL ELSE se END AS se, "
        "  CASE WHEN group_code = 'NO0A' THEN 'primary' ELSE suppression END AS suppression, "
        "  group_code = 'NO0A' OR suppressed AS suppressed) "
        "FROM mart_estimates WHERE mart = 'innovation' AND measure = 'innovative'"
    )
    earlier = PublishedVersion(2018, "v0001", Path("wave=2018/v0001"), "0" * 64)
    comparisons.build_changes(two_cells, 2020, [earlier])
    rows = {
        group: (suppressed, numbers)
        for group, suppressed, *numbers in two_cells.execute(
            f"SELECT group_code, suppressed, {', '.join(CHANGE_NUMBERS)} FROM mart_changes "
            "WHERE breakdown = 'region'"
        ).fetchall()
    }
    assert rows["NO0A"] == (True, [None] * len(CHANGE_NUMBERS))
    suppressed, numbers = rows["NO08"]
    assert not suppressed and numbers[2] == 0.0 and numbers[3] > 0 and numbers[6] == 1.0


def test_benjamini_hochberg_by_hand():
    # m = 4 p-values; sorted 0.01, 0.03, 0.04, 0.2 give 0.04, 0.06, 0.0533…, 0.2, and each
    # q is the smallest of those at its rank or above
    q = benjamini_hochberg([0.01, 0.04, 0.03, None, 0.2])
    assert q[3] is None
    assert q[:3] + q[4:] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2], abs=1e-15)
    p = list(np.random.default_rng(3).uniform(size=500))
    assert all(qi >= pi for qi, pi in zip(benjamini_hochberg(p), p, strict=True))
