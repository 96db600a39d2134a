"""Great Expectations in a second process beside `make run` (docs/design.md, decision 57).

`make run` works in one process, on one core of the two here. Of a run that redoes a wave,
a third is Great Expectations: importing it (2 s), validating the wave's marts (2 s) and
rendering a new version's quality pages (1.5 s). None of that needs the warehouse: a mart's
wave goes in as a DataFrame, a verdict or pages come out. So `make run` hands it to this
worker, which it starts as the first wave with a gate to run starts (``beside_run``):

- the worker imports GX while the run ingests and estimates;
- a mart's asset, once built, begins the mart's validation here (``begin_validation``), and
  the mart's blocking check takes the verdict (``validate``), by then made or nearly;
- publishing begins a new version's pages here (``begin_pages``), writes the version's open
  data meanwhile, and waits for the pages before the version is renamed into place.

The worker runs the same functions, ``run_gate`` and ``write_pages``, on the same values, so
the verdicts and pages are those the run would make itself (tests/unit/quality/
test_worker.py compares them). Without a worker they run in the calling process, as they
always did: the runs the Dagster UI, the sensor and the schedule launch, a job executed in
process (the tests' runs of it), a delivery over ``LARGEST_DELIVERY`` bytes, and a process
that has imported GX already, whose import is the cost a worker hides.

The worker ends with the run: when ``beside_run``'s block ends (what is queued or under way
then is not wanted), when its parent dies (end of file on its requests, and on Linux
``PR_SET_PDEATHSIG``, so that a run killed by SIGKILL leaves no process writing into its
staging folder). It ignores SIGINT: Ctrl-C reaches the whole process group, and the run
decides what it means (pipelines/orchestration/interrupts.py).
"""

from __future__ import annotations

import gc
import itertools
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from pipelines.quality.mart_validation import GateResult

_PROJECT = Path(__file__).resolve().parents[2]
# What the worker's interpreter runs, before it imports anything of the project: Ctrl-C is
# the run's to answer, and the worker dies with its parent (prctl PR_SET_PDEATHSIG, Linux).
_BOOT = """
import ctypes, gc, os, signal, sys
gc.disable()  # until serve() has imported GX (see there)
signal.signal(signal.SIGINT, signal.SIG_IGN)
if sys.platform.startswith("linux"):
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
if os.getppid() == int(sys.argv[1]):  # else the run ended before the signal was asked for
    from pipelines.quality.worker import serve
    serve(int(sys.argv[2]), int(sys.argv[3]))
"""
# A delivery larger than this runs its GX work in the run's own process. At a million
# respondents (a 221 MB CSV) DuckDB keeps both cores busy, so the worker saved no time (35.65 s
# with it, 34.81 s without), and its 0.27 GiB took the run past its 1.5 GiB (1.59 GiB, the
# two processes sampled together); the sample waves are about 1 MB, 100 000 respondents 22 MB.
LARGEST_DELIVERY = 64 * 2**20
# How long the end of a run waits for the worker to exit (it does at once) before it kills it.
_CLOSE_SECONDS = 10.0


class WorkerGone(RuntimeError):
    """The worker ended before it answered (killed, or out of memory)."""


