"""A sample wave through the Dagster assets in-process, in a test's own folders: a copy of
the wave's delivery and the reference data, the published folder and a private warehouse
folder (the warehouse and the quality gate's Data Docs).

`wave_run` starts from nothing. `after_first_run` starts where wave 2018's first run left its
folders and its Dagster instance: that run costs a full, validating run, so it is made once
per process and each test continues on a copy of what it left."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from pipelines.orchestration import quality_checks
from pipelines.orchestration.definitions import ASSETS, CHECKS
from pipelines.orchestration.resources import BarometerSettings
from tests.pipeline_processes import project_storage

RAW_DIR = Path(__file__).resolve().parent.parent / "data" / "raw"

# The folder of quality pages the releases once shared, with a failed validation's page: the
# published folder holds it before the first run (each version holds its own pages now).
SHARED_QUALITY_PAGE = Path("quality") / "validations" / "factors-wave-2020.html"


@dataclass(frozen=True)
class WaveRun:
    # materialize(selection=None): the wave's assets and checks (or the selection), one run
    materialize: Callable[..., dg.ExecuteInProcessResult]
    raw: Path
    marts: Path
    private: Path
    instance: dg.DagsterInstance


@dataclass(frozen=True)
class FirstRun:
    """Wave 2018's first run: its result, and how many times each mart was validated in it."""

    result: dg.ExecuteInProcessResult
    validated: dict[str, int]


def _wave_run(
    root: Path, monkeypatch: pytest.MonkeyPatch, instance: dg.DagsterInstance, wave: str
) -> WaveRun:
    """The runs of ``wave`` in the folders under ``root``, which the environment names."""
    raw, marts, private = root / "raw", root / "marts", root / "private"
    warehouse = private / "warehouse.duckdb"
    monkeypatch.setenv("BAROMETER_RAW_DIR", str(raw))
    monkeypatch.setenv("BAROMETER_MARTS_DIR", str(marts))
    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(warehouse))

    def materialize(selection=None):
        return dg.materialize(
            [*ASSETS, *CHECKS],
            selection=selection,
            partition_key=wave,
            instance=instance,
            resources={
                "warehouse": DuckDBResource(database=str(warehouse)),
                "settings": BarometerSettings(),
            },
            raise_on_error=False,
        )

    return WaveRun(materialize, raw, marts, private, instance)


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _new_folders(root: Path, wave: str) -> None:
    shutil.copytree(RAW_DIR / "reference", root / "raw" / "reference")
    shutil.copytree(RAW_DIR / wave, root / "raw" / wave)
    (root / "private").mkdir()


def wave_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wave: str = "2018") -> WaveRun:
    """``wave`` not run yet, with an ephemeral Dagster instance."""
    _new_folders(tmp_path, wave)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("wave", [wave])
    return _wave_run(tmp_path, monkeypatch, instance, wave)


def _instance(root: Path) -> dg.DagsterInstance:
    # a persistent instance, in a folder of its own beside the others: copied with them; its
    # storage the project's (dagster.yaml); without telemetry, which Dagster would otherwise
    # log under DAGSTER_HOME (the project root under `make test`), as the project's
    # dagster.yaml has it
    home = root / "dagster"
    home.mkdir(exist_ok=True)
    return dg.DagsterInstance.local_temp(
        str(home), overrides={"storage": project_storage(home), "telemetry": {"enabled": False}}
    )


@cache
def _first_run(basetemp: Path) -> tuple[Path, Path, FirstRun]:
    """Wave 2018's first run, made once per process in ``basetemp / "wave-2018"`` from a
    published folder that holds SHARED_QUALITY_PAGE: that folder, a copy of it as the run left
    it, and the run."""
    root, kept = basetemp / "wave-2018", basetemp / "wave-2018-first-run"
    # what a first run that failed in this process left
    shutil.rmtree(root, ignore_errors=True)
    _new_folders(root, "2018")
    shared = root / "marts" / SHARED_QUALITY_PAGE
    shared.parent.mkdir(parents=True)
    shared.write_text("Status: Failed")
    validated = Counter()
    real = quality_checks.gate_mart

    def counting(mart, df, min_cell_size):
        validated[mart] += 1
        return real(mart, df, min_cell_size)

    instance = _instance(root)
    instance.add_dynamic_partitions("wave", ["2018"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quality_checks, "gate_mart", counting)
        result = _wave_run(root, patch, instance, "2018").materialize()
    instance.dispose()
    assert result.success
    shutil.copytree(root, kept)
    return root, kept, FirstRun(result, dict(validated))


def after_first_run(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[WaveRun, FirstRun]]:
    """Wave 2018 as its first run left it (``_first_run``): its folders and its Dagster
    instance copied back where the run made them, for one test.

    Where they were made, since files in them name their own paths (the analyst catalog,
    the paths in the first run's metadata); a process runs one test at a time, so one place
    per process (under pytest-xdist each worker makes its own first run)."""
    root, kept, first = _first_run(tmp_path_factory.getbasetemp())
    shutil.rmtree(root)
    shutil.copytree(kept, root)
    instance = _instance(root)
    yield _wave_run(root, monkeypatch, instance, "2018"), first
    instance.dispose()
