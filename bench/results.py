"""The benchmark's figures and the targets of issue #21 they are held to."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from bench.compare import MartComparison
from bench.make_test import SuiteRun
from bench.measure import Measurement
from bench.profiles import Profile
from bench.scenarios import MakeRun, Scenarios

GIB = 1 << 30
TARGET_SIZE = 1_000_000
MAX_RATIO = 1.5  # pipeline / baseline at TARGET_SIZE, start-up excluded
MAX_RSS = 3 * GIB // 2  # pipeline peak RSS at TARGET_SIZE
MAX_TENFOLD_GROWTH = 12.0  # time growth from TARGET_SIZE / 10 to TARGET_SIZE respondents
MAX_UNCHANGED_S = 5.0  # make run on the three sample waves with nothing changed
MAX_CHANGED_S = 10.0  # make run with one wave's frame changed
MAX_MAKE_TEST_S = 180.0
MAX_OPEN_DATA_S = 1.0  # what the open-data files add to a make run with nothing changed


def median_of(measurements: list[Measurement], key: str) -> float:
    return statistics.median(m.report[key] for m in measurements)


def median_wall(runs: list[MakeRun] | list[SuiteRun]) -> float:
    return statistics.median(r.wall_s for r in runs)


def spaced(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def gib(value: int) -> str:
    return f"{value / GIB:.2f} GiB"


@dataclass(frozen=True)
class SizeResult:
    respondents: int
    pipeline: list[Measurement]
    baseline: list[Measurement]
    marts: MartComparison

    @property
    def pipeline_s(self) -> float:
        return median_of(self.pipeline, "pipeline_s")

    @property
    def pipeline_wall_s(self) -> float:
        return statistics.median(m.wall_s for m in self.pipeline)

    @property
    def baseline_s(self) -> float:
        return median_of(self.baseline, "seconds")

    @property
    def ratio(self) -> float:
        return self.pipeline_s / self.baseline_s

    @property
    def pipeline_rss(self) -> int:
        """The run's peak and its largest child's (its GX worker), summed (bench/pipeline.py)."""
        return max(m.peak_rss_bytes + m.report["children_peak_rss_bytes"] for m in self.pipeline)

    @property
    def baseline_rss(self) -> int:
        return max(m.peak_rss_bytes for m in self.baseline)

    def steps(self) -> dict[str, float]:
        """Median seconds per Dagster step over the runs, slowest first."""
        names = self.pipeline[0].report["steps"]
        medians = {s: statistics.median(m.report["steps"][s] for m in self.pipeline) for s in names}
        return dict(sorted(medians.items(), key=lambda item: -item[1]))


@dataclass(frozen=True)
class BenchResults:
    """What one `python -m bench` measured; a section it skipped is empty (or None)."""

    runs: int  # of each size, the start-up and the open data
    machine: str  # e.g. "2 cores, 23 GiB RAM, Python 3.11.7, duckdb 1.2"
    sizes: list[SizeResult] = field(default_factory=list)
    startup: list[Measurement] = field(default_factory=list)
    scenarios: Scenarios | None = None
    # the child's report (bench/open_data.py) on the scenarios' releases
    open_data: dict | None = None
    make_test: list[SuiteRun] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)

    def size(self, respondents: int) -> SizeResult | None:
        return next((s for s in self.sizes if s.respondents == respondents), None)

    @property
    def all_identical(self) -> bool:
        return all(s.marts.identical for s in self.sizes)


Target = tuple[str, str, bool | None]  # target, measured, met (None: nothing to meet)
NOT_MEASURED = "not measured"


def targets(results: BenchResults) -> list[Target]:
    return [
        *_scale_targets(results),
        *_make_run_targets(results.scenarios),
        _make_test_target(results.make_test),
        _open_data_target(results.open_data),
    ]


def _scale_targets(results: BenchResults) -> list[Target]:
    largest = results.size(TARGET_SIZE)
    tenth = results.size(TARGET_SIZE // 10)
    ratio = f"pipeline ≤ {MAX_RATIO:g} × baseline at {spaced(TARGET_SIZE)}"
    rss = f"peak RSS ≤ {gib(MAX_RSS)} at {spaced(TARGET_SIZE)}"
    growth = f"{spaced(TARGET_SIZE // 10)} → {spaced(TARGET_SIZE)} ≤ {MAX_TENFOLD_GROWTH:g} × time"
    found: list[Target] = []
    if largest is None:
        found += [(ratio, NOT_MEASURED, None), (rss, NOT_MEASURED, None)]
    else:
        found += [
            (ratio, f"{largest.ratio:.2f} ×", largest.ratio <= MAX_RATIO),
            (rss, gib(largest.pipeline_rss), largest.pipeline_rss <= MAX_RSS),
        ]
    if largest is None or tenth is None:
        found.append((growth, NOT_MEASURED, None))
    else:
        grew = largest.pipeline_s / tenth.pipeline_s
        found.append((growth, f"{grew:.2f} ×", grew <= MAX_TENFOLD_GROWTH))
    return found


def _make_run_targets(scenarios: Scenarios | None) -> list[Target]:
    unchanged = f"make run, nothing changed ≤ {MAX_UNCHANGED_S:g} s"
    changed = f"make run, one wave changed ≤ {MAX_CHANGED_S:g} s"
    scratch = "make run from scratch: reported, must not grow"
    if scenarios is None:
        return [(t, NOT_MEASURED, None) for t in (unchanged, changed, scratch)]
    found: list[Target] = [
        (unchanged, *_within(median_wall(scenarios.unchanged), MAX_UNCHANGED_S)),
    ]
    for wave, runs in scenarios.changed.items():
        found.append(
            (
                f"make run, wave {wave} changed ≤ {MAX_CHANGED_S:g} s",
                *_within(median_wall(runs), MAX_CHANGED_S),
            )
        )
    if not scenarios.changed:
        found.append((changed, NOT_MEASURED, None))
    found.append((scratch, f"{median_wall(scenarios.from_scratch):.1f} s", None))
    return found


def _within(seconds: float, limit: float) -> tuple[str, bool]:
    return f"{seconds:.1f} s", seconds <= limit


def _make_test_target(runs: list[SuiteRun]) -> Target:
    target = f"make test ≤ {MAX_MAKE_TEST_S:g} s"
    if not runs:
        return target, NOT_MEASURED, None
    wall = median_wall(runs)
    passed = all(r.passed for r in runs)
    return target, f"{wall:.0f} s{'' if passed else ', FAILED'}", passed and wall <= MAX_MAKE_TEST_S


def _open_data_target(report: dict | None) -> Target:
    target = f"open data added to make run, nothing changed ≤ {MAX_OPEN_DATA_S:g} s"
    if not report:
        return target, NOT_MEASURED, None
    added = report["warm_s"]
    # a start-up that imports the writers pays their import on every run
    if report["writers_at_start_up"]:
        added += report["import_s"]
    return target, f"{added:.3f} s", added <= MAX_OPEN_DATA_S
