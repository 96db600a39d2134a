"""The GX worker (pipelines/quality/worker.py): its verdicts and pages are those the run
makes itself; a verdict begun when a mart is built is the one its check takes; what goes
wrong in it is said in the run; and it ends with the run however the run ends."""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.publish import release
from pipelines.quality import mart_validation, worker
from pipelines.quality.pages import write_pages
from pipelines.quality.worker import GxWorker, WorkerGone
from tests.loaded_modules import loaded_after
from tests.mart_fixtures import MIN_CELL_SIZE, good_frame
from tests.pipeline_processes import process_ended
from tests.unit.quality.test_validation_caches import CASES, FAILING, PASSING, _without_when

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def gx_worker():
    started = GxWorker()
    yield started
    started.close()


# GX gives each expectation a random id as a suite is made, in every process anew.
_ID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# When GX validated (in a page's path) or rendered (in the logo's address on every page).
_TIME = re.compile(rb"\d{8}T\d{6}\.\d{6}Z")


def _comparable(result) -> tuple:
    """A verdict without when it was made (GX's times, also in its key) and GX's ids."""
    kept = result.validation
    if kept is not None:
        suite, run, _, batch = kept["key"]
        kept = json.loads(_ID.sub(b"id", json.dumps(_without_when(kept)).encode()))
        kept["key"] = [suite, run, batch]
    return result.success, result.evaluated, result.failures, kept


def _files(folder: Path) -> dict[bytes, bytes]:
    """Every file under ``folder``, GX's ids and times left out."""
    return {
        _TIME.sub(b"time", p.relative_to(folder).as_posix().encode()): _TIME.sub(
            b"time", _ID.sub(b"id", p.read_bytes())
        )
        for p in folder.rglob("*")
        if p.is_file()
    }


# A share mart and a comparison mart that pass, a mart that fails rules with conditions.
_SENT = ("innovation", "changes", "small cell not primary-suppressed")


@pytest.mark.parametrize("case", _SENT)
def test_the_workers_verdict_is_the_runs(case, gx_worker, tmp_path):
    """Passing and failing: the same verdict, failures and kept validation; a failure's
    Data Docs pages are rendered into the folder it is given."""
    mart, frame = CASES[case]
    here = mart_validation.run_gate(mart, frame, MIN_CELL_SIZE, tmp_path / "here")
    there = gx_worker.submit("gate", mart, frame, MIN_CELL_SIZE, tmp_path / "there").result()
    assert _comparable(there) == _comparable(here)
    assert there.success == (case in PASSING)
    if case in FAILING:
        assert there.docs_index == tmp_path / "there" / "index.html"
        assert there.docs_index.is_file()
        # the same pages (their content holds when each validation ran)
        assert _files(tmp_path / "there").keys() == _files(tmp_path / "here").keys()


def test_the_workers_pages_are_the_runs_byte_for_byte(gx_worker, tmp_path):
    """A version's pages rendered from the same verdicts, here and in the worker."""
    results = tuple(mart_validation.run_gate(m, f, MIN_CELL_SIZE, None) for m, f in PASSING.items())
    index = write_pages(results, tmp_path / "here", MIN_CELL_SIZE)
    there = gx_worker.submit("pages", results, tmp_path / "there", MIN_CELL_SIZE).result()
    assert there == tmp_path / "there" / "index.html" and index is not None
    here, made = _files(tmp_path / "here"), _files(tmp_path / "there")
    assert len(here) > len(PASSING) * 2  # a page per validation and per suite, the index
    assert made == here


def test_an_error_in_the_worker_is_raised_in_the_run_with_its_traceback(gx_worker):
    with pytest.raises(ValueError, match="unknown mart 'no_such_mart'") as raised:
        gx_worker.submit("gate", "no_such_mart", good_frame("innovation"), 10, None).result()
    [note] = raised.value.__notes__
    assert note.startswith("in the Great Expectations worker:") and "run_gate" in note


def test_a_validation_begun_when_the_mart_was_built_is_the_one_its_check_takes(
    gx_worker, monkeypatch
):
    """begin_validation sends the job; validate of the same rows takes its answer and sends
    nothing; other rows, or another minimum cell size, are validated anew."""
    sent = []
    real = gx_worker.submit

    def counting(job, *args):
        sent.append((job, args[0], args[2]))
        return real(job, *args)

    monkeypatch.setattr(gx_worker, "submit", counting)
    monkeypatch.setattr(worker, "_current", gx_worker)
    frame = PASSING["innovation"]
    worker.begin_validation("innovation", frame, MIN_CELL_SIZE, None, "rows-1")
    worker.begin_validation("innovation", frame, MIN_CELL_SIZE, None, "rows-1")  # once only
    assert sent == [("gate", "innovation", MIN_CELL_SIZE)]
    begun = worker.validate("innovation", frame, MIN_CELL_SIZE, None, "rows-1")
    assert begun.success and len(sent) == 1
    worker.validate("innovation", frame, MIN_CELL_SIZE, None, "rows-2")
    worker.validate("innovation", frame, MIN_CELL_SIZE + 1, None, "rows-1")
    assert sent[1:] == [("gate", "innovation", MIN_CELL_SIZE), ("gate", "innovation", 11)]
    assert gx_worker.begun == {}


