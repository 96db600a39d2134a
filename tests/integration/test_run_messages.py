"""`make run` prints one line per problem, with what to do, and no stack trace; the trace
stays in the run's event log for the Dagster UI."""

from __future__ import annotations

import functools
import shutil

import pytest

from pipelines.orchestration import quality_checks, run
from pipelines.quality.mart_validation import GateFailure, GateResult
from pipelines.survey import codebook
from tests.ingest_fixtures import (
    REFERENCE_DIR,
    point_pipeline_at,
    respondents,
    write_csv_2018,
)


@pytest.fixture
def make_run(tmp_path, monkeypatch, capfd):
    """pipelines.orchestration.run.main on a raw folder with a valid 2018 delivery; returns its
    exit code and what it printed."""
    write_csv_2018(tmp_path / "raw" / "2018", respondents(2018, 40))
    shutil.copytree(REFERENCE_DIR, tmp_path / "raw" / "reference")
    point_pipeline_at(tmp_path, monkeypatch)

    def main() -> tuple[int, list[str]]:
        capfd.readouterr()
        code = run.main()
        out, err = capfd.readouterr()
        return code, (out + err).splitlines()

    return main


def test_a_codebook_error_is_one_line_naming_the_file(make_run, tmp_path, monkeypatch):
    books = tmp_path / "codebooks"
    books.mkdir()
    text = (codebook.CODEBOOK_DIR / "2018.toml").read_text(encoding="utf-8")
    (books / "2018.toml").write_text(text.replace('ID     = "resp_id"', "ID = resp_id"))
    monkeypatch.setattr(
        codebook, "load", functools.partial(codebook.load.__wrapped__, directory=books)
    )
    code, lines = make_run()
    assert code == 1
    assert lines == [
        f"wave 2018: {books}/2018.toml: not valid TOML (Invalid value (at line 10, column 6)); "
        "correct the syntax; nothing of this wave was published; "
        "correct the codebook and run again",
        f"No release published yet (no analyst catalog {tmp_path}/marts/barometer.duckdb).",
    ]


def test_a_failing_quality_gate_says_why(make_run, tmp_path, monkeypatch):
    failure = GateFailure(
        expectation="expect_column_values_to_be_between",
        rule="a share is in [0, 1]",
        column="estimate",
        unexpected=("row (measure='innovative'): estimate=1.5",),
    )
    failing = GateResult(
        mart="innovation", success=False, evaluated=40, failures=(failure,), docs_index=None
    )
    passing = functools.partial(quality_checks.gate_mart)
    monkeypatch.setattr(
        quality_checks,
        "gate_mart",
        lambda mart, df, size: failing if mart == "innovation" else passing(mart, df, size),
    )
    code, lines = make_run()
    assert code == 1
    assert [line for line in lines if line.startswith("wave 2018")] == [
        "wave 2018: innovation: 1 of 40 expectations failed; first: "
        "expect_column_values_to_be_between on estimate (a share is in [0, 1]): "
        "row (measure='innovative'): estimate=1.5; nothing of this wave was published; "
        "fix what the failing expectations name (the Data Docs page lists them all)"
    ]
    assert not any("Traceback" in line or "Stack Trace" in line for line in lines)
    assert not (tmp_path / "marts" / "wave=2018").exists()
