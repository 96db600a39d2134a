"""A check's latest passing evaluations that may record a given value, narrowed in the
event log's index before any of them is read.

Dagster's history of a check (``get_asset_check_execution_history``) deserializes every
evaluation it returns, and a quality gate's pass carries its validation result, some 30 KB
of JSON. Looking for an earlier pass of a mart's new rows thus read and unpacked each of the
check's latest evaluations (2–3 ms each) to find none: twice per mart in a run, and more
with every run the instance keeps, up to the search's limit. On Dagster's SQL storages (SQLite,
Postgres, MySQL, the in-memory instance's) the database keeps only the passes, among the
latest evaluations, whose stored event contains the value, and only those are read. The
caller still compares their metadata: the narrowing leaves out only what could not match.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.sqlalchemy_compat import db_fetch_mappings
from sqlalchemy import and_, select

_PASSED = AssetCheckExecutionRecordStatus.SUCCEEDED


def latest_passes(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, recording: str, searched: int
) -> Sequence[AssetCheckExecutionRecord]:
    """The passing evaluations of check ``key`` among its ``searched`` latest, newest first,
    leaving out (where the storage can tell) those whose event does not contain the text
    ``recording``."""
    storage = instance.event_log_storage
    if not isinstance(storage, SqlEventLogStorage):
        history = storage.get_asset_check_execution_history(key, searched)
        return [record for record in history if record.status == _PASSED]
    table = AssetCheckExecutionsTable
    latest = (
        select(table.c.id)
        .where(
            and_(
                table.c.asset_key == key.asset_key.to_string(),
                table.c.check_name == key.name,
            )
        )
        .order_by(table.c.id.desc())
        .limit(searched)
        # a derived table: MySQL refuses LIMIT in a subquery of IN, not in a FROM
        .subquery()
    )
    query = (
        select(
            table.c.id,
            table.c.run_id,
            table.c.execution_status,
            table.c.evaluation_event,
            table.c.create_timestamp,
            table.c.partition,
        )
        .where(
            and_(
                table.c.id.in_(select(latest.c.id)),
                table.c.execution_status == _PASSED.value,
                table.c.evaluation_event.contains(recording, autoescape=True),
            )
        )
        .order_by(table.c.id.desc())
    )
    with storage.index_connection() as conn:
        rows = db_fetch_mappings(conn, query)
    return [AssetCheckExecutionRecord.from_db_row(row, key=key) for row in rows]
