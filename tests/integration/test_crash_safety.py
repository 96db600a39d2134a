"""Real ``python -m pipelines.orchestration.run`` processes stopped at each step — SIGKILL,
SIGTERM, SIGINT, and SIGINT twice — and run two at a time: no later run waits on a dead one, the
stopped run ends failed, and the releases, the catalog and the warehouse stay whole.

The stopped runs and the runs at once are forked from a warm interpreter (tests/
warm_processes.py: processes of their own, without the seconds of imports of a new one); the
run that must finish after every stop is a new interpreter, as `make run` starts one.

One small wave keeps it affordable: the bad-input corpus's base delivery (40 rows of 2018, one
quarantined: tests/leak_corpus.py), which every step runs on as on the sample's 1 800. The
project is published once (v0001) and copied for each test; the delivery then changes, so
every stopped run was about to publish v0002.
"""

from __future__ import annotations

import re

import dagster as dg
import pytest
from dagster._core.launcher import WorkerStatus

from pipelines.orchestration.warehouse_lock import Holder, lock_path, try_lock, unlock
from tests.pipeline_processes import (
    Project,
    assert_published_state_whole,
    held_slots,
    process_ended,
    runs,
)

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

# (how, where): the signal a run sends itself when it first calls `where`, in step order.
STOPS = (
    ("SIGKILL", "pipelines.ingest.load:replace_wave"),  # validated_responses, mid-ingest
    ("SIGTERM", "pipelines.estimation.transform:build_mart"),  # the first mart
    # release: its quality pages rendering in the run's GX worker, into staging
    ("SIGKILL", "pipelines.publish.release:_stage_open_data"),
    ("SIGKILL", "pipelines.publish.release:_write_manifest"),  # release: staging written
    ("SIGINT", "pipelines.publish.release:_point_latest"),  # release: version made, not LATEST
    # release: LATEST moved, catalog not
    ("SIGKILL", "pipelines.publish.catalog:build_catalog"),
    # report; a second Ctrl-C exits at once
    ("SIGINT*2", "pipelines.report:write_report"),
)
EXIT_CODES = {"SIGKILL": -9, "SIGTERM": 128 + 15, "SIGINT": 128 + 2, "SIGINT*2": 128 + 2}
# Who ends the stopped run: Dagster itself when it could see the interrupt, else the recovery.
ENDED_BY_RECOVERY = {"SIGKILL", "SIGINT*2"}


@pytest.fixture
def project(corpus_project_run, tmp_path) -> Project:
    return corpus_project_run[0].copy(tmp_path / "project")


def test_a_run_stopped_at_any_step_never_blocks_the_next_and_leaves_everything_whole(project):
    project.change_delivery()
    stopped, outputs = [], []
    for how, where in STOPS:
        code, output = project.run(stop_at=(how, where), warm=True)
        assert code == EXIT_CODES[how], (how, where, output)
        outputs.append(output)
        with project.instance() as instance:
            run = runs(instance)[-1]
            stopped.append((how, run.run_id))
            if how in ENDED_BY_RECOVERY:
                # Left STARTED; the daemon's run monitoring would fail it, as the launcher
                # of dagster.yaml finds its process gone.
                assert run.status == dg.DagsterRunStatus.STARTED
                health = instance.run_launcher.check_run_worker_health(run)
                assert health.status == WorkerStatus.FAILED and "is gone" in health.msg
        # The run's GX worker (pipelines/quality/worker.py), there when it stopped, ended
        # with it; whatever was stopped, readers see a whole version, v0002 only once
        # complete.
        [worker] = re.findall(r"^crash_at: GX worker (\d+)$", output, re.MULTILINE)
        assert process_ended(int(worker)), (how, where, worker)
        assert_published_state_whole(project)
        assert project.latest() in ("v0001", "v0002")

    code, output = project.run()
    assert code == 0, output
    outputs.append(output)
    assert project.latest() == "v0002"
    assert_published_state_whole(project)
    with project.instance() as instance:
        assert held_slots(instance) == []
        statuses = {run.run_id: run.status for run in runs(instance)}
        for (how, run_id), next_output in zip(stopped, outputs[1:], strict=True):
            assert statuses[run_id] == dg.DagsterRunStatus.FAILURE, (how, run_id)
            last = [e.message for e in instance.all_logs(run_id) if e.is_dagster_event][-1]
            if how in ENDED_BY_RECOVERY:
                # The next run ended it, said so, and the UI shows why.
                assert f"run {run_id} (wave 2018, make run): The process" in next_output
                assert "is gone: it was killed or crashed" in last
            else:
                assert "Execution was interrupted" in last


def test_two_runs_at_once_both_end_and_nothing_is_torn(project):
    project.change_delivery()
    # No waiting: the second run either finds the warehouse free or gives up at once.
    first, second = (project.start(warm=True, BAROMETER_LOCK_TIMEOUT="0") for _ in range(2))
    outcomes = [process.communicate(timeout=900) for process in (first, second)]
    codes = [first.returncode, second.returncode]
    assert 0 in codes, outcomes
    for code, (output, _) in zip(codes, outcomes, strict=True):
        if code != 0:
            assert code == 1 and "make run: gave up after 0 s: make run (pid" in output
            assert "holds the warehouse since" in output
    assert project.latest() == "v0002"
    assert_published_state_whole(project)
    with project.instance() as instance:
        assert held_slots(instance) == []


def test_a_held_warehouse_is_named_and_waited_for_at_most_the_timeout(project, monkeypatch):
    # This test process holds the warehouse, as a live run would.
    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(project.warehouse))
    path = lock_path()
    holder = Holder(pid=12345, entry="make run", since=0.0, run_id="a-live-run")
    assert try_lock(path, holder) is None
    try:
        code, output = project.run(warm=True, BAROMETER_LOCK_TIMEOUT="1")
    finally:
        unlock(path)
    assert code == 1
    assert "waiting (at most 1 s, BAROMETER_LOCK_TIMEOUT): make run (pid 12345" in output
    assert (
        "make run: gave up after 1 s: make run (pid 12345, now run a-live-run) holds the "
        "warehouse since 1970-01-01T00:00:00+00:00" in output
    )
    assert "Traceback" not in output and "IO Error" not in output
    with project.instance() as instance:
        assert len(runs(instance)) == 1  # nothing ran: only the run that published v0001
