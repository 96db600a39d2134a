"""Where a `make run` spends its time: one run with nothing changed and one with a wave's
frame changed, each under cProfile, on the bench's copy of the sample waves
(bench/scenarios.py); their top functions by cumulative and by own time go to
bench/results.md."""

from __future__ import annotations

import pstats
import site
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import Sample
from pipelines.provenance import PROJECT_ROOT

TOP = 15
# longest first: the project's .venv lies under PROJECT_ROOT, and its files are named from it
_PREFIXES = sorted(
    [*site.getsitepackages(), sysconfig.get_paths()["stdlib"], str(PROJECT_ROOT)],
    key=len,
    reverse=True,
)


@dataclass(frozen=True)
class Line:
    cumulative_s: float
    own_s: float
    calls: int
    function: str


@dataclass(frozen=True)
class Profile:
    name: str
    wall_s: float  # the profiled run's, cProfile's overhead included
    total_s: float  # what cProfile counted
    top: list[Line]  # by cumulative time: the calls that the run's time is spent under
    # by own time: where it is spent, which the cumulative top (callers of callers) hides
    top_own: list[Line]


def read_profile(name: str, wall_s: float, path: Path, lines: int = TOP) -> Profile:
    """The `lines` functions of cProfile's file `path` with the largest cumulative time, and
    the `lines` with the largest own time."""
    stats = pstats.Stats(str(path))
    found = [
        Line(cumulative, own, calls, _function(where))
        for where, (_, calls, own, cumulative, _) in stats.stats.items()
    ]
    top = sorted(found, key=lambda line: -line.cumulative_s)[:lines]
    top_own = sorted(found, key=lambda line: -line.own_s)[:lines]
    return Profile(name, wall_s, stats.total_tt, top, top_own)


def _function(where: tuple[str, int, str]) -> str:
    file, line, name = where
    if file == "~":  # a built-in: pstats names it in full already
        return name
    for prefix in _PREFIXES:
        if file.startswith(prefix + "/"):
            file = file[len(prefix) + 1 :]
            break
    return f"{file}:{line}({name})"


def measure_profiles(sample: Sample, wave: int, say: Callable[[str], None]) -> list[Profile]:
    """A warm run with nothing changed, then one with `wave`'s frame changed, profiled."""
    if not sample.warm:
        sample.reset()
        sample.run("profile-warm-up")
    unchanged = _profiled(sample, "nothing changed", say)
    sample.change_frame(wave, 1)
    return [unchanged, _profiled(sample, f"wave {wave} changed", say)]


def _profiled(sample: Sample, name: str, say: Callable[[str], None]) -> Profile:
    path = sample.home / f"profile {name}.prof"
    run = sample.run(f"profile {name}", profile=path)
    say(f"profiled make run, {name}: {run.measurement.wall_s:.1f} s")
    return read_profile(name, run.measurement.wall_s, path)
