"""`make bench` at 2 000 respondents, one run: the results table has its shape, and the
pipeline and the baseline made the same mart rows. Timings are not asserted: they belong
to `make bench` on a quiet machine, not to the test suite."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bench.deliveries import WAVE
from bench.results import open_data_table, render
from bench.runner import run_bench
from pipelines.marts.measures import MARTS
from pipelines.marts.shapes import ESTIMATES, VALUE_COLUMNS

PROJECT = Path(__file__).resolve().parents[2]

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

SIZE = 2_000
HEADER = [
    "respondents",
    "pipeline (s)",
    "baseline (s)",
    "ratio",
    "pipeline wall incl. start-up (s)",
    "pipeline peak RSS",
    "baseline peak RSS",
    "identical mart rows",
]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    cache = tmp_path_factory.mktemp("bench")
    results = run_bench(cache, sizes=(SIZE,), runs=1, make_run_runs=0, say=lambda _: None)
    return cache, results, render(results)


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def table_after(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header line starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    return rows


def test_results_table_has_a_row_per_size_in_its_columns(bench):
    _, _, text = bench
    header, rule, *rows = table_after(text, "| respondents")
    assert header == HEADER
    assert len(rule) == len(HEADER)
    [row] = rows
    assert len(row) == len(HEADER)
    assert row[0] == "2 000"
    pipeline, baseline, ratio, wall = (float(row[i]) for i in range(1, 5))
    assert pipeline > 0 and baseline > 0 and wall > pipeline
    assert ratio == pytest.approx(pipeline / baseline, rel=0.01)
    for rss in row[5:7]:
        assert re.fullmatch(r"\d+\.\d\d GiB", rss) and float(rss.split()[0]) > 0
    assert row[7].startswith("yes (")


def test_targets_are_listed_and_unmeasured_ones_say_so(bench):
    _, _, text = bench
    header, _, *rows = table_after(text, "| target")
    assert header == ["target", "measured", "met"]
    assert [row[0] for row in rows] == [
        "pipeline ≤ 2 × baseline at 1 000 000",
        "peak RSS ≤ 2.00 GiB at 1 000 000",
        "100 000 → 1 000 000 ≤ 12 × time",
        "make run, warm ≤ 20 s",
        "open data added to make run, warm ≤ 1 s",
    ]
    assert all(row[1:] == ["not measured", "—"] for row in rows)
    assert "Pipeline steps at 2 000 respondents" in text
    steps = dict(row for row in table_after(text, "| step")[2:])
    assert {"validated_responses", "release", *MARTS} <= set(steps)


def test_pipeline_and_baseline_made_the_same_mart_rows(bench):
    cache, results, _ = bench
    work = cache / "work" / str(SIZE)
    con = duckdb.connect()
    con.execute(f"ATTACH '{work / 'pipeline' / 'warehouse.duckdb'}' AS p (READ_ONLY)")
    con.execute(f"ATTACH '{work / 'baseline' / 'baseline.duckdb'}' AS b (READ_ONLY)")
    compared = 0
    for mart in MARTS:
        query = (
            f"SELECT {', '.join(ESTIMATES.names)} FROM {{}}.mart_{mart} WHERE wave = {WAVE} "
            f"ORDER BY {', '.join(ESTIMATES.key)}"
        )
        pipeline = con.execute(query.format("p")).fetchall()
        baseline = con.execute(query.format("b")).fetchall()
        assert len(pipeline) == len(baseline) > 0, mart
        for p, b in zip(pipeline, baseline, strict=True):
            for name, x, y in zip(ESTIMATES.names, p, b, strict=True):
                if name in VALUE_COLUMNS and x is not None and y is not None:
                    assert abs(x - y) <= 1e-9, (mart, p, b)
                else:
                    assert x == y, (mart, name, p, b)
        compared += len(pipeline)
    assert results.sizes[0].marts.identical
    assert results.sizes[0].marts.rows == compared


def test_open_data_is_measured_on_the_published_versions(published, tmp_path):
    """The child the bench runs on make run's releases: it remakes every wave's open-data
    files, checks them against the published ones and reports time and size per format."""
    report = tmp_path / "open_data.json"
    # a process of its own, as the bench runs it: this one has imported the writers already
    subprocess.run(
        [sys.executable, "-m", "bench.open_data", str(published), str(report), "1"],
        check=True,
        cwd=PROJECT,
    )
    measured = json.loads(report.read_text())
    assert measured["writers_at_start_up"] == []
    assert 0 < measured["warm_s"] < measured["import_s"] + measured["waves"]["2020"]["seconds"]
    assert sorted(measured["waves"]) == ["2018", "2020", "2024"]
    for wave in measured["waves"].values():
        assert wave["seconds"] > 0 and wave["parquet_bytes"] > 0
        assert set(wave["bytes"]) == {
            "JSON-stat 2.0",
            "Data Package 2.0",
            "DCAT-AP-NO 2.0 (Turtle)",
            "Excel workbook",
        }
        assert all(size > 0 for size in wave["bytes"].values())
    header, rule, *rows = table_after("\n".join(open_data_table(measured)), "| wave")
    assert header[:2] == ["wave", "s"] and header[-1] == "Parquet"
    assert [row[0] for row in rows] == ["2018", "2020", "2024"]