class GxWorker:
    """A child Python that imports GX at once and runs the gate's jobs in the order sent."""

    def __init__(self) -> None:
        requests_read, requests_write = os.pipe()
        results_read, results_write = os.pipe()
        path = os.pathsep.join(filter(None, [str(_PROJECT), os.environ.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(os.getpid()), str(requests_read), str(results_write)],
            pass_fds=(requests_read, results_write),
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
        os.close(requests_read)
        os.close(results_write)
        self._requests = Connection(requests_write, readable=False)
        self._results = Connection(results_read, writable=False)
        self._numbers = itertools.count()
        self._pending: dict[int, Future] = {}
        self._gone: WorkerGone | None = None
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="gx-worker", daemon=True)
        self._reader.start()
        # validations begun (begin_validation), by mart, rows, minimum cell size and folder
        self.begun: dict[tuple, Future] = {}

    @property
    def pid(self) -> int:
        return self._process.pid

    def submit(self, job: str, *args) -> Future:
        """Send ``job`` (``gate`` or ``pages``) with ``args``; its answer comes as the future's
        result, or as the exception it raised."""
        future: Future = Future()
        with self._lock:
            if self._gone is None:
                number = next(self._numbers)
                self._pending[number] = future
                try:
                    # under the lock: one message at a time on the pipe
                    self._requests.send_bytes(pickle.dumps((number, job, args)))
                    return future
                except OSError:
                    del self._pending[number]  # it ended: the reader says how
        self._reader.join()
        future.set_exception(self._gone)
        return future

    def close(self) -> None:
        """End the worker: it exits at once, dropping what is queued or under way."""
        self._requests.close()
        try:
            self._process.wait(timeout=_CLOSE_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._reader.join()
        self._results.close()

    def _read(self) -> None:
        why = ""
        while True:
            try:
                message = self._results.recv_bytes()
            except (EOFError, OSError):
                break
            try:
                number, ok, value = pickle.loads(message)
            except Exception as error:
                # an answer this process cannot read: nothing more from the worker is
                # trusted, and whatever waits on it is told why rather than left waiting
                why = f" (its answer could not be read: {error!r})"
                self._process.kill()
                break
            with self._lock:
                future = self._pending.pop(number)
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        code = self._process.wait()
        gone = WorkerGone(
            f"the Great Expectations worker (pid {self.pid}) ended with exit code {code} "
            f"before it answered{why}"
        )
        with self._lock:
            self._gone, pending = gone, list(self._pending.values())
            self._pending.clear()
        for future in pending:
            future.set_exception(gone)


_current: GxWorker | None = None


def running() -> GxWorker | None:
    """The worker this process hands GX's work to, if it started one."""
    return _current


@contextmanager
def beside_run() -> Iterator[Callable[[Path], None]]:
    """A block whose waves hand GX's work to a worker where it pays. The callable yielded
    is told each wave's responses file before the wave runs: a worker is started for a
    delivery up to ``LARGEST_DELIVERY`` bytes, unless this process has imported GX (or has
    a worker already), and ended before a larger one. The worker ends with the block."""
    started: list[GxWorker] = []

    def end() -> None:
        global _current
        if started:
            worker, _current = started.pop(), None
            worker.close()

    def for_wave(responses: Path) -> None:
        global _current
        if not pays_for(responses):
            end()
        elif _current is None and "great_expectations" not in sys.modules:
            _current = GxWorker()
            started.append(_current)

    try:
        yield for_wave
    finally:
        end()


def pays_for(responses: Path) -> bool:
    """Whether a wave whose delivery is ``responses`` gets a worker (``LARGEST_DELIVERY``)."""
    return responses.stat().st_size <= LARGEST_DELIVERY


def validate(
    mart: str, df: pd.DataFrame, min_cell_size: int, docs_dir: Path | None, rows: str
) -> GateResult:
    """``run_gate``'s verdict on one wave of ``mart`` (``rows``: the digest of ``df``): the
    worker's, from a validation begun for the same rows if there is one; or this process's
    own where no worker runs."""
    worker = _current
    if worker is None:
        from pipelines.quality.mart_validation import run_gate

        return run_gate(mart, df, min_cell_size, docs_dir)
    begun = worker.begun.pop((mart, rows, min_cell_size, docs_dir), None)
    return (begun or worker.submit("gate", mart, df, min_cell_size, docs_dir)).result()


def begin_validation(
    mart: str, df: pd.DataFrame, min_cell_size: int, docs_dir: Path | None, rows: str
) -> None:
    """Begin validating one wave of ``mart`` in the worker, for ``validate`` to take; nothing
    where no worker runs (``validate`` then validates)."""
    worker = _current
    key = (mart, rows, min_cell_size, docs_dir)
    if worker is not None and key not in worker.begun:
        worker.begun[key] = worker.submit("gate", mart, df, min_cell_size, docs_dir)


def begin_pages(results: Sequence[GateResult], folder: Path, min_cell_size: int) -> Future:
    """``write_pages`` begun in the worker; where none runs, made here before this returns."""
    worker = _current
    if worker is not None:
        return worker.submit("pages", tuple(results), folder, min_cell_size)
    from pipelines.quality.pages import write_pages

    done: Future = Future()
    done.set_result(write_pages(results, folder, min_cell_size))
    return done


def serve(requests_fd: int, results_fd: int) -> None:
    """The worker's side (``_BOOT`` calls it): answer each job in turn until the run ends."""
    requests = Connection(requests_fd, writable=False)
    results = Connection(results_fd, readable=False)
    queued: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def receive() -> None:
        # bytes only: unpickling a frame here would import pandas beside the imports below
        while True:
            try:
                queued.put(requests.recv_bytes())
            except (EOFError, OSError):
                # the run is over, or gone: nothing queued or under way is wanted, and the
                # interpreter's teardown would take a second
                os._exit(0)

    threading.Thread(target=receive, name="gx-worker-requests", daemon=True).start()
    # what this process is for: the imports, made while the run works on its first steps
    # (mart_validation and pages import GX only when they first validate or render)
    import great_expectations  # noqa: F401

    from pipelines.quality.mart_validation import run_gate
    from pipelines.quality.pages import write_pages

    # What the imports made (GX, pandas: millions of objects) lives as long as the worker.
    # Python's full collections walked it, four times during the imports and three to four
    # times during a changed wave's jobs (0.1-0.2 s each, the later the longer): made
    # without the collector (_BOOT) and then frozen, it is walked no more.
    gc.freeze()
    gc.enable()
    jobs = {"gate": run_gate, "pages": write_pages}
    while True:
        number, job, args = pickle.loads(queued.get())
        try:
            answer = (number, True, jobs[job](*args))
        except Exception as error:
            answer = (number, False, _sendable(error))
        results.send_bytes(pickle.dumps(answer))


def _sendable(error: Exception) -> Exception:
    """``error`` with the worker's traceback as a note where it is one of Python's own;
    another (GX's) as a RuntimeError that says what it was, since unpickling it would
    import its library into the run's reading thread."""
    text = "in the Great Expectations worker:\n" + "".join(traceback.format_exception(error))
    if type(error).__module__ != "builtins":
        return RuntimeError(text)
    error.add_note(text)
    return error
