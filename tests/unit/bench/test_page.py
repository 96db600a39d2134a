"""bench/results.md from made-up figures: every section and target, with the figures the
page must show and whether each target is met."""

from __future__ import annotations

import pytest

from bench.compare import MartComparison
from bench.make_test import SuiteRun
from bench.measure import Measurement
from bench.page import BEFORE, render
from bench.profiles import Line, Profile
from bench.results import GIB, BenchResults, SizeResult
from bench.scenarios import MakeRun, Scenarios
from tests.markdown_tables import table_after

SAME = MartComparison(rows=10, differing=0, max_difference=0.0, examples=())


def size(
    respondents: int, pipeline_s: float, baseline_s: float, rss: int, child_rss: int = 0
) -> SizeResult:
    report = {"pipeline_s": pipeline_s, "steps": {"a": 1.0}, "children_peak_rss_bytes": child_rss}
    pipeline = Measurement(pipeline_s + 4, rss, report)
    baseline = Measurement(baseline_s + 1, GIB, {"seconds": baseline_s})
    return SizeResult(respondents, [pipeline], [baseline], SAME)


def runs(*walls: float, versions: dict[int, str] | None = None) -> list[MakeRun]:
    return [MakeRun(Measurement(wall, GIB), versions or {}) for wall in walls]


def results(**parts) -> BenchResults:
    return BenchResults(3, "2 cores", **parts)


def targets(text: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table_after(text, "| target")[2:]}


# The targets table's rows, in order (#21's targets and the open data's).
EVERY_TARGET = [
    "pipeline ≤ 1.5 × baseline at 1 000 000",
    "peak RSS ≤ 1.50 GiB at 1 000 000",
    "100 000 → 1 000 000 ≤ 12 × time",
    "make run, nothing changed ≤ 5 s",
    "make run, one wave changed ≤ 10 s",
    "make run from scratch: reported, must not grow",
    "make test ≤ 180 s",
    "open data added to make run, nothing changed ≤ 1 s",
]


def test_nothing_measured_lists_every_target_as_not_measured():
    text = render(results())
    assert list(targets(text)) == EVERY_TARGET
    assert all(row == ["not measured", "—"] for row in targets(text).values())
    for section in ("## Sizes", "## make run", "## make test", "## Profile", BEFORE):
        assert section not in text


def test_scale_targets_against_the_largest_sizes():
    text = render(
        results(
            sizes=[size(100_000, 3.0, 1.0, GIB), size(1_000_000, 30.0, 19.0, 2 * GIB)],
            startup=[Measurement(4.5, GIB, {"startup_s": 3.5})],
        )
    )
    found = targets(text)
    assert found["pipeline ≤ 1.5 × baseline at 1 000 000"] == ["1.58 ×", "NO"]
    assert found["peak RSS ≤ 1.50 GiB at 1 000 000"] == ["2.00 GiB", "NO"]
    assert found["100 000 → 1 000 000 ≤ 12 × time"] == ["10.00 ×", "yes"]
    assert "## Sizes" in text and "Pipeline steps at 1 000 000 respondents" in text


