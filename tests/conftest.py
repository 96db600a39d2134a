"""Shared fixtures: the committed sample deliveries run through the pipeline's wave job.

Dagster, DuckDB, the pipeline and the reference estimator are imported in the fixtures that
use them, not here: under pytest-xdist the process that hands the tests to the workers
imports this file too, before it starts them, and importing those took it 2 s, during which
the second core had nothing to do. The workers import them as they collect the tests.
"""

from __future__ import annotations

import gc
import hashlib
import shutil
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from filelock import FileLock

if TYPE_CHECKING:
    import duckdb

PROJECT = Path(__file__).resolve().parent.parent
RAW_DIR = PROJECT / "data" / "raw"
SAMPLE_WAVES = (2018, 2020, 2024)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files marked heavy first, the others in their order: with a file per worker at a
    time, a heavy file that starts last would leave the other worker idle until it ends.

    The session's sample run (``sample_run``, half a minute, made once for both workers) is
    made by the worker of the first file: of the heavy files, the one whose tests need it
    soonest. Next come the heavy files that do not use it, so that the other worker starts
    on one of them rather than wait for the run: a heavy file that needed it after 19 s of
    its own tests waited 13 s for it. The heavy files that use it come after those."""
    heavy = {item.path for item in items if item.get_closest_marker("heavy") is not None}
    soonest: dict[Path, int] = {}
    position: dict[Path, int] = {}
    for item in items:
        at = position[item.path] = position.get(item.path, -1) + 1
        if item.path in heavy and "sample_run" in item.fixturenames:
            soonest.setdefault(item.path, at)
    builder = min(soonest, key=soonest.__getitem__, default=None)

    def order(item: pytest.Item) -> tuple[int, int]:
        if item.path not in heavy:
            return 3, 0
        if item.path == builder:
            return 0, 0
        return (2, soonest[item.path]) if item.path in soonest else (1, 0)

    items.sort(key=order)


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C handled as in a terminal, however the tests were started. A shell starts a job in
    the background (``make test &``, ``nohup``) with SIGINT ignored, and when a Dagster run in
    a test's process ends, Dagster gives SIGTERM the handler of SIGINT: that process, and every
    process a later test starts from it, would ignore SIGTERM, which the tests that stop a run
    with it rely on."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_finish(session: pytest.Session) -> None:
    """A test process holds what the session loads (the test modules and their libraries by
    now; Great Expectations, matplotlib and the session's fixtures as tests come to need
    them), and each of Python's full collections walks all of it: 15 to 17 a worker, 7 to 8 s
    of each worker's CPU (gc.callbacks). What is loaded by now, and from now on what outlives
    each full collection, is frozen: the next full collection walks only what came after,
    and the workers' full collections took about 4 s in all instead of 15. Something frozen
    that becomes garbage only by a cycle later stays in memory until the worker ends."""
    gc.freeze()
    gc.callbacks.append(_freeze_after_a_full_collection)


def _freeze_after_a_full_collection(phase: str, info: dict) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def pytest_unconfigure(config: pytest.Config) -> None:
    """The session is over: the interpreter's collections at exit, over every object of the
    libraries the tests loaded, would add seconds to each worker's end, as to `make run`'s
    (pipelines/orchestration/run.py: exit_with). Frozen objects are not collected."""
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _reference_marts_shared_between_workers(tmp_path_factory, worker_id):
    """Under pytest-xdist the workers of a run share one folder (their base temp's parent):
    the reference estimator's marts are estimated there once for both."""
    if worker_id != "master":
        from tests import reference_samples

        shared = tmp_path_factory.getbasetemp().parent / "reference_marts"
        reference_samples.share_between_workers(shared)


def built_once(tmp_path_factory, worker_id: str, name: str, build: Callable[[Path], None]) -> Path:
    """The folder ``name``, made by ``build(folder)`` once per test run and shared by the
    tests that use it, which must not change it (the digest taken after ``build`` is compared
    at the session's end, which fails on a test that did).

    Under pytest-xdist the first worker that needs it builds it in the workers' shared folder
    (their base temp's parent) and the other one waits for it and reads the same folder: it is
    built where it is used, since the files in it name their own paths."""
    if worker_id == "master":
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        digest = folder_digest(folder)
    else:
        shared = tmp_path_factory.getbasetemp().parent / "shared"
        shared.mkdir(exist_ok=True)
        folder = shared / name
        made = shared / f"{name}.digest"
        with FileLock(f"{folder}.lock"):
            if not made.is_file():
                # a build that failed (in the other worker) leaves a partial folder
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                build(folder)
                made.write_text(folder_digest(folder), encoding="ascii")
            digest = made.read_text(encoding="ascii")
    _built[folder] = digest
    return folder


# The folders built once (built_once) and their digest when made: checked at the session's end.
_built: dict[Path, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _built_once_folders_unchanged() -> Iterator[None]:
    yield
    for folder, digest in _built.items():
        assert folder_digest(folder) == digest, (
            f"a test changed the session's {folder.name} in {folder}; work on a copy instead"
        )


@dataclass(frozen=True)
class SampleRun:
    """The folders of the sample waves' run: the private warehouse and the published one."""

    warehouse: Path
    marts: Path


def folder_digest(folder: Path) -> str:
    """One hash over the names and bytes of every file under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def run_sample_waves(root: Path) -> SampleRun:
    """The three sample waves run, earliest first, by the wave job of ``make run`` (min cell
    size 10), its folders under ``root``."""
    import dagster as dg

    from pipelines.orchestration import run
    from pipelines.orchestration.definitions import build_definitions
    from pipelines.orchestration.partitions import waves
    from pipelines.orchestration.resources import BarometerSettings
    from pipelines.orchestration.terminal import problems

    made = SampleRun(warehouse=root / "private" / "warehouse.duckdb", marts=root / "marts")
    # the settings pinned rather than read from BAROMETER_MIN_CELL_SIZE; the folders are
    # the environment's, as for every run (pipelines/paths.py)
    job = run.wave_job(build_definitions({"settings": BarometerSettings()}))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(waves.name, [str(wave) for wave in SAMPLE_WAVES])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BAROMETER_RAW_DIR", str(RAW_DIR))
        env.setenv("BAROMETER_MARTS_DIR", str(made.marts))
        env.setenv("BAROMETER_WAREHOUSE", str(made.warehouse))
        for wave in SAMPLE_WAVES:
            result = job.execute_in_process(
                partition_key=str(wave),
                instance=instance,
                run_config=run.RUN_CONFIG,
                raise_on_error=False,
            )
            assert result.success, "\n".join(problems(result, str(wave)))
    return made


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, worker_id) -> SampleRun:
    """The three sample waves run, earliest first, by the wave job of ``make run``
    (min cell size 10) in temporary folders: ingested, estimated, gated, published,
    reported and catalogued; once per test run (``built_once``: under pytest-xdist the two
    workers share it).

    Shared by the whole session, so no test may change it: a test that writes works on a
    copy (``shutil.copy`` of ``warehouse``). The folder's digest, taken after the run, is
    compared at the session's end, which fails on a test that did."""
    root = built_once(tmp_path_factory, worker_id, "sample_run", run_sample_waves)
    return SampleRun(warehouse=root / "private" / "warehouse.duckdb", marts=root / "marts")


@pytest.fixture(scope="session")
def sample_warehouse(sample_run) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sample run's warehouse (the three waves' marts and release records), read-only."""
    import duckdb

    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def published(sample_run) -> Path:
    """The sample run's published folder: the releases, reports and analyst catalog."""
    return sample_run.marts


def publish_2018(root: Path) -> None:
    """Wave 2018 published (v0001) by a real ``python -m pipelines.orchestration.run`` in
    ``root/project``; what it printed in ``root/output.txt``."""
    from tests.pipeline_processes import Project

    project = Project.create(root / "project")
    code, output = project.run()
    assert code == 0, output
    assert project.latest() == "v0001"
    (root / "output.txt").write_text(output, encoding="utf-8")


@pytest.fixture(scope="session")
def published_project_run(tmp_path_factory, worker_id):
    """Wave 2018 published once (v0001) by a real ``python -m pipelines.orchestration.run`` in
    tmp dirs, and what the process printed; once per test run (``built_once``: under
    pytest-xdist the two workers share it). Tests copy it (tests/pipeline_processes.py)."""
    from tests.pipeline_processes import Project

    root = built_once(tmp_path_factory, worker_id, "published", publish_2018)
    return Project(root / "project"), (root / "output.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def published_project(published_project_run):
    """Wave 2018 published once (v0001) by a real ``python -m pipelines.orchestration.run`` in
    tmp dirs; tests copy it (tests/pipeline_processes.py)."""
    return published_project_run[0]


@pytest.fixture(scope="session")
def corpus_project_run(tmp_path_factory, worker_id):
    """The bad-input corpus's base delivery (40 rows of wave 2018, one quarantined, ids marked:
    tests/leak_corpus.py) published once (v0001) by a real ``python -m
    pipelines.orchestration.run`` in tmp dirs, and what the process printed; once per test run
    (``built_once``). The small project the leak corpus and the crash tests start from; tests
    copy it."""
    from tests.leak_corpus import BASE_RESPONDENTS, publish_base
    from tests.pipeline_processes import Project

    root = built_once(tmp_path_factory, worker_id, "corpus_published", publish_base)
    project = Project(root / "project", respondents=BASE_RESPONDENTS)
    return project, (root / "output.txt").read_text(encoding="utf-8")
