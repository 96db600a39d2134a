"""The warehouse resource: DuckDB, held by one run at a time
(pipelines/orchestration/warehouse_lock.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from pipelines import paths
from pipelines.orchestration.warehouse_lock import WarehouseBusy, hold_warehouse
from pipelines.warehouse.sql_runner import held_by_another_process


class LockedWarehouse(DuckDBResource):
    """DuckDBResource whose run holds the warehouse lock from its start to its end.

    Taken when the run initializes its resources, before any step claims a slot of the pool
    `warehouse`: dead runs are ended and their slots freed first, a live holder is waited
    for (at most BAROMETER_LOCK_TIMEOUT seconds) and named in the run's log. Runs of every
    entry point (``make run``, the sensor, the schedule, the UI) pass through here.

    The file is BAROMETER_WAREHOUSE (pipelines/paths.py) as the run starts, unless `database`
    names one: read then, not when the definitions are imported, since a process that imports
    them once (a code server, a test session) runs with the environment of each run's time.
    """

    database: str = Field(
        default="",
        description="The warehouse file; empty: BAROMETER_WAREHOUSE (default "
        "data/warehouse.duckdb) as each run starts.",
    )
    _path: str = PrivateAttr(default="")
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._path = self._warehouse()
        Path(self._path).parent.mkdir(parents=True, exist_ok=True)

    def _warehouse(self) -> str:
        return self.database or str(paths.warehouse_path())

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[DuckDBResource]:
        with (
            hold_warehouse(
                context.instance,
                entry="dagster run",
                report=context.log.warning,
                run_id=context.run.run_id if context.run else None,
            ),
            super().yield_for_execution(context) as resource,
            resource._connect(resource._path) as held,
        ):
            # The run's steps connect through this one connection (``get_connection``): the
            # database stays open between them, its cache warm, instead of being opened,
            # read and checkpointed again by every step (docs/design.md, decision 60).
            resource._held = held
            try:
                yield resource
            finally:
                resource._held = None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own to the warehouse: within a run, a cursor of the run's
        connection (the same database, its own transactions); outside a run (nothing set
        up), the file named now, opened for the block."""
        if self._held is not None:
            with self._held.cursor() as con:
                yield con
            return
        with self._connect(self._path or self._warehouse()) as con:
            yield con

    @contextmanager
    def _connect(self, database: str) -> Iterator[duckdb.DuckDBPyConnection]:
        # No retries: pipeline runs take turns through the lock, so a DuckDB lock conflict
        # means another program (a duckdb shell, a notebook) has the file open.
        try:
            con = duckdb.connect(database, config=self.connection_config)
        except duckdb.IOException as error:
            if not held_by_another_process(error):
                raise
            raise WarehouseBusy(
                f"the warehouse {database} is open in another program, so this run "
                f"cannot write it: {error}. Close that program and run again."
            ) from None
        try:
            yield con
        finally:
            con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All of a step's writes or none: a run stopped in the middle (an interrupt, a kill —
    DuckDB drops an uncommitted transaction when it next opens the file) leaves the
    warehouse as it was, never a wave's table emptied and not yet filled again."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()
