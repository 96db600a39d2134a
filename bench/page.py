"""bench/results.md: the benchmark's figures as a Markdown page, a section per part measured."""

from __future__ import annotations

import statistics

from bench.compare import MartComparison
from bench.make_test import SuiteRun
from bench.profiles import Line, Profile
from bench.results import BenchResults, gib, median_of, median_wall, spaced, targets
from bench.scenarios import MakeRun, Scenarios

BEFORE = "Before (same machine and day)"


def _marts(c: MartComparison) -> str:
    if c.identical:
        return f"yes ({c.rows} rows, max abs diff {c.max_difference:.1e})"
    return f"NO: {c.differing} of {c.rows} rows differ"


def size_table(results: BenchResults) -> list[str]:
    lines = [
        "| respondents | pipeline (s) | baseline (s) | ratio | pipeline wall incl. start-up (s) "
        "| pipeline peak RSS | baseline peak RSS | identical mart rows |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in results.sizes:
        lines.append(
            f"| {spaced(s.respondents)} | {s.pipeline_s:.2f} | {s.baseline_s:.2f} | {s.ratio:.2f} "
            f"| {s.pipeline_wall_s:.2f} | {gib(s.pipeline_rss)} | {gib(s.baseline_rss)} "
            f"| {_marts(s.marts)} |"
        )
    return lines


def growth_table(results: BenchResults) -> list[str]:
    pairs = list(zip(results.sizes, results.sizes[1:], strict=False))
    if not pairs:
        return []
    head = " | ".join(f"{spaced(a.respondents)} → {spaced(b.respondents)}" for a, b in pairs)
    return [
        f"| time grows by | {head} |",
        "|---|" + "---:|" * len(pairs),
        "| pipeline | "
        + " | ".join(f"{b.pipeline_s / a.pipeline_s:.2f} ×" for a, b in pairs)
        + " |",
        "| baseline | "
        + " | ".join(f"{b.baseline_s / a.baseline_s:.2f} ×" for a, b in pairs)
        + " |",
        "",
    ]


def sizes_section(results: BenchResults) -> list[str]:
    startup = statistics.median(m.wall_s for m in results.startup)
    inside = median_of(results.startup, "startup_s")
    largest = results.sizes[-1]
    return [
        "## Sizes",
        "",
        "Delivery: wave 2020 as CSV from `python -m sample --seed 1`. "
        f"{results.runs} run(s) of each, each in a process of its own: median time, "
        "peak RSS the largest of the runs.",
        "",
        "- **pipeline**: the Dagster job `wave_job` in-process against an ephemeral instance, "
        "as `make run` runs a wave (raw delivery, reference, ingest validated by pandera, "
        "respondents, five marts, five GX gates, release, report), on an empty warehouse "
        "and marts folder; start-up excluded (below). Its GX worker (pipelines/quality/"
        "worker.py) imports GX and validates beside the run; the peak RSS is the run's "
        "plus its largest child's (the worker; at sizes that run none, a log-tailing "
        "process of Dagster's).",
        "- **baseline**: `bench/baseline.py`, DuckDB's read_csv and the same sql/ models "
        "(reference, weights, respondents, marts), nothing else, with the DuckDB memory limit "
        "of the pipeline's warehouse connection.",
        "",
        *size_table(results),
        "",
        *growth_table(results),
        f"Fixed start-up (importing Dagster, the definitions and matplotlib, making the "
        f"instance), a process that only starts up: {startup:.2f} s wall "
        f"({inside:.2f} s after the interpreter started), peak RSS "
        f"{gib(max(m.peak_rss_bytes for m in results.startup))}.",
        "",
        f"Pipeline steps at {spaced(largest.respondents)} respondents (median seconds):",
        "",
        "| step | s |",
        "|---|---:|",
        *(f"| {step} | {seconds:.2f} |" for step, seconds in largest.steps().items()),
        "",
        *_differing(results),
    ]


def _differing(results: BenchResults) -> list[str]:
    examples = [e for s in results.sizes for e in s.marts.examples]
    if not examples:
        return []
    return ["Mart rows that differ (pipeline, baseline):", "", *(f"- {e}" for e in examples), ""]


def _versions(run: MakeRun) -> str:
    return " ".join(f"{w} {v}" for w, v in sorted(run.new_versions.items())) or "none"


def _scenario_row(name: str, runs: list[MakeRun]) -> str:
    walls = ", ".join(f"{r.wall_s:.1f}" for r in runs)
    return f"| {name} | {median_wall(runs):.1f} | {walls} | {'; '.join(map(_versions, runs))} |"


def scenarios_section(scenarios: Scenarios) -> list[str]:
    return [
        "## make run",
        "",
        "`python -m pipelines.orchestration.run` (what `make run` runs) on a copy of "
        "data/raw, in an instance and folders of its own (`bench/scenarios.py`); wall time "
        "from the process's start to its exit 0, start-up included. *From scratch*: empty "
        "instance, warehouse and marts before each run. *Nothing changed*: after the last run "
        "from scratch. *Wave changed*: after that, one cell's population count in the wave's "
        "`frame.csv` +1 before each run, so that each run's frame is new to the instance "
        "(no check can take an earlier pass of its marts). New versions: the waves whose "
        "LATEST the run moved, per run.",
        "",
        "| make run | median (s) | runs (s) | new versions, per run |",
        "|---|---:|---|---|",
        _scenario_row("from scratch", scenarios.from_scratch),
        _scenario_row("nothing changed", scenarios.unchanged),
        *(_scenario_row(f"wave {w} changed", r) for w, r in scenarios.changed.items()),
        "",
    ]


def open_data_section(report: dict) -> list[str]:
    waves = report["waves"]
    formats = sorted({f for w in waves.values() for f in w["bytes"]})
    loaded = (
        ", ".join(report["writers_at_start_up"])
        or "none of the writers (rdflib, the open-data builder)"
    )
    made = report["import_s"] + sum(w["seconds"] for w in waves.values())
    lines = [
        f"Open data (`bench/open_data.py`): made only with a new version, so a `make run` "
        f"with nothing changed makes none. What it adds there: listing the versions' files "
        f"for the catalog's `release_files`, {report['warm_s'] * 1000:.0f} ms; its start-up "
        f"imports {loaded}. A run that makes new versions of the three waves spends "
        f"{made:.2f} s on them (importing the writers {report['import_s']:.2f} s, then per "
        f"wave, median of the runs, below); their size beside the Parquet's:",
        "",
        "| wave | s | " + " | ".join(formats) + " | Parquet |",
        "|---:|---:|" + "---:|" * (len(formats) + 1),
    ]
    for wave, w in waves.items():
        sizes = " | ".join(f"{w['bytes'].get(f, 0) / 1024:.0f} KiB" for f in formats)
        lines.append(
            f"| {wave} | {w['seconds']:.2f} | {sizes} | {w['parquet_bytes'] / 1024:.0f} KiB |"
        )
    return [*lines, ""]


def make_test_section(runs: list[SuiteRun]) -> list[str]:
    walls = ", ".join(f"{r.wall_s:.0f} ({'passed' if r.passed else 'FAILED'})" for r in runs)
    return [
        "## make test",
        "",
        f"`make test` in the project root (lint, `dg check defs`, pytest): median "
        f"{median_wall(runs):.0f} s wall (runs: {walls} s).",
        "",
    ]


def targets_section(results: BenchResults) -> list[str]:
    lines = ["## Targets", "", "| target | measured | met |", "|---|---:|---|"]
    for target, measured, met in targets(results):
        lines.append(
            f"| {target} | {measured} | {'—' if met is None else 'yes' if met else 'NO'} |"
        )
    return [*lines, ""]


def _profile_table(lines: list[Line]) -> list[str]:
    return [
        "| cumulative (s) | own (s) | calls | function |",
        "|---:|---:|---:|---|",
        *(f"| {t.cumulative_s:.2f} | {t.own_s:.2f} | {t.calls} | `{t.function}` |" for t in lines),
        "",
    ]


def profile_section(profiles: list[Profile]) -> list[str]:
    lines = [
        "## Profile",
        "",
        "`python -m cProfile -o FILE -m pipelines.orchestration.run` on the copy of the sample "
        "waves, warm (`bench/profiles.py`): the functions with the largest cumulative time, "
        "then those with the largest own time.",
        "",
    ]
    for p in profiles:
        lines += [
            f"make run, {p.name}: {p.total_s:.2f} s in cProfile's count "
            f"({p.wall_s:.1f} s wall under the profiler).",
            "",
            *_profile_table(p.top),
            *_profile_table(p.top_own),
        ]
    return lines


def render(results: BenchResults, before: str | None = None) -> str:
    """The page; `before` is bench/before.md, written by hand, included as it is."""
    lines = [
        "# Benchmark",
        "",
        f"Written by `make bench` (`python -m bench`). Machine: {results.machine}.",
        "",
    ]
    if results.sizes:
        lines += sizes_section(results)
    if results.scenarios:
        lines += scenarios_section(results.scenarios)
    if results.open_data:
        lines += open_data_section(results.open_data)
    if results.make_test:
        lines += make_test_section(results.make_test)
    lines += targets_section(results)
    if results.profiles:
        lines += profile_section(results.profiles)
    if before:
        lines += [f"## {BEFORE}", "", before.strip(), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
