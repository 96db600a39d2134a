"""The storage of dagster.yaml: Dagster's SQLite files, in Dagster's folders, the event log's
connection to each database kept open (pipelines/orchestration/instance_storage.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import dagster._core.storage.sql as dagster_sql
import pytest
import yaml
from alembic.script import ScriptDirectory
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from sqlalchemy import Engine, create_engine, event

from pipelines.orchestration.instance_storage import (
    KEPT_DATABASES,
    KeptConnectionsEventLogStorage,
    MigrationScripts,
)

PROJECT = Path(__file__).resolve().parents[3]


@dg.asset
def one() -> int:
    return 1


def project_instance(home: Path, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    """The instance of the project's dagster.yaml, its folder under ``home``."""
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("BAROMETER_DAGSTER_DIR", str(home / ".dagster"))
    return dg.DagsterInstance.from_config(str(home))


def dagsters_instance(home: Path) -> dg.DagsterInstance:
    """Dagster's own SQLite storage (`storage: sqlite`) in the same folder."""
    config = yaml.safe_load((PROJECT / "dagster.yaml").read_text(encoding="utf-8"))
    config["storage"] = {"sqlite": {"base_dir": str(home / ".dagster")}}
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return dg.DagsterInstance.from_config(str(home))


@contextmanager
def event_log_connections() -> Iterator[list[str]]:
    """The event log's databases (history/runs/*.db), once per SQLite connection opened to
    one meanwhile."""
    opened = []

    def count(dbapi_connection, _record):
        [(_, _, path)] = dbapi_connection.execute("PRAGMA database_list").fetchall()
        if Path(path).parent.name == "runs":
            opened.append(Path(path).stem)

    event.listen(Engine, "connect", count)
    try:
        yield opened
    finally:
        event.remove(Engine, "connect", count)


def materialize(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    result = dg.materialize([one], instance=instance)
    assert result.success
    return result


def test_a_run_opens_its_databases_once_where_dagsters_storage_opens_them_per_event(
    tmp_path, monkeypatch
):
    with project_instance(tmp_path / "kept", monkeypatch) as instance:
        assert isinstance(instance.event_log_storage, KeptConnectionsEventLogStorage)
        materialize(instance)
        with event_log_connections() as opened:
            run_id = materialize(instance).run_id
        events = len(instance.all_logs(run_id))
        # the new run's database once (Dagster's has_table opens the index apart, per asset
        # event: it is called while the index's connection is in use)
        assert opened.count(run_id) == 1 and opened.count("index") <= 1
    with dagsters_instance(tmp_path / "dagster") as instance:
        materialize(instance)
        with event_log_connections() as opened:
            run_id = materialize(instance).run_id
        assert opened.count(run_id) >= events > 10 and "index" in opened


def test_the_files_are_dagsters_and_another_instance_reads_what_a_run_committed(
    tmp_path, monkeypatch
):
    """What `make run` stores, the UI's instance (another process) reads, from the files
    Dagster's `storage: sqlite` keeps, in its folders."""
    home = tmp_path / "home"
    with project_instance(home, monkeypatch) as writer:
        run_id = materialize(writer).run_id
        # the writer still holds its connections
        storage = home / ".dagster"
        for kept in ("history/runs.db", "history/runs/index.db", f"history/runs/{run_id}.db"):
            assert (storage / kept).is_file(), kept
        with dg.DagsterInstance.from_config(str(home)) as reader:
            record = reader.get_latest_materialization_event(dg.AssetKey("one"))
            assert record is not None and record.run_id == run_id
            assert reader.get_run_by_id(run_id).is_success


def test_a_process_keeps_only_the_databases_it_used_last(tmp_path, monkeypatch):
    with project_instance(tmp_path, monkeypatch) as instance:
        storage = instance.event_log_storage
        runs = [materialize(instance).run_id for _ in range(KEPT_DATABASES + 2)]
        kept = list(storage._engines)
        assert len(kept) == KEPT_DATABASES
        assert kept[-1] in ("index", runs[-1]) and runs[0] not in kept
        # an older run read again is opened again, and then kept
        assert instance.all_logs(runs[0])
        assert list(storage._engines)[-1] == runs[0]


def test_a_wipe_closes_the_connections_and_the_storage_goes_on(tmp_path, monkeypatch):
    with project_instance(tmp_path, monkeypatch) as instance:
        first = materialize(instance).run_id
        instance.event_log_storage.wipe()
        assert first not in instance.event_log_storage._engines
        assert not (tmp_path / ".dagster" / "history" / "runs" / f"{first}.db").exists()
        second = materialize(instance).run_id
        assert instance.all_logs(second) and not instance.all_logs(first)


def test_dagsters_revision_check_reads_the_migration_scripts_once(tmp_path, monkeypatch):
    """Dagster's check of a database's schema revision (the one every database a process
    opens first goes through) takes the head from scripts read once, and it is the head
    alembic reads from them; each database's own revision is still read from it."""
    monkeypatch.setattr(MigrationScripts, "_read", {})
    reads = []
    load = ScriptDirectory._load_revisions

    def counted(script):
        reads.append(script.dir)
        return load(script)

    monkeypatch.setattr(ScriptDirectory, "_load_revisions", counted)
    config = dagster_sql.get_alembic_config(sqlite_event_log.__file__)
    engine = create_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with engine.connect() as database:
            checked = [dagster_sql.check_alembic_revision(config, database) for _ in range(3)]
            # stamped as Dagster stamps a new database (alembic reads the scripts for it)
            dagster_sql.stamp_alembic_rev(config, database)
            checked.append(dagster_sql.check_alembic_revision(config, database))
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(config).as_revision_number("head")
    assert head and checked == [(None, head)] * 3 + [(head, head)]
    assert len(reads) == 3  # the four checks', the stamp's, and the reference's just now
