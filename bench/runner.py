"""The benchmark's runs: per size the pipeline and the baseline in turn, the start-up on
its own, and `make run` on the sample waves."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from bench import deliveries
from bench.compare import compare_marts
from bench.measure import Measurement, run_child
from bench.results import GIB, BenchResults, SizeResult
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.provenance import PROJECT_ROOT

SIZES = (10_000, 100_000, 1_000_000)
# Variables of the project's own runs that must not leak into a measured child.
_PROJECT_VARIABLES = (
    "DAGSTER_HOME",
    "BAROMETER_DAGSTER_DIR",
    "BAROMETER_RAW_DIR",
    "BAROMETER_MARTS_DIR",
    "BAROMETER_WAREHOUSE",
    "BAROMETER_MIN_CELL_SIZE",
)


def child_env(**variables: Path | str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PROJECT_VARIABLES}
    env["BAROMETER_MIN_CELL_SIZE"] = str(MIN_CELL_SIZE)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update({k: str(v) for k, v in variables.items()})
    return env


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def measure_size(
    cache: Path, respondents: int, runs: int, say: Callable[[str], None]
) -> SizeResult:
    raw = deliveries.delivery(cache, respondents)
    work = cache / "work" / str(respondents)
    pipeline, baseline = [], []
    # alternating, so that load from elsewhere on the machine falls on both alike
    for run in range(1, runs + 1):
        folder = _fresh(work / "pipeline")
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
        folder = _fresh(work / "baseline")
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
            f"GiB), baseline {baseline[-1].report['seconds']:.2f} s"
        )
    marts = compare_marts(
        work / "pipeline" / "warehouse.duckdb",
        work / "baseline" / "baseline.duckdb",
        deliveries.WAVE,
    )
    return SizeResult(respondents, pipeline, baseline, marts)


def measure_startup(cache: Path, runs: int) -> list[Measurement]:
    folder = _fresh(cache / "work" / "startup")
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


def measure_make_run(cache: Path, runs: int) -> list[Measurement]:
    """`python -m pipelines.orchestration.run` (what `make run` runs) on data/raw, warm: after one
    unmeasured run, in an instance and folders of its own: a copy of the project's
    dagster.yaml in a DAGSTER_HOME of its own, which keeps its storage in .dagster/ there."""
    home = _fresh(cache / "make_run")
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    (home / ".dagster").mkdir()
    env = child_env(
        DAGSTER_HOME=home,
        BAROMETER_RAW_DIR=PROJECT_ROOT / "data" / "raw",
        BAROMETER_MARTS_DIR=home / "marts",
        BAROMETER_WAREHOUSE=home / "warehouse.duckdb",
    )
    args = ["-m", "pipelines.orchestration.run"]
    measured = [
        run_child(args, env=env, cwd=home, log=home / f"run-{run}.log") for run in range(runs + 1)
    ]
    return measured[1:]


def measure_open_data(cache: Path, runs: int) -> dict:
    """Making the open-data files of the versions `measure_make_run` published."""
    home = cache / "make_run"
    report = home / "open_data.json"
    args = ["-m", "bench.open_data", str(home / "marts"), str(report), str(runs)]
    return run_child(
        args, env=child_env(), cwd=PROJECT_ROOT, log=home / "open_data.log", report=report
    ).report


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    packages = ", ".join(
        f"{name} {version(name)}" for name in ("duckdb", "dagster", "great-expectations", "pandera")
    )
    python = ".".join(map(str, sys.version_info[:3]))
    return f"{os.cpu_count()} cores, {memory:.0f} GiB RAM; Python {python}, {packages}"


def run_bench(
    cache: Path,
    sizes: tuple[int, ...] = SIZES,
    runs: int = 3,
    make_run_runs: int = 3,
    say: Callable[[str], None] = print,
) -> BenchResults:
    measured = [measure_size(cache, n, runs, say) for n in sizes]
    startup = measure_startup(cache, runs)
    say(f"start-up only: {startup[-1].wall_s:.2f} s")
    make_run = measure_make_run(cache, make_run_runs) if make_run_runs else []
    open_data = None
    if make_run:
        say(f"make run, warm: {', '.join(f'{m.wall_s:.1f}' for m in make_run)} s")
        open_data = measure_open_data(cache, runs)
    return BenchResults(measured, startup, make_run, open_data, runs, machine())
