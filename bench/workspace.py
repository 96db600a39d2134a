"""The folders and the environment a measured child runs in."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.provenance import PROJECT_ROOT

# Variables of the project's own runs that must not leak into a measured child.
_PROJECT_VARIABLES = (
    "DAGSTER_HOME",
    "BAROMETER_DAGSTER_DIR",
    "BAROMETER_RAW_DIR",
    "BAROMETER_MARTS_DIR",
    "BAROMETER_WAREHOUSE",
    "BAROMETER_MIN_CELL_SIZE",
)


def clean_env() -> dict[str, str]:
    """This process's environment without the project's variables."""
    return {k: v for k, v in os.environ.items() if k not in _PROJECT_VARIABLES}


def child_env(**variables: Path | str) -> dict[str, str]:
    env = clean_env()
    env["BAROMETER_MIN_CELL_SIZE"] = str(MIN_CELL_SIZE)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update({k: str(v) for k, v in variables.items()})
    return env


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
