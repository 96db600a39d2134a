"""Where the pipeline reads and writes, from environment variables with defaults.

Resolved at call time, not import time, so tests and runs can point them elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path


def raw_dir() -> Path:
    return Path(os.environ.get("BAROMETER_RAW_DIR", "data/raw")).resolve()


def marts_dir() -> Path:
    return Path(os.environ.get("BAROMETER_MARTS_DIR", "data/marts")).resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get("BAROMETER_WAREHOUSE", "data/warehouse.duckdb")).resolve()


def quality_docs_dir() -> Path:
    """The quality gate's private folder, beside the warehouse: the Data Docs of failed
    validations (pipelines/orchestration/quality_checks.py). Nothing here is published."""
    return warehouse_path().parent / "quality-docs"


def reference_dir() -> Path:
    return raw_dir() / "reference"


def published_figures() -> Path:
    """The figures KS published (shared/spec/published-figures.csv, copied into the project)."""
    return Path(__file__).resolve().parent.parent / "data" / "published-figures.csv"
