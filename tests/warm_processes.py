"""``python -m pipelines.orchestration.run`` as real processes forked from one warm interpreter.

A new interpreter spends 2 to 4.5 s of CPU importing Dagster, the definitions, pandas,
matplotlib and the open-data writers before and while it runs: most of the run of the crash
tests' 40-row wave. Great Expectations is not preloaded: a run imports it in its GX worker
(pipelines/quality/worker.py), which a run that has it already does not start, and the
worker is part of what the crash tests stop. Here a multiprocessing fork server imports the
rest once per test worker, and each run is a child forked from it: a process of its own (its
pid, signal handlers, Dagster instance, DuckDB and SQLite connections, open files), which the
kernel kills as it kills a new one, and whose exit code is what a new one's would be. What a warm
run does not exercise is the interpreter's start-up: the project's first publication and
the crash tests' last run are new interpreters (tests/pipeline_processes.py).

The preloaded modules read no environment at import (pipelines/paths.py and the settings
resource read theirs as a run starts), and a warm run may only set the variables that say
where a run works (PER_RUN): ``start`` refuses any other difference from the environment
the fork server started with.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# What a run imports, at start-up or in its steps.
PRELOAD = (
    "pipelines.orchestration.run",
    "pipelines.ingest.wave",
    "pipelines.disclosure.audit",
    "pipelines.quality.mart_validation",
    "pipelines.publish.opendata.build",
    "rdflib",
    "pipelines.report",
    "matplotlib.figure",
    "tests.crash_at",
    "tests.warm_processes",
)
# The variables a warm run may set otherwise than the fork server's environment: where it
# works, and the name of the test, which pytest sets for each.
PER_RUN = frozenset(
    {
        "DAGSTER_HOME",
        "BAROMETER_RAW_DIR",
        "BAROMETER_MARTS_DIR",
        "BAROMETER_WAREHOUSE",
        "BAROMETER_LOCK_TIMEOUT",
        "PYTEST_CURRENT_TEST",
    }
)

_context = multiprocessing.get_context("forkserver")
# the environment of this process when it first forked a run: the fork server's
_server_environment: dict[str, str] | None = None


@dataclass
class WarmRun:
    """A run forked from the warm interpreter, as much of ``subprocess.Popen`` as the tests
    use: its pid, ``communicate`` (its output, stdout and stderr in one) and ``returncode``
    (the negative signal number when a signal ended it)."""

    process: multiprocessing.process.BaseProcess
    output: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode

    def communicate(self, timeout: float) -> tuple[str, None]:
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise subprocess.TimeoutExpired(f"warm run (pid {self.pid})", timeout)
        return self.output.read_text(encoding="utf-8", errors="replace"), None


def start(
    env: dict[str, str], cwd: Path, output: Path, stop_at: tuple[str, str] | None = None
) -> WarmRun:
    """Fork a run with ``env`` in ``cwd``, writing what it prints into ``output``; with
    ``stop_at`` = (signal, "module:function") it signals itself there (tests/crash_at.py)."""
    global _server_environment
    if _server_environment is None:
        _context.set_forkserver_preload(list(PRELOAD))
        _server_environment = dict(os.environ)
    differs = {
        name
        for name in env.keys() | _server_environment.keys()
        if env.get(name) != _server_environment.get(name)
    }
    if differs - PER_RUN:
        raise ValueError(
            f"a warm run sets only {sorted(PER_RUN)} otherwise than the interpreter it is "
            f"forked from; {sorted(differs - PER_RUN)} need a new one"
        )
    process = _context.Process(target=_run, args=(env, str(cwd), str(output), stop_at))
    process.start()
    return WarmRun(process, output)


def _run(env: dict[str, str], cwd: str, output: str, stop_at: tuple[str, str] | None) -> None:
    """In the forked child: what ``python [tests/crash_at.py …] -m pipelines.orchestration.run``
    does, its output into ``output``."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    if stop_at is not None:
        from tests.crash_at import signal_before

        how, where = stop_at
        signal_before(where, how)
    sys.argv = ["pipelines.orchestration.run"]
    # its SystemExit is the child's exit code, as a new interpreter's would be
    runpy.run_module("pipelines.orchestration.run", run_name="__main__", alter_sys=True)
