"""Shared fixtures: the committed sample deliveries run through ingest and the SQL marts."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import duckdb
import pytest

from pipelines import paths
from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import comparisons, transform
from pipelines.ingest import ingest_wave
from pipelines.ingest.reference import build_reference
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.marts.measures import MARTS
from pipelines.publish import build_catalog, code_version, publish_wave, wave_fingerprints
from pipelines.publish.layout import latest_before
from pipelines.quality.validation import run_gate
from pipelines.report import write_report
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


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """A warehouse holding the three sample waves, ingested and estimated (min cell size 10)."""
    con = duckdb.connect(str(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"))
    build_reference(con, RAW_DIR / "reference")
    for wave in SAMPLE_WAVES:
        ingest_wave(con, RAW_DIR, wave)
    transform.prepare_warehouse(con)
    for wave in SAMPLE_WAVES:
        transform.build_respondents(con, wave)
        for mart in MARTS:
            transform.build_mart(con, mart, wave)
            settle_precision(con, mart, wave, MIN_CELL_SIZE)
        comparisons.build_differences(con, wave)
    return con


@pytest.fixture(scope="session")
def published(sample_warehouse, tmp_path_factory) -> Path:
    """The sample waves published (with the real quality gate), reported and catalogued."""
    marts_dir = tmp_path_factory.mktemp("marts")
    quality_docs = tmp_path_factory.mktemp("quality-docs")
    for wave in SAMPLE_WAVES:
        comparisons.build_changes(sample_warehouse, wave, latest_before(marts_dir, wave))
        publish_wave(
            sample_warehouse,
            wave,
            marts_dir=marts_dir,
            inputs=wave_fingerprints(RAW_DIR, wave),
            code_version=code_version(),
            run_id="tests",
            min_cell_size=MIN_CELL_SIZE,
            gate=partial(run_gate, docs_dir=quality_docs),
        )
        write_report(marts_dir, wave, marts_dir / "reports", paths.published_figures())
    build_catalog(marts_dir)
    return marts_dir


@pytest.fixture(scope="session")
def published_project(tmp_path_factory):
    """Wave 2018 published once (v0001) by a real ``python -m pipelines.orchestration.run`` in tmp
    dirs; tests copy it (tests/pipeline_processes.py)."""
    from tests.pipeline_processes import Project

    project = Project.create(tmp_path_factory.mktemp("published") / "project")
    code, output = project.run()
    assert code == 0, output
    assert project.latest() == "v0001"
    return project
