"""Ctrl-C and SIGTERM during ``make run``: the first stops, a second exits at once.

Within a run Dagster owns SIGINT and SIGTERM (``capture_interrupts``): a signal raises inside
the step running (or at the start of the next one), the step fails and the run ends FAILURE
with "Execution was interrupted". What a step leaves behind is safe to stop at any point:
the warehouse steps write in transactions, a release version appears by one rename and
LATEST by another, the catalog by one more. Outside a run both signals raise
KeyboardInterrupt.

Dagster takes SIGTERM to mean what SIGINT's handler does: when a run ends it sets SIGTERM's
handler to SIGINT's. A process started with SIGINT ignored (``nohup make run &``, a job
started in the background by a shell) would then ignore SIGTERM between runs, and so would
every process it started there. So the block below handles SIGINT with Python's own handler
(KeyboardInterrupt) whatever the process inherited, and gives back what it found when it ends.

Dagster ignores a second signal. ``signal.set_wakeup_fd`` sees every signal, whichever
Python handler is installed, so a watcher thread counts them: the first marks the stop as
requested (no further wave starts), a second one — or the first one left unanswered for
``GRACE_SECONDS`` — ends the process at once. A run ended that way stays STARTED until the
next run or the daemon finds its process gone (pipelines/orchestration/recovery.py).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Only for a step that does not return to Python (a long query); interrupts take effect in
# well under a second otherwise.
GRACE_SECONDS = 30.0


@dataclass
class StopRequest:
    """The first stop signal received, if any."""

    signum: int | None = None
    _event: threading.Event = field(default_factory=threading.Event)
    _deadline: threading.Timer | None = None

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum or signal.SIGINT).name


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Watch SIGINT and SIGTERM for the block; must be entered in the main thread."""
    stop = StopRequest()
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_term = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_end, stop), daemon=True)
    watcher.start()
    try:
        yield stop
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)
        os.close(write_end)  # the watcher reads end of file and returns
        watcher.join()
        os.close(read_end)
        # after the watcher is done: a signal it read only now (the block ended on it) set
        # a deadline that would end the process later
        if stop._deadline is not None:
            stop._deadline.cancel()


def _watch(read_end: int, stop: StopRequest) -> None:
    while data := os.read(read_end, 64):
        for signum in (s for s in data if s in STOP_SIGNALS):
            if stop.requested:
                _exit_now(signum, "a second stop signal")
            stop.signum = signum
            stop._event.set()
            name = signal.Signals(signum).name
            print(
                f"\n{name}: stopping the current run; the releases stay as they were. "
                "Press Ctrl-C again to exit at once.",
                file=sys.stderr,
                flush=True,
            )
            stop._deadline = threading.Timer(GRACE_SECONDS, _exit_now, (signum, "no stop in time"))
            stop._deadline.daemon = True
            stop._deadline.start()


def _exit_now(signum: int, why: str) -> None:
    print(
        f"{why}: exiting at once; the next run marks the unfinished run failed.",
        file=sys.stderr,
        flush=True,
    )
    os._exit(128 + signum)
