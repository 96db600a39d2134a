"""Shared fixtures: the committed sample deliveries run through the pipeline's wave job."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.orchestration import run
from pipelines.orchestration.definitions import build_definitions
from pipelines.orchestration.partitions import waves
from pipelines.orchestration.resources import BarometerSettings
from pipelines.orchestration.terminal import problems
from tests import reference_samples

PROJECT = Path(__file__).resolve().parent.parent
RAW_DIR = PROJECT / "data" / "raw"
SAMPLE_WAVES = (2018, 2020, 2024)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files marked heavy first, the others in their order: with a file per worker at a
    time, a heavy file that starts last would leave the other worker idle until it ends."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.fixture(scope="session", autouse=True)
def _reference_marts_shared_between_workers(tmp_path_factory, worker_id):
    """Under pytest-xdist the workers of a run share one folder (their base temp's parent):
    the reference estimator's marts are estimated there once for both."""
    if worker_id != "master":
        shared = tmp_path_factory.getbasetemp().parent / "reference_marts"
        reference_samples.share_between_workers(shared)


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


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Iterator[SampleRun]:
    """The three sample waves run, earliest first, by the wave job of ``make run``
    (min cell size 10) in temporary folders: ingested, estimated, gated, published,
    reported and catalogued.

    Shared by the whole session, so no test may change it: a test that writes works on a
    copy (``shutil.copy`` of ``warehouse``). The folder's digest, taken after the run, is
    compared at the session's end, which fails on a test that did."""
    root = tmp_path_factory.mktemp("sample_run")
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
    made_digest = folder_digest(root)
    yield made
    assert folder_digest(root) == made_digest, (
        f"a test changed the session's sample run in {root}; work on a copy instead"
    )


@pytest.fixture(scope="session")
def sample_warehouse(sample_run) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sample run's warehouse (the three waves' marts and release records), read-only."""
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def published(sample_run) -> Path:
    """The sample run's published folder: the releases, reports and analyst catalog."""
    return sample_run.marts


@pytest.fixture(scope="session")
def published_project(tmp_path_factory):
    """Wave 2018 published once (v0001) by a real ``python -m pipelines.orchestration.run`` in
    tmp dirs; tests copy it (tests/pipeline_processes.py)."""
    from tests.pipeline_processes import Project

    project = Project.create(tmp_path_factory.mktemp("published") / "project")
    code, output = project.run()
    assert code == 0, output
    assert project.latest() == "v0001"
    return project
