"""dagster.yaml keeps the instance in one absolute folder, whatever folder a dagster command
starts in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.conftest import PROJECT

SHOW_INSTANCE = (
    "from pipelines.orchestration.run import _instance; i = _instance(); "
    "print(i.root_directory); print(i.event_log_storage._base_dir); "
    "print(i.compute_log_manager._base_dir)"
)


def run_python(code: str, cwd, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "BAROMETER_DAGSTER_DIR")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=clean | {"PYTHONPATH": str(PROJECT)} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_instance_lives_beside_dagster_home_from_any_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = run_python(SHOW_INSTANCE, elsewhere, DAGSTER_HOME=str(home))
    assert done.returncode == 0, done.stderr
    instance = home / ".dagster"
    assert done.stdout.splitlines() == [str(instance), f"{instance}/history/runs", str(instance)]
    assert not (elsewhere / ".dagster").exists()


def test_a_dagster_command_without_the_folder_stops_naming_it(tmp_path):
    done = run_python(
        "import dagster as dg; dg.DagsterInstance.get()", tmp_path, DAGSTER_HOME=str(PROJECT)
    )
    assert done.returncode == 1
    assert "BAROMETER_DAGSTER_DIR" in done.stderr
    assert not (tmp_path / ".dagster").exists()
