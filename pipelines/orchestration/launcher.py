"""The run launcher of dagster.yaml: Dagster's default one, which can tell a dead run.

Dagster's run monitoring (the daemon under ``make ui``) asks the run launcher whether the
worker of each STARTED run lives, and fails the run when it does not; the default launcher
cannot answer, so a run whose process was killed stayed STARTED, and with one run at a time
every queued run waited behind it. This one answers from the process id the run recorded
(pipelines/orchestration/recovery.py); that holds for runs of ``make run`` too, which no launcher
started. The monitoring daemon then frees the dead run's pool slots
(``free_slots_after_run_end_seconds``).
"""

from __future__ import annotations

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

from pipelines.orchestration.recovery import dead_run_message


class ProcessCheckingRunLauncher(DefaultRunLauncher):
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        message = dead_run_message(self._instance, run)
        if message is None:  # its process lives, or it has not recorded one yet
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, message)
