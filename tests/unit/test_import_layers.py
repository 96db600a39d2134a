"""The import contract of pyproject.toml ([tool.importlinter]): the packages of pipelines/ are
layers that import only the layers below them, and only orchestration imports Dagster.
`make lint` runs lint-imports on the tree; these tests show it holds, and that it would catch
a violation planted in a copy of the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with the pyproject.toml of ``root``, on the pipelines package there."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(
        PROJECT / "pipelines", root / "pipelines", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(PROJECT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_tree_keeps_the_contract():
    done = lint_imports(PROJECT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_a_lower_layer_importing_a_higher_one_is_refused(tmp_path):
    root = copy_project(tmp_path)
    shapes = root / "pipelines" / "marts" / "shapes.py"
    shapes.write_text(
        shapes.read_text(encoding="utf-8") + "\nimport pipelines.orchestration.definitions\n",
        encoding="utf-8",
    )
    done = lint_imports(root)
    assert done.returncode != 0, done.stdout
    assert "Layers: a package imports only the packages below it BROKEN" in done.stdout
    assert "pipelines.marts.shapes -> pipelines.orchestration.definitions" in done.stdout
    # through shapes, marts now reaches Dagster too
    assert "Only orchestration imports Dagster BROKEN" in done.stdout


def test_dagster_outside_orchestration_is_refused(tmp_path):
    root = copy_project(tmp_path)
    page = root / "pipelines" / "report" / "page.py"
    page.write_text(page.read_text(encoding="utf-8") + "\nimport dagster\n", encoding="utf-8")
    done = lint_imports(root)
    assert done.returncode != 0, done.stdout
    assert "Layers: a package imports only the packages below it KEPT" in done.stdout
    assert "Only orchestration imports Dagster BROKEN" in done.stdout
    assert "pipelines.report.page -> dagster" in done.stdout
