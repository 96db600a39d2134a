"""`make run` as a data engineer meets it: `python -m pipelines.orchestration.run` on a copy
of the sample waves, from scratch, with nothing changed and with one wave's frame changed.

The copy has a folder of its own: a DAGSTER_HOME with a copy of the project's dagster.yaml
(which keeps the instance in .dagster/ there), a copy of the raw folder, and its own marts
folder and warehouse. Each run's wall time is its child process's, start to exit, start-up
included; a run that exits other than 0 stops the bench (bench/measure.py: run_child).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Measurement, run_child
from bench.workspace import child_env, fresh
from pipelines.provenance import PROJECT_ROOT
from pipelines.publish.layout import latest_version, release_dirs

MODULE = "pipelines.orchestration.run"
FRAME = "frame.csv"
POPULATION = "n_population"  # a weighting cell's count (delivery contract §3)


@dataclass(frozen=True)
class MakeRun:
    measurement: Measurement
    # wave -> the version LATEST names after the run, for the waves the run gave a new one
    new_versions: dict[int, str]

    @property
    def wall_s(self) -> float:
        return self.measurement.wall_s


@dataclass(frozen=True)
class Scenarios:
    from_scratch: list[MakeRun]
    unchanged: list[MakeRun]
    changed: dict[int, list[MakeRun]]  # the wave whose frame was changed -> its runs


class Sample:
    """The copy of the sample waves and the instance, warehouse and marts of its runs."""

    def __init__(self, home: Path, raw: Path):
        self.home = home
        self.raw = raw
        # whether a run succeeded since the last reset: a folder left by an earlier bench
        # was made by other code, so it is never taken for warm
        self.warm = False

    @property
    def marts(self) -> Path:
        return self.home / "marts"

    def reset(self) -> None:
        """Empty instance, warehouse and marts; the raw folder copied afresh."""
        fresh(self.home)
        shutil.copy(PROJECT_ROOT / "dagster.yaml", self.home / "dagster.yaml")
        (self.home / ".dagster").mkdir()
        shutil.copytree(self.raw, self.home / "raw")
        self.warm = False

    def run(self, name: str, profile: Path | None = None) -> MakeRun:
        """One run, logged to logs/<name>.log; under cProfile writing `profile` if given."""
        env = child_env(
            DAGSTER_HOME=self.home,
            BAROMETER_RAW_DIR=self.home / "raw",
            BAROMETER_MARTS_DIR=self.marts,
            BAROMETER_WAREHOUSE=self.home / "warehouse.duckdb",
        )
        profiler = [] if profile is None else ["-m", "cProfile", "-o", str(profile)]
        args = [*profiler, "-m", MODULE]
        before = self.latest()
        measured = run_child(args, env=env, cwd=self.home, log=self.home / "logs" / f"{name}.log")
        self.warm = True
        after = self.latest()
        return MakeRun(measured, {w: v for w, v in after.items() if before.get(w) != v})

    def latest(self) -> dict[int, str | None]:
        return {wave: latest_version(path) for wave, path in release_dirs(self.marts).items()}

    def change_frame(self, wave: int, delta: int) -> None:
        """Add `delta` to the population count of the frame's first cell."""
        frame = self.home / "raw" / str(wave) / FRAME
        lines = frame.read_text(encoding="utf-8").splitlines(keepends=True)
        column = lines[0].rstrip("\r\n").split(",").index(POPULATION)
        row = lines[1].rstrip("\r\n")
        cells = row.split(",")
        cells[column] = str(int(cells[column]) + delta)
        lines[1] = ",".join(cells) + lines[1][len(row) :]
        frame.write_text("".join(lines), encoding="utf-8")


def measure_scenarios(
    sample: Sample, runs: int, changed_waves: tuple[int, ...], say: Callable[[str], None]
) -> Scenarios:
    """`runs` runs from scratch; then, warm from the last of them, `runs` with nothing
    changed and, per wave of `changed_waves`, `runs` with that wave's frame changed."""
    from_scratch = []
    for run in range(1, runs + 1):
        sample.reset()
        from_scratch.append(sample.run(f"from-scratch-{run}"))
    say(f"make run, from scratch: {_walls(from_scratch)} s")
    unchanged = [sample.run(f"unchanged-{run}") for run in range(1, runs + 1)]
    say(f"make run, nothing changed: {_walls(unchanged)} s")
    changed = {}
    for wave in changed_waves:
        changed[wave] = []
        for run in range(1, runs + 1):
            # +1 before each run, so that every run's frame is one no run has seen: its
            # marts are new to the instance, and no check can take an earlier pass of them
            # (pipelines/orchestration/quality_checks.py), as a user's real change could not.
            # Going back and forth (+1, -1) made two runs of three return to a frame an
            # earlier run had judged, and measured a second faster than a real change.
            sample.change_frame(wave, 1)
            changed[wave].append(sample.run(f"changed-{wave}-{run}"))
        say(f"make run, wave {wave} changed: {_walls(changed[wave])} s")
    return Scenarios(from_scratch, unchanged, changed)


def _walls(runs: list[MakeRun]) -> str:
    return ", ".join(f"{r.wall_s:.1f}" for r in runs)
