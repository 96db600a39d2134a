"""Every row of every SQL mart equals an independent pandas implementation of marts.md
(tests/reference_estimator.py, which shares no code with the SQL), to 1e-9: estimate,
interval, design-based standard error, design effect and suppression (primary and
secondary)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.marts.measures import MARTS
from tests.reference_samples import reference_marts

KEY = ["wave", "measure", "item", "breakdown", "group_code"]
VALUES = ["estimate", "ci_lower", "ci_upper", "se", "deff"]


@pytest.fixture(scope="module", params=(2018, 2020, 2024))
def both(request, sample_warehouse):
    wave = request.param
    expected = reference_marts(wave)
    return wave, expected, sample_warehouse


@pytest.mark.parametrize("mart", MARTS)
def test_sql_mart_equals_the_reference(both, mart):
    wave, expected, con = both
    sql = con.execute(
        f"SELECT {', '.join([*KEY, 'n', *VALUES, 'suppression', 'suppressed'])} "
        f"FROM mart_{mart} "
        "WHERE wave = $wave",
        {"wave": wave},
    ).df()
    reference = expected[mart]
    assert len(sql) == len(reference), f"{mart} {wave}: {len(sql)} rows, reference {len(reference)}"
    merged = sql.merge(reference, on=KEY, how="outer", suffixes=("", "_ref"), indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    assert unmatched.empty, unmatched[KEY + ["_merge"]].head(10).to_string()
    assert (merged["n"] == merged["n_ref"]).all()
    assert (merged["suppression"] == merged["suppression_ref"]).all()
    assert (merged["suppressed"] == merged["suppressed_ref"].astype(bool)).all()
    for column in VALUES:
        ours = merged[column].astype(float).to_numpy()
        theirs = merged[f"{column}_ref"].astype(float).to_numpy()
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), column
        worst = np.nanmax(np.abs(ours - theirs), initial=0.0)
        assert worst <= 1e-9, f"{mart} {wave} {column}: differs by {worst}"


def test_the_comparison_covers_every_mart_of_2020(sample_warehouse):
    counts = dict(
        sample_warehouse.execute(
            "SELECT mart, count(*) FROM mart_estimates WHERE wave = 2020 GROUP BY mart"
        ).fetchall()
    )
    assert set(counts) == set(MARTS) and min(counts.values()) > 100


def test_the_samples_exercise_secondary_suppression(sample_warehouse):
    """The 2020 sample hides one region (n = 9) of reform pressure: a second one goes too."""
    rows = sample_warehouse.execute(
        "SELECT DISTINCT measure, breakdown, group_code FROM mart_estimates "
        "WHERE wave = 2020 AND suppression = 'secondary' ORDER BY ALL"
    ).fetchall()
    assert rows == [("pressure", "region", "NO07")]
