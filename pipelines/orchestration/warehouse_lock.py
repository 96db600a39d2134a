"""One writer of the warehouse at a time, across every entry point, and never a silent wait.

DuckDB lets one process write a database file; a second one fails at once with an IO error
about a lock. Every run of the pipeline (``make run``, the daemon's runs, the UI's) holds
``<warehouse>.lock`` (an flock) from its start to its end, so the runs take turns. The lock
file names its holder, so whoever waits can say which run holds the warehouse and since when.
Before and while waiting, runs whose process is gone are ended and their pool slots freed
(pipelines/orchestration/recovery.py); the wait is bounded by BAROMETER_LOCK_TIMEOUT seconds.

The lock is per process and re-entrant: ``make run`` takes it once for all its waves, and the
warehouse resource of each run it executes finds it already held.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg

from pipelines import paths
from pipelines.orchestration.recovery import describe, recover, run_process, since, slot_holders

TIMEOUT_ENV = "BAROMETER_LOCK_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 600.0
POOL = "warehouse"
_POLL_SECONDS = 1.0
_HOLDER_READS = 20


class WarehouseBusy(RuntimeError):
    """The warehouse stayed held by a live run for longer than the caller would wait."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: written into the lock file by its holder."""

    pid: int
    entry: str
    since: float
    run_id: str | None = None

    def describe(self) -> str:
        running = f", now run {self.run_id}" if self.run_id else ""
        return (
            f"{self.entry} (pid {self.pid}{running}) holds the warehouse since {since(self.since)}"
        )


@dataclass
class _Held:
    fd: int
    holder: Holder
    depth: int


_held: dict[Path, _Held] = {}


def lock_path() -> Path:
    warehouse = paths.warehouse_path()
    return warehouse.with_name(warehouse.name + ".lock")


def wait_timeout() -> float:
    return float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_SECONDS))


def try_lock(path: Path, holder: Holder) -> Holder | None:
    """Take the lock for this process (again, if it holds it): None. Else the holder."""
    if path in _held:
        _held[path].depth += 1
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return _current_holder(path)
    _held[path] = _Held(fd=fd, holder=holder, depth=1)
    _write_holder(path)
    return None


def unlock(path: Path) -> None:
    held = _held[path]
    held.depth -= 1
    if held.depth == 0:
        del _held[path]
        os.close(held.fd)  # closing the only descriptor releases the flock


def note_run(path: Path, run_id: str) -> None:
    """Record the run this process executes now in the lock file it holds."""
    held = _held[path]
    held.holder = Holder(held.holder.pid, held.holder.entry, held.holder.since, run_id)
    _write_holder(path)


def read_holder(path: Path) -> Holder | None:
    try:
        return Holder(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # not written yet by a holder that has just taken it


def _current_holder(path: Path) -> Holder:
    """The holder of a taken lock; it writes itself in right after taking it."""
    for _ in range(_HOLDER_READS):
        if (holder := read_holder(path)) is not None:
            return holder
        time.sleep(_POLL_SECONDS / _HOLDER_READS)
    return Holder(pid=0, entry="a process that did not say who it is", since=time.time())


def _write_holder(path: Path) -> None:
    held = _held[path]
    data = json.dumps(asdict(held.holder)).encode()
    os.ftruncate(held.fd, 0)
    os.pwrite(held.fd, data, 0)


@dataclass(frozen=True)
class _Blocker:
    """Who keeps this process from the warehouse: ``who`` for one holder however many runs
    it goes through, ``run_id`` the run it executes now (if known)."""

    who: str
    text: str
    run_id: str | None


@contextmanager
def hold_warehouse(
    instance: dg.DagsterInstance,
    *,
    entry: str,
    report: Callable[[str], None],
    run_id: str | None = None,
    timeout: float | None = None,
) -> Iterator[Path]:
    """Hold the warehouse lock for ``run_id`` (or for the runs this process will start),
    once no live run holds it or a slot of the pool `warehouse`.

    Ends dead runs first (saying so through ``report``), says once per holder who is waited
    for, and raises WarehouseBusy after ``timeout`` seconds (BAROMETER_LOCK_TIMEOUT).
    """
    timeout = wait_timeout() if timeout is None else timeout
    path = lock_path()
    me = Holder(pid=os.getpid(), entry=entry, since=time.time())
    deadline = time.monotonic() + timeout
    shown = None
    while True:
        for line in recover(instance):
            report(line)
        blocker = _blocker(instance, path, me, run_id)
        if blocker is None:
            break
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"gave up after {timeout:g} s: {blocker.text}. Wait for that run to end or "
                f"stop it (docs/operations.md); {TIMEOUT_ENV} sets how long to wait."
            )
        # Said once per holder; not for another step process of this same run (the
        # multiprocess executor), which is no news.
        if blocker.who != shown and (run_id is None or blocker.run_id != run_id):
            report(f"waiting (at most {timeout:g} s, {TIMEOUT_ENV}): {blocker.text}")
            shown = blocker.who
        time.sleep(_POLL_SECONDS)
    try:
        if run_id is not None:
            note_run(path, run_id)
        yield path
    finally:
        unlock(path)


def _blocker(
    instance: dg.DagsterInstance, path: Path, me: Holder, run_id: str | None
) -> _Blocker | None:
    """What stops this process from writing the warehouse now; None once it holds the lock.

    A run holds the lock from its start, before its steps claim pool slots; a slot held by
    another live run without the lock (between two step processes of the multiprocess
    executor, which take the lock each) still means that run writes, so it is waited for
    too. Slots of our own run (claimed by a multiprocess parent for this very step) or of
    runs of this process are ours."""
    holder = try_lock(path, me)
    if holder is not None:
        return _Blocker(f"pid {holder.pid}", holder.describe(), holder.run_id)
    for run in slot_holders(instance, POOL):
        if run.run_id == run_id:
            continue
        process = run_process(instance, run.run_id)
        if process is not None and process.pid == os.getpid():
            continue
        if not run.is_finished:
            unlock(path)
            started = process.started if process else time.time()
            text = (
                f"run {run.run_id} ({describe(run)}) holds a slot of pool {POOL!r}, "
                f"started {since(started)}"
            )
            return _Blocker(f"run {run.run_id}", text, run.run_id)
    return None
