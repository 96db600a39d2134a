"""Running one measured thing in a child process: wall time, peak RSS and its own report.

The peak RSS is the child's `ru_maxrss` from wait4(2): that process alone, not the bench
and not other children.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


class ChildFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    peak_rss_bytes: int
    # what the child wrote to its report file (its own timings)
    report: dict = field(default_factory=dict)


def run_process(
    argv: list[str], *, env: dict[str, str], cwd: Path, log: Path
) -> tuple[int, float, int]:
    """Run `argv` with its output in `log`: its exit code, wall seconds and peak RSS bytes."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    # wait4 reaped the child behind Popen's back: told, it does not warn of a child still running
    child.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB
    return child.returncode, wall, usage.ru_maxrss * 1024


def run_child(
    args: list[str], *, env: dict[str, str], cwd: Path, log: Path, report: Path | None = None
) -> Measurement:
    """Run `python <args>` with its output in `log`; `report` is the JSON file it writes."""
    if report is not None:
        report.unlink(missing_ok=True)
    code, wall, rss = run_process([sys.executable, *args], env=env, cwd=cwd, log=log)
    if code != 0:
        raise ChildFailed(f"python {' '.join(args)} exited with {code}; see {log}")
    found = json.loads(report.read_text(encoding="utf-8")) if report is not None else {}
    return Measurement(wall_s=wall, peak_rss_bytes=rss, report=found)
