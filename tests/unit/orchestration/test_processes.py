"""Whether a run's process lives: a zombie is gone, and so is a process id that now belongs
to a process started after the run did (pipelines/orchestration/processes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from pipelines.orchestration.processes import process_alive


def test_a_killed_process_not_yet_reaped_is_gone():
    child = subprocess.Popen(["sleep", "600"])
    try:
        assert process_alive(child.pid)
        child.send_signal(signal.SIGKILL)
        # Wait for it to die without reaping it: it stays a zombie, its id still taken.
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        assert not process_alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)


def test_a_process_younger_than_the_run_is_not_the_run_s_process():
    now = time.time()
    assert process_alive(os.getpid(), started_by=now)
    # This process started after that moment: its id was reused, the run's process is gone.
    assert not process_alive(os.getpid(), started_by=now - 24 * 3600)
