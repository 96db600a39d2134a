"""The storage of dagster.yaml: Dagster's SQLite storage, the same files in the same folders,
with each event-log database's connection kept open by the process that uses it.

Dagster's SQLite event log opens a database, runs one statement and closes it again for
every event it stores and every query it answers: some 1 300 times in a `make run` that
redoes one wave. Closing the last connection to a database in WAL mode checkpoints the WAL
into it and deletes it, so each event cost an open, the commit's fsync and the checkpoint's.
Kept open, a commit costs its fsync alone (durable as before: a commit is in the WAL), and
SQLite checkpoints every 1 000 pages (docs/design.md, decision 52).

A connection is only used under the storage's own lock (Dagster's ``_db_lock``: one
statement at a time per process, whichever thread), so one per database is enough. Other
processes (the UI, the daemon, a second `make run`) have their own and see every committed
event, as before. The process keeps the connections of the databases it used last.

Each database a process opens first (the run storage, the schedules, the event log's index,
every run's own) has its schema revision checked against the head of Dagster's migration
scripts, which alembic finds by reading and compiling every script again. The scripts do not
change under a running process: it reads them once (``MigrationScripts``).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster._core.storage.sql as dagster_sql
from alembic.config import Config
from alembic.script import ScriptDirectory
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import StaticPool

# A run writes its own database and the index; the UI reads a few runs' at a time.
KEPT_DATABASES = 8


class MigrationScripts:
    """alembic's ScriptDirectory as Dagster's revision check (``check_alembic_revision``)
    finds it, the scripts of each alembic configuration (one per storage) read once per
    process (13 ms a read; a process that opens many runs' databases, as the tests' do, read
    them for each). Used under Dagster's ``_alembic_lock``."""

    _read: dict[tuple[str | None, str | None], ScriptDirectory] = {}

    @classmethod
    def from_config(cls, config: Config) -> ScriptDirectory:
        key = (config.config_file_name, config.get_main_option("script_location"))
        if key not in cls._read:
            cls._read[key] = ScriptDirectory.from_config(config)
        return cls._read[key]


dagster_sql.ScriptDirectory = MigrationScripts


class KeptConnectionsEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log, a connection per database kept open."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._pid = os.getpid()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        if os.getpid() != self._pid:
            # a forked child must not use (or close) its parent's SQLite connections
            self._engines = OrderedDict()
            self._pid = os.getpid()
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,
                # used by one thread at a time, under _db_lock, but not always the same one
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
        self._engines[shard] = engine
        while len(self._engines) > KEPT_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def _close_all(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        # the wipe deletes the runs' database files: no connection may outlive its file
        self._close_all()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_all()


class KeptConnectionsSqliteStorage(DagsterSqliteStorage):
    """``storage: sqlite`` of dagster.yaml, with the event log above."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = KeptConnectionsEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptConnectionsSqliteStorage:
        # Dagster's own makes a DagsterSqliteStorage whatever the class it is called on
        return cls.from_local(inst_data=inst_data, **config_value)
