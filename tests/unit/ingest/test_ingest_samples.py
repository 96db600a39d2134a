"""The committed sample deliveries (data/raw/<wave>): ingest finds exactly the planted defects.

The sample generator lists what it planted in tests/data/sample_defects/<wave>.json; every
quarantine record, routing warning and extra column must be one of them, and each of
them must be found. The accepted rows must equal an independent reading of the files
(tests/sample_deliveries.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.ingest import discover_waves, ingest_wave
from pipelines.survey import codebook
from pipelines.survey import questionnaire as q
from tests.ingest_fixtures import reference_warehouse
from tests.reference_samples import sample_wave
from tests.sample_deliveries import NOT_QUARANTINE, RAW_DIR, SAMPLES, load_defects

WAVES = sorted(SAMPLES)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    con = reference_warehouse(tmp_path_factory.mktemp("samples") / "warehouse.duckdb")
    reports = {wave: ingest_wave(con, RAW_DIR, wave) for wave in WAVES}
    yield con, reports
    con.close()


def test_the_sample_waves_are_discovered():
    assert discover_waves(RAW_DIR) == WAVES


@pytest.mark.parametrize("wave", WAVES)
def test_quarantine_holds_exactly_the_planted_defects(loaded, wave):
    con, reports = loaded
    defects = load_defects(wave)
    expected = sorted(
        (d["row"], d["resp_id"], d["column"], d["value"], d["rule"])
        for d in defects
        if d["rule"] not in NOT_QUARANTINE
    )
    found = con.execute(
        'SELECT "row", resp_id, "column", value, rule FROM quarantine WHERE wave = $wave '
        "ORDER BY ALL",
        {"wave": wave},
    ).fetchall()
    assert found == expected
    assert reports[wave].rows_read == SAMPLES[wave]
    assert reports[wave].rows_accepted == SAMPLES[wave] - len({d[0] for d in expected})


@pytest.mark.parametrize("wave", WAVES)
def test_routing_warnings_are_exactly_the_planted_ones(loaded, wave):
    con, reports = loaded
    expected = sorted(
        (d["row"], d["resp_id"], d["column"], d["value"])
        for d in load_defects(wave)
        if d["rule"] == "routing"
    )
    found = con.execute(
        'SELECT "row", resp_id, "column", value FROM routing_warnings WHERE wave = $wave '
        "ORDER BY ALL",
        {"wave": wave},
    ).fetchall()
    assert found == expected
    assert reports[wave].routing_warnings_by_question == {d[2]: 1 for d in expected}


@pytest.mark.parametrize("wave", WAVES)
def test_the_extra_column_is_reported(loaded, wave):
    _, reports = loaded
    extra = [d["raw_column"] for d in load_defects(wave) if d["rule"] == "extra_column"]
    assert list(reports[wave].extra_columns) == extra


@pytest.mark.parametrize("wave", WAVES)
def test_accepted_rows_equal_an_independent_reading(loaded, wave):
    con, _ = loaded
    expected, frame = sample_wave(wave)
    names = list(codebook.load(wave).canonical)
    got = con.execute(
        f"SELECT {', '.join(names)} FROM responses WHERE wave = $wave ORDER BY source_row",
        {"wave": wave},
    ).df()
    for name in names:
        if q.variable(name).kind in ("code", "flag"):
            got[name] = got[name].astype(float)
    pd.testing.assert_frame_equal(
        got[names].astype(object).where(got[names].notna(), None),
        expected[names].astype(object).where(expected[names].notna(), None),
        check_dtype=False,
    )
    stored_frame = con.execute(
        "SELECT count(*), sum(n_population) FROM frame WHERE wave = $wave", {"wave": wave}
    ).fetchone()
    assert stored_frame == (len(frame), frame["n_population"].sum())
