"""A sample wave through the Dagster assets in-process, in a test's own folders: a copy of
the wave's delivery and the reference data, the published folder and a private warehouse
folder (the warehouse and the quality gate's Data Docs)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from pipelines.orchestration.definitions import ASSETS, CHECKS
from pipelines.orchestration.resources import BarometerSettings

RAW_DIR = Path(__file__).resolve().parent.parent / "data" / "raw"


@dataclass(frozen=True)
class WaveRun:
    # materialize(selection=None): the wave's assets and checks (or the selection), one run
    materialize: Callable[..., dg.ExecuteInProcessResult]
    raw: Path
    marts: Path
    private: Path


def wave_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wave: str = "2018") -> WaveRun:
    raw, marts, private = tmp_path / "raw", tmp_path / "marts", tmp_path / "private"
    shutil.copytree(RAW_DIR / "reference", raw / "reference")
    shutil.copytree(RAW_DIR / wave, raw / wave)
    warehouse = private / "warehouse.duckdb"
    private.mkdir()
    monkeypatch.setenv("BAROMETER_RAW_DIR", str(raw))
    monkeypatch.setenv("BAROMETER_MARTS_DIR", str(marts))
    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(warehouse))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("wave", [wave])

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

    return WaveRun(materialize, raw, marts, private)