def test_without_a_worker_the_run_validates_and_renders_itself(monkeypatch, tmp_path):
    monkeypatch.setattr(worker, "_current", None)
    calls = []
    monkeypatch.setattr(mart_validation, "run_gate", lambda *args: calls.append(args) or "made")
    frame = PASSING["innovation"]
    worker.begin_validation("innovation", frame, MIN_CELL_SIZE, None, "rows")
    assert calls == []
    assert worker.validate("innovation", frame, MIN_CELL_SIZE, None, "rows") == "made"
    assert len(calls) == 1
    result = mart_validation.GateResult("innovation", True, 1, (), None)
    assert worker.begin_pages((result,), tmp_path / "pages", MIN_CELL_SIZE).result() is None


def test_a_worker_killed_fails_what_waits_on_it_and_what_is_sent_after():
    killed = GxWorker()
    try:
        waiting = killed.submit("gate", "innovation", good_frame("innovation"), 10, None)
        os.kill(killed.pid, signal.SIGKILL)
        with pytest.raises(WorkerGone, match=f"pid {killed.pid}.*exit code -9"):
            waiting.result(timeout=30)
        with pytest.raises(WorkerGone, match="exit code -9"):
            killed.submit("gate", "innovation", good_frame("innovation"), 10, None).result()
    finally:
        killed.close()


def test_an_answer_the_run_cannot_read_ends_the_worker_and_says_why(monkeypatch):
    unreadable = GxWorker()
    try:

        def truncated(data):
            raise pickle.UnpicklingError("pickle data was truncated")

        monkeypatch.setattr(worker, "pickle", SimpleNamespace(dumps=pickle.dumps, loads=truncated))
        waiting = unreadable.submit("gate", "innovation", good_frame("innovation"), 10, None)
        with pytest.raises(WorkerGone, match="could not be read: UnpicklingError"):
            waiting.result(timeout=60)
        assert process_ended(unreadable.pid)
    finally:
        unreadable.close()


# A run that starts a worker, says its pid, and waits to be killed.
_RUN = """
import sys, time
from pipelines.quality.worker import GxWorker
print(GxWorker().pid, flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_the_worker_dies_with_its_run_and_ignores_ctrl_c(stop):
    """Ctrl-C reaches the worker with its run (one process group) and leaves it be; the run
    killed (SIGKILL, or SIGTERM outside a run's handler), the worker is gone at once."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    run = subprocess.Popen([sys.executable, "-c", _RUN], stdout=subprocess.PIPE, env=env)
    try:
        pid = int(run.stdout.readline())
        time.sleep(0.3)  # into its imports
        os.kill(pid, signal.SIGINT)
        assert not process_ended(pid, within=0.5)
        run.send_signal(stop)
        run.wait(timeout=10)
        assert process_ended(pid)
    finally:
        run.kill()
        run.wait()


def test_importing_the_worker_loads_neither_pandas_nor_the_gate():
    """A run starts its worker before it imports the gate: the worker's module loads nothing
    else of the quality package, whose names are imported when first used."""
    loaded = loaded_after("import pipelines.quality.worker")
    assert "pipelines.quality.worker" in loaded
    assert not {"pandas", "pipelines.quality.mart_validation", "pipelines.quality.pages"} & loaded
    from pipelines import quality

    assert quality.run_gate is mart_validation.run_gate


def test_a_run_starts_a_worker_for_a_small_delivery_and_ends_it_before_a_large_one(
    monkeypatch, tmp_path
):
    """beside_run: a worker from the first small delivery on, kept for the next; none
    before a delivery over LARGEST_DELIVERY bytes; ended with the block. A process that has
    imported GX starts none."""
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_bytes(b"resp_id\n1\n")
    with large.open("wb") as f:
        f.truncate(worker.LARGEST_DELIVERY + 1)
    with worker.beside_run() as for_wave:
        for_wave(small)
        assert worker.running() is None  # this process has GX: its import is done
    monkeypatch.delitem(sys.modules, "great_expectations")
    with worker.beside_run() as for_wave:
        for_wave(small)
        started = worker.running()
        assert started is not None
        for_wave(small)
        assert worker.running() is started
        for_wave(large)
        assert worker.running() is None and started._process.returncode is not None
        for_wave(small)
        again = worker.running()
        assert again is not None and again is not started
    assert worker.running() is None and again._process.returncode is not None


def test_a_version_staged_beside_the_worker_has_its_pages_however_its_open_data_ends(
    gx_worker, monkeypatch, tmp_path
):
    """Publishing renders the pages in the worker while it writes the open data, and waits
    for them: written when the staging returns, or when the open data's error is raised, so
    that nothing writes into a staging folder afterwards."""
    monkeypatch.setattr(worker, "_current", gx_worker)
    results = tuple(mart_validation.run_gate(m, f, MIN_CELL_SIZE, None) for m, f in PASSING.items())
    manifest = {"min_cell_size": MIN_CELL_SIZE}
    monkeypatch.setattr(release, "_stage_open_data", lambda staging, manifest: None)
    release._stage_version(tmp_path / "done", manifest, results)
    assert (tmp_path / "done" / "quality" / "index.html").is_file()
    assert (tmp_path / "done" / release.MANIFEST).is_file()

    def failing(staging, manifest):
        raise OSError("no space left on device")

    monkeypatch.setattr(release, "_stage_open_data", failing)
    (tmp_path / "failed").mkdir()
    with pytest.raises(OSError, match="no space left"):
        release._stage_version(tmp_path / "failed", manifest, results)
    assert _files(tmp_path / "failed" / "quality") == _files(tmp_path / "done" / "quality")
