"""The benchmark's runs: per size the pipeline and the baseline in turn, the start-up on
its own; `make run` on the sample waves (bench/scenarios.py), profiled (bench/profiles.py);
and `make test` (bench/make_test.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from bench import deliveries
from bench.compare import compare_marts
from bench.make_test import measure_make_test
from bench.measure import Measurement, run_child
from bench.profiles import measure_profiles
from bench.results import GIB, BenchResults, SizeResult
from bench.scenarios import Sample, measure_scenarios
from bench.speed import reference_loop_s
from bench.workspace import child_env, fresh
from pipelines.provenance import PROJECT_ROOT

SIZES = (10_000, 100_000, 1_000_000)
RAW = PROJECT_ROOT / "data" / "raw"
# the middle sample wave: its change makes the later wave's changes be redone too
CHANGED_WAVES = (2020,)


def measure_size(
    cache: Path, respondents: int, runs: int, say: Callable[[str], None]
) -> SizeResult:
    raw = deliveries.delivery(cache, respondents)
    work = cache / "work" / str(respondents)
    pipeline, baseline = [], []
    # alternating, so that load from elsewhere on the machine falls on both alike
    for run in range(1, runs + 1):
        folder = fresh(work / "pipeline")
        env = child_env(
            BAROMETER_RAW_DIR=raw,
            BAROMETER_MARTS_DIR=folder / "marts",
            BAROMETER_WAREHOUSE=folder / "warehouse.duckdb",
        )
        args = ["-m", "bench.pipeline", str(deliveries.WAVE), str(folder / "timings.json")]
        pipeline.append(
            run_child(
                args,
                env=env,
                cwd=PROJECT_ROOT,
                log=folder / "run.log",
                report=folder / "timings.json",
            )
        )
        folder = fresh(work / "baseline")
        args = [
            "-m",
            "bench.baseline",
            str(raw),
            str(folder / "baseline.duckdb"),
            str(folder / "timings.json"),
        ]
        baseline.append(
            run_child(
                args,
                env=child_env(),
                cwd=PROJECT_ROOT,
                log=folder / "run.log",
                report=folder / "timings.json",
            )
        )
        say(
            f"{respondents:>9} respondents, run {run}/{runs}: pipeline "
            f"{pipeline[-1].report['pipeline_s']:.2f} s ({pipeline[-1].peak_rss_bytes / GIB:.2f} "
            f"GiB, its largest child {pipeline[-1].report['children_peak_rss_bytes'] / GIB:.2f} "
            f"GiB), baseline {baseline[-1].report['seconds']:.2f} s"
        )
    marts = compare_marts(
        work / "pipeline" / "warehouse.duckdb",
        work / "baseline" / "baseline.duckdb",
        deliveries.WAVE,
    )
    return SizeResult(respondents, pipeline, baseline, marts)


def measure_startup(cache: Path, runs: int) -> list[Measurement]:
    folder = fresh(cache / "work" / "startup")
    env = child_env(
        BAROMETER_RAW_DIR=PROJECT_ROOT / "data" / "raw",
        BAROMETER_MARTS_DIR=folder / "marts",
        BAROMETER_WAREHOUSE=folder / "warehouse.duckdb",
    )
    report = folder / "timings.json"
    args = ["-m", "bench.pipeline", "--startup-only", str(report)]
    return [
        run_child(args, env=env, cwd=PROJECT_ROOT, log=folder / "run.log", report=report)
        for _ in range(runs)
    ]


def measure_open_data(cache: Path, marts: Path, runs: int) -> dict:
    """Making the open-data files of the versions the scenarios published in `marts`."""
    report = cache / "work" / "open_data.json"
    args = ["-m", "bench.open_data", str(marts), str(report), str(runs)]
    return run_child(
        args, env=child_env(), cwd=PROJECT_ROOT, log=report.with_suffix(".log"), report=report
    ).report


def machine(load_at_start: float, loop_at_start: float, loop_at_end: float) -> str:
    """The machine, its load and its speed (bench/speed.py): other work on it, and the hour,
    slow every figure."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("duckdb", "dagster", "great-expectations", "pandera")
    )
    python = ".".join(map(str, sys.version_info[:3]))
    load = f"load average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    speed = (
        f"the reference loop (bench/speed.py) {loop_at_start:.2f} s at the start, "
        f"{loop_at_end:.2f} s at the end"
    )
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, {load}; {speed}; "
        f"Python {python}, {packages}"
    )


def run_bench(
    cache: Path,
    sizes: tuple[int, ...] = SIZES,
    runs: int = 3,
    *,
    scenario_runs: int = 3,
    changed_waves: tuple[int, ...] = CHANGED_WAVES,
    profiles: bool = True,
    make_test_runs: int = 3,
    say: Callable[[str], None] = print,
    speed: Callable[[], float] = reference_loop_s,
) -> BenchResults:
    """Each part measured when asked for: `sizes` (none: neither they nor the start-up),
    `scenario_runs` of each `make run` scenario on a copy of data/raw (0: none, nor the open
    data on their releases), `profiles` of `make run`, `make_test_runs`; ``speed``, the
    machine's at the start and the end."""
    load, loop = os.getloadavg()[0], speed()
    measured = [measure_size(cache, n, runs, say) for n in sizes]
    startup = measure_startup(cache, runs) if sizes else []
    if startup:
        say(f"start-up only: {startup[-1].wall_s:.2f} s")
    sample = Sample(cache / "make_run", RAW)
    scenarios = open_data = None
    if scenario_runs:
        scenarios = measure_scenarios(sample, scenario_runs, changed_waves, say)
        open_data = measure_open_data(cache, sample.marts, runs)
    # profiled last: they start from the scenarios' warm state instead of making their own
    wave = (changed_waves or CHANGED_WAVES)[0]
    profiled = measure_profiles(sample, wave, say) if profiles else []
    suite = measure_make_test(make_test_runs, cache / "work", say)
    return BenchResults(
        runs,
        machine(load, loop, speed()),
        sizes=measured,
        startup=startup,
        scenarios=scenarios,
        open_data=open_data,
        make_test=suite,
        profiles=profiled,
    )
