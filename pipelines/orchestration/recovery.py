"""Runs of this instance whose process is gone: found, ended, and their pool slots freed.

A run killed hard (SIGKILL, power loss, OOM killer) never writes its end: it stays STARTED
and keeps the `warehouse` pool slot it had claimed, and every later run waits on that slot
for ever. Dagster's own run monitoring asks the run launcher whether a run's worker lives;
the default launcher cannot tell, and runs of ``make run`` (execute_in_process) have no
launcher at all. Every run's RUN_START event records the process id that executes it, so on
this machine whether that process still lives answers the question for every entry point.

Process ids are local: this is for an instance whose runs all execute on this machine (the
SQLite instance of dagster.yaml). docs/operations.md says what replaces it beyond one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
from dagster._core.storage.runs import InMemoryRunStorage, SqliteRunStorage

from pipelines.orchestration.processes import process_alive

# Which entry point started a run, for messages (the sensor and the schedule tag theirs).
ENTRY_TAG = "barometer/entry_point"

# Runs that may hold a slot or a place in the run queue while a process works on them.
_ACTIVE = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
RECOVERY_MESSAGE = (
    "The process executing this run (pid {pid}) is gone: it was killed or crashed before it "
    "could record the end of the run. Marked {outcome} by the pipeline's recovery; its "
    "concurrency slots go back to their pools (docs/operations.md)."
)


@dataclass(frozen=True)
class RunProcess:
    """The process that started a run, and when."""

    pid: int
    started: float  # Unix time of the run's RUN_START event

    def alive(self) -> bool:
        return process_alive(self.pid, started_by=self.started)


def run_process(instance: dg.DagsterInstance, run_id: str) -> RunProcess | None:
    """The process of a run that has started, from its RUN_START event."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.RUN_START, limit=1
    ).records
    if not records or records[0].event_log_entry.dagster_event is None:
        return None
    entry = records[0].event_log_entry
    return RunProcess(pid=entry.dagster_event.pid, started=entry.timestamp)


def single_machine(instance: dg.DagsterInstance) -> bool:
    """Whether every run of the instance executes on this machine: its run storage is a
    local SQLite file (or memory). A shared database (Postgres) may hold runs of other
    machines, whose process ids mean nothing here."""
    return isinstance(instance.run_storage, (SqliteRunStorage, InMemoryRunStorage))


def dead_run_message(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why ``run`` (STARTED or CANCELING) is dead, or None while its process lives (or
    when this machine cannot tell)."""
    if not single_machine(instance):
        return None
    process = run_process(instance, run.run_id)
    if process is None or process.alive():
        return None
    outcome = "canceled" if run.status == dg.DagsterRunStatus.CANCELING else "failed"
    return RECOVERY_MESSAGE.format(pid=process.pid, outcome=outcome)


def recover(instance: dg.DagsterInstance) -> list[str]:
    """End the runs whose process is gone and free every slot held by a run that has ended.
    Returns one line per run it ended, for the caller to show."""
    ended = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=_ACTIVE)):
        run = record.dagster_run
        message = dead_run_message(instance, run)
        if message is None:
            continue
        # Re-read: the run may have ended by itself since it was listed.
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status not in _ACTIVE:
            continue
        if current.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(current, message)
        else:
            instance.report_run_failed(current, message)
        ended.append(f"run {run.run_id} ({describe(run)}): {message}")
    free_slots_of_ended_runs(instance)
    return ended


def free_slots_of_ended_runs(instance: dg.DagsterInstance) -> None:
    """Slots and queued slot claims of runs that ended (or were deleted) go back to the pool."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    for run_id in slot_run_ids(instance):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)


def slot_run_ids(instance: dg.DagsterInstance) -> set[str]:
    """Runs holding a slot of any pool, or waiting for one."""
    storage = instance.event_log_storage
    infos = storage.get_concurrency_infos(list(storage.get_concurrency_keys()))
    holding = {slot.run_id for info in infos.values() for slot in info.claimed_slots}
    return holding | storage.get_concurrency_run_ids()


def slot_holders(instance: dg.DagsterInstance, pool: str) -> list[dg.DagsterRun]:
    """The runs holding a slot of ``pool``."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    held = {slot.run_id for slot in storage.get_concurrency_info(pool).claimed_slots}
    return [run for run in map(instance.get_run_by_id, sorted(held)) if run is not None]


def describe(run: dg.DagsterRun) -> str:
    """'wave 2018, make run' or similar: what a run is, for messages."""
    parts = []
    if wave := run.tags.get("dagster/partition"):
        parts.append(f"wave {wave}")
    if sensor := run.tags.get("dagster/sensor_name"):
        parts.append(f"sensor {sensor}")
    elif schedule := run.tags.get("dagster/schedule_name"):
        parts.append(f"schedule {schedule}")
    elif entry := run.tags.get(ENTRY_TAG):
        parts.append(entry)
    return ", ".join(parts) or run.job_name


def since(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
