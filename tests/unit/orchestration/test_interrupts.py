"""``make run``'s stop signals (pipelines/orchestration/interrupts.py) however its process was
started: with SIGINT ignored, as a shell starts a job in the background, SIGTERM still stops
it after a Dagster run has ended, which gives SIGTERM the handler of SIGINT."""

from __future__ import annotations

import os
import signal
import time

import dagster as dg
import pytest

from pipelines.orchestration.interrupts import stop_on_signals
from tests.unit.orchestration.test_instance_storage import materialize


def test_sigterm_stops_make_run_between_runs_when_it_was_started_with_ctrl_c_ignored():
    inherited = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `nohup make run &` has it
    try:
        with pytest.raises(KeyboardInterrupt), stop_on_signals() as stop:
            materialize(dg.DagsterInstance.ephemeral())  # a Dagster run, ended
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises within it; an ignored signal would not
        assert stop.name == "SIGTERM"
        # and the block gives back what the process inherited
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, inherited)
