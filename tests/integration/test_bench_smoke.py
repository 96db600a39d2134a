"""`make bench` at 2 000 respondents, one run: the results table has its shape, and the
pipeline and the baseline made the same mart rows. Its `make run` scenarios and profiles on
the sample waves, with a stand-in for `make run` (tests/fake_make_run.py: the real one takes
a minute a run here): each scenario's runs made the new versions they are named for. Timings
are not asserted: they belong to `make bench` on a quiet machine, not to the test suite
(tests/unit/bench/ checks the page's figures and targets on made-up ones)."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bench import scenarios
from bench.deliveries import WAVE
from bench.page import open_data_section, render
from bench.profiles import measure_profiles
from bench.results import BenchResults
from bench.runner import RAW, run_bench
from bench.scenarios import Sample, measure_scenarios
from pipelines.marts.measures import MARTS
from pipelines.marts.shapes import ESTIMATES, VALUE_COLUMNS
from tests.markdown_tables import table_after
from tests.unit.bench.test_page import EVERY_TARGET

PROJECT = Path(__file__).resolve().parents[2]

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

SIZE = 2_000
SAMPLE_WAVES = (2018, 2020, 2024)
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
    results = run_bench(
        cache,
        sizes=(SIZE,),
        runs=1,
        scenario_runs=0,
        profiles=False,
        make_test_runs=0,
        say=lambda _: None,
        speed=iter((0.41, 0.57)).__next__,  # the loop's times, made up: the start's, the end's
    )
    return cache, results, render(results)


@pytest.fixture(scope="module")
def make_runs(tmp_path_factory):
    """Three runs of each scenario, wave 2018 and then 2020 changed, and the profiles."""
    sample = Sample(tmp_path_factory.mktemp("make_run"), RAW)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scenarios, "MODULE", "tests.fake_make_run")
        measured = measure_scenarios(sample, 3, (2018, 2020), say=lambda _: None)
        profiles = measure_profiles(sample, 2020, say=lambda _: None)
    results = BenchResults(3, "test", scenarios=measured, profiles=profiles)
    return sample, results, render(results)


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


def test_the_page_says_how_fast_the_machine_was_at_the_start_and_the_end(bench):
    _, _, text = bench
    [line] = [line for line in text.splitlines() if line.startswith("Written by `make bench`")]
    assert "; the reference loop (bench/speed.py) 0.41 s at the start, 0.57 s at the end;" in line


def test_targets_are_listed_and_unmeasured_ones_say_so(bench):
    _, _, text = bench
    header, _, *rows = table_after(text, "| target")
    assert header == ["target", "measured", "met"]
    assert [row[0] for row in rows] == EVERY_TARGET
    assert all(row[1:] == ["not measured", "—"] for row in rows)
    assert "Pipeline steps at 2 000 respondents" in text
    steps = dict(row for row in table_after(text, "| step")[2:])
    assert {"validated_responses", "release", *MARTS} <= set(steps)


def test_each_make_run_scenario_made_the_versions_it_is_named_for(make_runs):
    """From scratch the first version of every wave, each time; nothing changed none; a
    changed frame a new version of its wave and the later ones, in every run, as the frame's
    count goes +1 before each run."""
    _, results, text = make_runs
    made = results.scenarios
    first = {wave: "v0001" for wave in SAMPLE_WAVES}
    assert [r.new_versions for r in made.from_scratch] == [first] * 3
    assert [r.new_versions for r in made.unchanged] == [{}] * 3
    assert [r.new_versions for r in made.changed[2018]] == [
        {wave: f"v000{n}" for wave in SAMPLE_WAVES} for n in (2, 3, 4)
    ]
    assert [r.new_versions for r in made.changed[2020]] == [
        {2020: f"v000{n}", 2024: f"v000{n}"} for n in (5, 6, 7)
    ]
    _, _, *rows = table_after(text, "| make run")
    assert [row[0] for row in rows] == [
        "from scratch",
        "nothing changed",
        "wave 2018 changed",
        "wave 2020 changed",
    ]
    every = [made.from_scratch, made.unchanged, *made.changed.values()]
    for row, runs in zip(rows, every, strict=True):
        walls = [r.wall_s for r in runs]
        assert row[1] == f"{statistics.median(walls):.1f}"
        assert row[2] == ", ".join(f"{w:.1f}" for w in walls)
    assert rows[1][3] == "none; none; none"
    assert rows[3][3] == "2020 v0005 2024 v0005; 2020 v0006 2024 v0006; 2020 v0007 2024 v0007"


def test_the_frame_changes_are_made_in_the_copy_only(make_runs):
    """2018 changed +1 before each of its three runs; 2020 the same and +1 more for its
    profile: no run's frame was one an earlier run had."""
    sample, _, _ = make_runs
    for wave, added in ((2018, 3), (2020, 4), (2024, 0)):
        original = (RAW / str(wave) / "frame.csv").read_text().splitlines()
        copied = (sample.home / "raw" / str(wave) / "frame.csv").read_text().splitlines()
        assert copied[0] == original[0] and copied[2:] == original[2:]
        assert int(copied[1].split(",")[-1]) == int(original[1].split(",")[-1]) + added


def test_make_run_is_profiled_with_nothing_and_with_a_wave_changed(make_runs):
    _, results, text = make_runs
    assert [p.name for p in results.profiles] == ["nothing changed", "wave 2020 changed"]
    for profile in results.profiles:
        assert 0 < profile.total_s < profile.wall_s
        assert len(profile.top) == len(profile.top_own) == 15
        assert any(line.function.startswith("tests/fake_make_run.py:") for line in profile.top)
    assert "## Profile" in text
    assert text.count("| cumulative (s) |") == 4


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
    header, rule, *rows = table_after("\n".join(open_data_section(measured)), "| wave")
    assert header[:2] == ["wave", "s"] and header[-1] == "Parquet"
    assert [row[0] for row in rows] == ["2018", "2020", "2024"]
