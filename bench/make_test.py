"""`make test` as the developer runs it before a commit: wall time and whether it passed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import run_process
from bench.workspace import clean_env
from pipelines.provenance import PROJECT_ROOT

COMMAND = ("make", "test")


@dataclass(frozen=True)
class SuiteRun:
    wall_s: float
    passed: bool


def measure_make_test(
    runs: int,
    logs: Path,
    say: Callable[[str], None],
    command: tuple[str, ...] = COMMAND,
) -> list[SuiteRun]:
    """`command` run `runs` times in the project root; a failing run is recorded, not raised:
    its time still counts, and the bench's other figures are still written."""
    measured = []
    for run in range(1, runs + 1):
        log = logs / f"make-test-{run}.log"
        # make sets the project's variables itself, as on the developer's machine
        code, wall, _ = run_process(list(command), env=clean_env(), cwd=PROJECT_ROOT, log=log)
        measured.append(SuiteRun(wall, code == 0))
        say(f"{' '.join(command)}, run {run}/{runs}: {wall:.1f} s, exit {code} (log {log})")
    return measured
