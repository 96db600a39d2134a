"""Shared fixtures: the committed sample deliveries run through ingest and the SQL marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import transform
from pipelines.ingest import ingest_wave
from pipelines.reference import build_reference

PROJECT = Path(__file__).resolve().parent.parent
RAW_DIR = PROJECT / "data" / "raw"
SAMPLE_WAVES = (2018, 2020, 2024)


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
        for mart in transform.MARTS:
            transform.build_mart(con, mart, wave)
    return con
