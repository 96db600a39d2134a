"""``python -m pipelines.orchestration.run`` that signals itself the first time a named function is
called.

    python tests/crash_at.py pipelines.publish.release:_point_latest SIGKILL

The function is looked up in its module when called, so the signal arrives exactly there:
inside the step that calls it, before it runs; the run's GX worker's pid is printed first.
``SIGINT*2`` sends SIGINT, ignores the interruption (as a step stuck in a long query would)
and sends a second SIGINT.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import runpy
import signal
import sys
import time


def signal_before(target: str, how: str) -> None:
    module_name, name = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    @functools.wraps(original)
    def hooked(*args, **kwargs):
        say_gx_worker()
        if how == "SIGINT*2":
            ignore_one_interrupt_then_interrupt_again()
        else:
            os.kill(os.getpid(), signal.Signals[how])
            time.sleep(30)  # SIGINT and SIGTERM raise here, inside the step
        return original(*args, **kwargs)

    setattr(module, name, hooked)


def say_gx_worker() -> None:
    """Print the pid of the run's GX worker (pipelines/quality/worker.py), which the test
    checks has ended with the run."""
    from pipelines.quality.worker import running

    worker = running()
    print(f"crash_at: GX worker {worker.pid if worker else None}", flush=True)


def ignore_one_interrupt_then_interrupt_again() -> None:
    # Dagster raises its interruption inside the step, here; it is swallowed.
    with contextlib.suppress(BaseException):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
    with contextlib.suppress(BaseException):
        os.kill(os.getpid(), signal.SIGINT)
    while True:  # deaf from now on: only an exit from outside ends the process
        with contextlib.suppress(BaseException):
            time.sleep(60)


if __name__ == "__main__":
    signal_before(sys.argv[1], sys.argv[2])
    sys.argv = ["pipelines.orchestration.run"]
    runpy.run_module("pipelines.orchestration.run", run_name="__main__", alter_sys=True)
