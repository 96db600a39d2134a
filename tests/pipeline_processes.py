"""The pipeline as real processes: ``python -m pipelines.orchestration.run`` against a project in
tmp dirs (one wave, the instance of dagster.yaml with its storage moved there), and what a run
must leave behind however it ended."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from pipelines.marts.measures import MARTS
from pipelines.publish.layout import LATEST, MANIFEST, release_dirs, versions
from tests import warm_processes

PROJECT = Path(__file__).resolve().parent.parent
RAW_DIR = PROJECT / "data" / "raw"
WAVE = "2018"
WAVE_RESPONDENTS = 1794  # 1 800 delivered, 6 quarantined
VIEWS = (*MARTS, "releases")  # of the catalog
# A run of one wave takes seconds; this bounds only a process that hangs, on a loaded machine.
HANG_SECONDS = 900


def _project_config() -> dict:
    return yaml.safe_load((PROJECT / "dagster.yaml").read_text(encoding="utf-8"))


def project_storage(base_dir: Path, config: dict | None = None) -> dict:
    """The storage of the project's dagster.yaml (pipelines/orchestration/instance_storage.py),
    in ``base_dir``; ``config``: the dagster.yaml already read."""
    storage = (config or _project_config())["storage"]
    storage["custom"]["config"]["base_dir"] = str(base_dir)
    return storage


def instance_yaml(home: Path) -> str:
    """The project's dagster.yaml (launcher, monitoring, concurrency), storage under ``home``."""
    config = _project_config()
    config["storage"] = project_storage(home / "storage", config)
    config["local_artifact_storage"] = {
        "module": "dagster.core.storage.root",
        "class": "LocalArtifactStorage",
        "config": {"base_dir": str(home)},
    }
    config["compute_logs"] = {
        "module": "dagster.core.storage.local_compute_log_manager",
        "class": "LocalComputeLogManager",
        "config": {"base_dir": str(home / "logs")},
    }
    return yaml.safe_dump(config)


@dataclass(frozen=True)
class Project:
    """One wave's raw delivery, a Dagster home, a warehouse and the marts, under ``root``;
    ``respondents``: how many rows of the delivery ingest accepts."""

    root: Path
    respondents: int = WAVE_RESPONDENTS

    @classmethod
    def create(cls, root: Path) -> Project:
        """The sample wave's delivery, nothing run yet."""
        shutil.copytree(RAW_DIR / "reference", root / "raw" / "reference")
        shutil.copytree(RAW_DIR / WAVE, root / "raw" / WAVE)
        project = cls(root)
        project.make_home()
        return project

    def make_home(self) -> None:
        """The Dagster home: the instance of dagster.yaml with its storage in it."""
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        (home / "dagster.yaml").write_text(instance_yaml(home), encoding="utf-8")

    def copy(self, root: Path) -> Project:
        """The same project, state included, at ``root`` (paths in the instance moved)."""
        shutil.copytree(self.root, root)
        project = Project(root, self.respondents)
        project.make_home()
        return project

    @property
    def marts_dir(self) -> Path:
        return self.root / "marts"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DAGSTER_HOME": str(self.root / "home"),
            "BAROMETER_RAW_DIR": str(self.root / "raw"),
            "BAROMETER_MARTS_DIR": str(self.marts_dir),
            "BAROMETER_WAREHOUSE": str(self.warehouse),
        }

    def command(self, stop_at: tuple[str, str] | None = None) -> list[str]:
        """``python -m pipelines.orchestration.run``; with ``stop_at`` = (signal,
        "module:function"), the process signals itself when that function is first called
        (tests/crash_at.py)."""
        if stop_at is None:
            return [sys.executable, "-m", "pipelines.orchestration.run"]
        how, where = stop_at
        return [sys.executable, str(PROJECT / "tests" / "crash_at.py"), where, how]

    def start(
        self, stop_at: tuple[str, str] | None = None, warm: bool = False, **env: str
    ) -> subprocess.Popen | warm_processes.WarmRun:
        """A run in a new interpreter or, ``warm``, in a process forked from one that has
        imported what a run imports (tests/warm_processes.py)."""
        if warm:
            fd, output = tempfile.mkstemp(prefix="run-", suffix=".out", dir=self.root.parent)
            os.close(fd)
            return warm_processes.start({**self.env, **env}, PROJECT, Path(output), stop_at)
        return subprocess.Popen(
            self.command(stop_at),
            cwd=PROJECT,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def run(
        self, stop_at: tuple[str, str] | None = None, warm: bool = False, **env: str
    ) -> tuple[int, str]:
        """Exit code and output of a run, which must end by itself."""
        process = self.start(stop_at, warm, **env)
        output, _ = process.communicate(timeout=HANG_SECONDS)
        return process.returncode, output

    def change_delivery(self) -> None:
        """One population count of the frame changed: publishing makes a new version."""
        frame = self.root / "raw" / WAVE / "frame.csv"
        frame.write_text(frame.read_text(encoding="utf-8").replace(",1", ",2", 1), encoding="utf-8")

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.root / "home"))

    def latest(self) -> str:
        return (self.marts_dir / f"wave={WAVE}" / LATEST).read_text(encoding="ascii").strip()


def process_ended(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` ends within ``within`` seconds (a zombie has ended: whoever
    adopted it may not reap it at once)."""
    deadline = time.monotonic() + within
    while True:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Every run of the instance, oldest first."""
    return list(reversed(instance.get_runs()))


def held_slots(instance: dg.DagsterInstance) -> list:
    storage = instance.event_log_storage
    infos = storage.get_concurrency_infos(list(storage.get_concurrency_keys()))
    return [slot for info in infos.values() for slot in info.claimed_slots]


def assert_published_state_whole(project: Project) -> None:
    """Every version complete (its files match the manifest, its quality pages are there),
    LATEST names one of them, the catalog opens and all its views read, and the warehouse
    holds the whole wave and the full-precision rows of every version."""
    [release] = release_dirs(project.marts_dir).values()
    published_marts = set()
    for version in versions(release):
        manifest = json.loads((release / version / MANIFEST).read_text(encoding="utf-8"))
        published_marts |= {file["mart"] for file in manifest["files"]}
        for file in manifest["files"]:
            data = (release / version / file["path"]).read_bytes()
            assert len(data) == file["bytes"], (version, file["path"])
            assert hashlib.sha256(data).hexdigest() == file["sha256"], (version, file["path"])
        assert (release / version / "quality" / "index.html").is_file(), version
    assert project.latest() in versions(release)
    with duckdb.connect(str(project.marts_dir / "barometer.duckdb"), read_only=True) as catalog:
        rows = {v: catalog.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in VIEWS}
        # The catalog lists released files, and its views read them (a mart may be empty).
        assert rows["releases"] > 0 and rows["innovation"] > 0, rows
    with duckdb.connect(str(project.warehouse), read_only=True) as warehouse:
        [(respondents,)] = warehouse.sql(
            f"SELECT count(*) FROM respondents WHERE wave = {WAVE}"
        ).fetchall()
        assert respondents == project.respondents
        marts = warehouse.sql(
            f"SELECT DISTINCT mart FROM mart_estimates WHERE wave = {WAVE}"
        ).fetchall()
        found = {mart for (mart,) in marts}
        assert found == published_marts & set(MARTS), (found, published_marts)
        kept = warehouse.sql(
            f"SELECT DISTINCT version FROM release_estimates WHERE wave = {WAVE}"
        ).fetchall()
        assert {version for (version,) in kept} >= set(versions(release)), kept
