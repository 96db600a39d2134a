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


def run_child(
    args: list[str], *, env: dict[str, str], cwd: Path, log: Path, report: Path | None = None
) -> Measurement:
    """Run `python <args>` with its output in `log`; `report` is the JSON file it writes."""
    log.parent.mkdir(parents=True, exist_ok=True)
    if report is not None:
        report.unlink(missing_ok=True)
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *args], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise ChildFailed(f"python {' '.join(args)} exited with {child.returncode}; see {log}")
    found = json.loads(report.read_text(encoding="utf-8")) if report is not None else {}
    # Linux reports ru_maxrss in KiB
    return Measurement(wall_s=wall, peak_rss_bytes=usage.ru_maxrss * 1024, report=found)