def test_the_gx_workers_peak_rss_is_added_to_the_runs():
    """Two processes at once: the run at 1.40 GiB and its GX worker at 0.25 GiB are over."""
    largest = size(1_000_000, 20.0, 19.0, 7 * GIB // 5, child_rss=GIB // 4)
    startup = [Measurement(4.5, GIB, {"startup_s": 3.5})]
    text = render(results(sizes=[size(100_000, 3.0, 1.0, GIB), largest], startup=startup))
    assert targets(text)["peak RSS ≤ 1.50 GiB at 1 000 000"] == ["1.65 GiB", "NO"]
    [row] = [r for r in table_after(text, "| respondents")[2:] if r[0] == "1 000 000"]
    assert row[5] == "1.65 GiB"


def test_make_run_scenarios_show_medians_runs_and_new_versions():
    scenarios = Scenarios(
        from_scratch=runs(90.0, 80.0, 85.0, versions={2018: "v0001", 2024: "v0001"}),
        unchanged=runs(6.0, 4.0, 4.5),
        changed={
            2020: runs(12.0, 9.0, 11.0, versions={2020: "v0002", 2024: "v0002"}),
            2018: runs(8.0, 9.0, 7.0, versions={2018: "v0002"}),
        },
    )
    text = render(results(scenarios=scenarios))
    header, _, *rows = table_after(text, "| make run")
    assert header == ["make run", "median (s)", "runs (s)", "new versions, per run"]
    assert rows == [
        [
            "from scratch",
            "85.0",
            "90.0, 80.0, 85.0",
            "; ".join(["2018 v0001 2024 v0001"] * 3),
        ],
        ["nothing changed", "4.5", "6.0, 4.0, 4.5", "none; none; none"],
        ["wave 2020 changed", "11.0", "12.0, 9.0, 11.0", "; ".join(["2020 v0002 2024 v0002"] * 3)],
        ["wave 2018 changed", "8.0", "8.0, 9.0, 7.0", "2018 v0002; 2018 v0002; 2018 v0002"],
    ]
    found = targets(text)
    assert found["make run, nothing changed ≤ 5 s"] == ["4.5 s", "yes"]
    assert found["make run, wave 2020 changed ≤ 10 s"] == ["11.0 s", "NO"]
    assert found["make run, wave 2018 changed ≤ 10 s"] == ["8.0 s", "yes"]
    assert found["make run from scratch: reported, must not grow"] == ["85.0 s", "—"]
    assert "make run, one wave changed ≤ 10 s" not in found


@pytest.mark.parametrize(
    ("suite", "measured", "met"),
    [
        ([SuiteRun(170.0, True), SuiteRun(200.0, True), SuiteRun(150.0, True)], "170 s", "yes"),
        (
            [SuiteRun(170.0, True), SuiteRun(160.0, False), SuiteRun(150.0, True)],
            "160 s, FAILED",
            "NO",
        ),
        ([SuiteRun(181.0, True)], "181 s", "NO"),
    ],
)
def test_make_test_is_met_when_it_passes_within_three_minutes(suite, measured, met):
    text = render(results(make_test=suite))
    assert targets(text)["make test ≤ 180 s"] == [measured, met]
    assert "## make test" in text
    if not all(run.passed for run in suite):
        assert "(FAILED)" in text


def test_profiles_and_the_before_figures_are_shown():
    top = [Line(9.5, 0.0, 1, "<built-in method builtins.exec>"), Line(9.4, 0.1, 2, "x.py:1(f)")]
    own = [Line(0.5, 0.4, 9, "y.py:2(g)")]
    profiles = [
        Profile("nothing changed", 12.0, 9.6, top, own),
        Profile("wave 2020 changed", 14.0, 11.2, top, own),
    ]
    before = "Measured 2024-01-01 with `python -m bench --sizes`:\n\n| a | b |\n|---|---|\n"
    text = render(results(profiles=profiles), before)
    assert "## Profile" in text
    assert "make run, nothing changed: 9.60 s in cProfile's count (12.0 s wall" in text
    assert "make run, wave 2020 changed: 11.20 s" in text
    header, _, *rows = table_after(text, "| cumulative (s)")
    assert header == ["cumulative (s)", "own (s)", "calls", "function"]
    assert rows == [
        ["9.50", "0.00", "1", "`<built-in method builtins.exec>`"],
        ["9.40", "0.10", "2", "`x.py:1(f)`"],
    ]
    # each profile's top by own time follows its top by cumulative time
    assert text.count("| cumulative (s) |") == 4
    assert text.count("| 0.50 | 0.40 | 9 | `y.py:2(g)` |") == 2
    assert f"## {BEFORE}\n\n{before.strip()}\n" in text
