"""The benchmark's figures and the Markdown page they are written to (bench/results.md)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.compare import MartComparison
from bench.measure import Measurement

GIB = 1 << 30
# The performance targets the pipeline is held to (bench/results.md reports against them).
MAX_RATIO = 2.0  # pipeline / baseline at the largest size, start-up excluded
MAX_RSS = 2 * GIB  # pipeline peak RSS at the largest size
MAX_TENFOLD_GROWTH = 12.0  # time growth from 100 000 to 1 000 000 respondents
MAX_MAKE_RUN_S = 20.0  # make run on the three sample waves, warm
MAX_OPEN_DATA_S = 1.0  # what the open-data files add to a warm make run
TARGET_SIZE = 1_000_000


def median_of(measurements: list[Measurement], key: str) -> float:
    return statistics.median(m.report[key] for m in measurements)


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
        return max(m.peak_rss_bytes for m in self.pipeline)

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
    sizes: list[SizeResult]
    startup: list[Measurement]
    make_run: list[Measurement]  # empty when not measured
    # the child's report (bench/open_data.py) on make run's releases; None when not measured
    open_data: dict | None
    runs: int
    machine: str  # e.g. "2 cores, 23 GiB RAM, Python 3.11.7, duckdb 1.2"

    def size(self, respondents: int) -> SizeResult | None:
        return next((s for s in self.sizes if s.respondents == respondents), None)

    @property
    def all_identical(self) -> bool:
        return all(s.marts.identical for s in self.sizes)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _gib(value: int) -> str:
    return f"{value / GIB:.2f} GiB"


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
            f"| {_n(s.respondents)} | {s.pipeline_s:.2f} | {s.baseline_s:.2f} | {s.ratio:.2f} "
            f"| {s.pipeline_wall_s:.2f} | {_gib(s.pipeline_rss)} | {_gib(s.baseline_rss)} "
            f"| {_marts(s.marts)} |"
        )
    return lines


def growth_table(results: BenchResults) -> list[str]:
    pairs = list(zip(results.sizes, results.sizes[1:], strict=False))
    if not pairs:
        return []
    head = " | ".join(f"{_n(a.respondents)} → {_n(b.respondents)}" for a, b in pairs)
    return [
        f"| time grows by | {head} |",
        "|---|" + "---:|" * len(pairs),
        "| pipeline | "
        + " | ".join(f"{b.pipeline_s / a.pipeline_s:.2f} ×" for a, b in pairs)
        + " |",
        "| baseline | "
        + " | ".join(f"{b.baseline_s / a.baseline_s:.2f} ×" for a, b in pairs)
        + " |",
    ]


def targets(results: BenchResults) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met); met is None where the bench did not measure it."""
    largest = results.size(TARGET_SIZE)
    tenth = results.size(TARGET_SIZE // 10)
    found: list[tuple[str, str, bool | None]] = []
    if largest is None:
        found += [
            (f"pipeline ≤ {MAX_RATIO:g} × baseline at {_n(TARGET_SIZE)}", "not measured", None),
            (f"peak RSS ≤ {_gib(MAX_RSS)} at {_n(TARGET_SIZE)}", "not measured", None),
        ]
    else:
        found += [
            (
                f"pipeline ≤ {MAX_RATIO:g} × baseline at {_n(TARGET_SIZE)}",
                f"{largest.ratio:.2f} ×",
                largest.ratio <= MAX_RATIO,
            ),
            (
                f"peak RSS ≤ {_gib(MAX_RSS)} at {_n(TARGET_SIZE)}",
                _gib(largest.pipeline_rss),
                largest.pipeline_rss <= MAX_RSS,
            ),
        ]
    if largest is None or tenth is None:
        found.append((f"100 000 → 1 000 000 ≤ {MAX_TENFOLD_GROWTH:g} × time", "not measured", None))
    else:
        growth = largest.pipeline_s / tenth.pipeline_s
        found.append(
            (
                f"100 000 → 1 000 000 ≤ {MAX_TENFOLD_GROWTH:g} × time",
                f"{growth:.2f} ×",
                growth <= MAX_TENFOLD_GROWTH,
            )
        )
    if results.make_run:
        wall = statistics.median(m.wall_s for m in results.make_run)
        found.append(
            (f"make run, warm ≤ {MAX_MAKE_RUN_S:g} s", f"{wall:.1f} s", wall <= MAX_MAKE_RUN_S)
        )
    else:
        found.append((f"make run, warm ≤ {MAX_MAKE_RUN_S:g} s", "not measured", None))
    target = f"open data added to make run, warm ≤ {MAX_OPEN_DATA_S:g} s"
    if results.open_data:
        added = results.open_data["warm_s"]
        # a start-up that imports the writers pays their import on every run
        if results.open_data["writers_at_start_up"]:
            added += results.open_data["import_s"]
        found.append((target, f"{added:.3f} s", added <= MAX_OPEN_DATA_S))
    else:
        found.append((target, "not measured", None))
    return found


def open_data_table(report: dict) -> list[str]:
    waves = report["waves"]
    formats = sorted({f for w in waves.values() for f in w["bytes"]})
    loaded = ", ".join(report["writers_at_start_up"]) or "neither rdflib nor xlsxwriter"
    made = report["import_s"] + sum(w["seconds"] for w in waves.values())
    lines = [
        f"Open data (`bench/open_data.py`): made only with a new version, so a warm `make run` "
        f"makes none. What it adds there: listing the versions' files for the catalog's "
        f"`release_files`, {report['warm_s'] * 1000:.0f} ms; its start-up imports {loaded}. "
        f"A run that makes new versions of the three waves spends {made:.2f} s on them "
        f"(importing the writers {report['import_s']:.2f} s, then per wave, median of the "
        f"runs, below); their size beside the Parquet's:",
        "",
        "| wave | s | " + " | ".join(formats) + " | Parquet |",
        "|---:|---:|" + "---:|" * (len(formats) + 1),
    ]
    for wave, w in waves.items():
        sizes = " | ".join(f"{w['bytes'].get(f, 0) / 1024:.0f} KiB" for f in formats)
        lines.append(
            f"| {wave} | {w['seconds']:.2f} | {sizes} | {w['parquet_bytes'] / 1024:.0f} KiB |"
        )
    return lines


def render(results: BenchResults) -> str:
    lines = [
        "# Benchmark",
        "",
        f"Written by `make bench` (`python -m bench`). Machine: {results.machine}.",
        "",
        "Delivery: wave 2020 as CSV from `python -m sample --seed 1`. "
        f"{results.runs} run(s) of each, each in a process of its own: median time, "
        "peak RSS the largest of the runs.",
        "",
        "- **pipeline**: the Dagster job `wave_job` in-process against an ephemeral instance, "
        "as `make run` runs a wave (raw delivery, reference, ingest validated by pandera, "
        "respondents, five marts, five GX gates, release, report), on an empty warehouse "
        "and marts folder; start-up excluded (below).",
        "- **baseline**: `bench/baseline.py`, DuckDB's read_csv and the same sql/ models "
        "(reference, weights, respondents, marts), nothing else, with the DuckDB memory limit "
        "of the pipeline's warehouse connection.",
        "",
        *size_table(results),
        "",
        *growth_table(results),
        "",
    ]
    startup = statistics.median(m.wall_s for m in results.startup)
    inside = median_of(results.startup, "startup_s")
    lines += [
        f"Fixed start-up (importing Dagster, the definitions, Great Expectations and "
        f"matplotlib, making the instance), a process that only starts up: {startup:.2f} s wall "
        f"({inside:.2f} s after the interpreter started), peak RSS "
        f"{_gib(max(m.peak_rss_bytes for m in results.startup))}.",
        "",
    ]
    if results.make_run:
        walls = ", ".join(f"{m.wall_s:.1f}" for m in results.make_run)
        lines += [
            "`make run` on the three sample waves, warm (`python -m pipelines.orchestration.run` "
            f"after one unmeasured run, own instance and folders): median "
            f"{statistics.median(m.wall_s for m in results.make_run):.1f} s (runs: {walls} s).",
            "",
        ]
    if results.open_data:
        lines += [*open_data_table(results.open_data), ""]
    lines += ["| target | measured | met |", "|---|---:|---|"]
    for target, measured, met in targets(results):
        lines.append(
            f"| {target} | {measured} | {'—' if met is None else 'yes' if met else 'NO'} |"
        )
    largest = results.sizes[-1]
    lines += [
        "",
        f"Pipeline steps at {_n(largest.respondents)} respondents (median seconds):",
        "",
        "| step | s |",
        "|---|---:|",
        *(f"| {step} | {seconds:.2f} |" for step, seconds in largest.steps().items()),
    ]
    differing = [e for s in results.sizes for e in s.marts.examples]
    if differing:
        lines += ["", "Mart rows that differ (pipeline, baseline):", ""]
        lines += [f"- {e}" for e in differing]
    return "\n".join(lines) + "\n"
