"""Whether a process of this machine is still alive, guarded against reused process ids."""

from __future__ import annotations

import os
from pathlib import Path

# /proc/<pid>/stat gives a process's start in clock ticks since boot, /proc/stat the boot
# time in whole seconds: a start time read this way is good to about a second.
_START_SLACK_SECONDS = 2.0


def process_alive(pid: int, started_by: float | None = None) -> bool:
    """True when process ``pid`` runs (not a zombie) and, if ``started_by`` (a Unix time) is
    given, did not start after it: a younger process has reused the id of a dead one."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user
    if not Path("/proc/self/stat").exists():  # no /proc (macOS): os.kill is all there is
        return True
    try:
        state, start = _proc_stat(pid)
    except FileNotFoundError:  # ended since os.kill
        return False
    if state == "Z":  # killed, not yet reaped by its parent: gone for our purposes
        return False
    return started_by is None or start <= started_by + _START_SLACK_SECONDS


def _proc_stat(pid: int) -> tuple[str, float]:
    """(state letter, start as Unix time) of ``pid`` from /proc."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name (2nd field) may hold spaces and parentheses; fields after its last ")".
    fields = raw[raw.rindex(")") + 2 :].split()
    state, start_ticks = fields[0], int(fields[19])
    return state, _boot_time() + start_ticks / os.sysconf("SC_CLK_TCK")


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise RuntimeError("/proc/stat has no btime line")
