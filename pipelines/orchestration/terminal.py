"""What ``make run`` prints: one line per problem, the stack traces left to the Dagster UI.

Dagster's console logger prints a failed step with its whole stack trace (~140 lines for a
codebook error), and an exception's message may quote what it read. The terminal gets
instead the warnings the assets log themselves and, per failed wave, one line per problem:
where, what is wrong, what to do. The run's event log keeps everything for the UI.
"""

from __future__ import annotations

import logging
import sys

import dagster as dg

# Exception class -> what the person running the pipeline can do about it.
WHAT_TO_DO = {
    "DeliveryError": "correct the delivery (or ask the vendor for a corrected one) and run again",
    "CodebookError": "correct the codebook and run again",
    "PublishError": "see docs/publishing.md; run again once it is resolved",
}
NOTHING_PUBLISHED = "nothing of this wave was published"


@dg.logger(
    config_schema={"log_level": dg.Field(str, default_value="WARNING", is_required=False)},
    description="Warnings the assets log, one line each, without Dagster's event records.",
)
def terminal_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("barometer.terminal", init_context.logger_config["log_level"])
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_own_messages)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    return logger


def _own_messages(record: logging.LogRecord) -> bool:
    """Only the warnings an asset logs itself (context.log.warning), as it wrote them.
    Dagster's event records (a failed step with its trace) and its errors about steps not
    run because an earlier one failed stay in the UI: ``problems`` says what went wrong."""
    meta = getattr(record, "dagster_meta", None)
    if record.levelno >= logging.ERROR or meta is None:
        return meta is None
    if meta.get("dagster_event") is not None:
        return False
    record.msg, record.args = meta["orig_message"], ()
    return True


def problems(result: dg.ExecuteInProcessResult, wave: str) -> list[str]:
    """One line per reason the run of ``wave`` failed."""
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            first = (evaluation.description or "no reason given").splitlines()
            detail = f"; first: {first[1].strip(' -')}" if len(first) > 1 else ""
            lines.append(
                f"wave {wave}: {first[0]}{detail}; {NOTHING_PUBLISHED}; "
                "fix what the failing expectations name (the Data Docs page lists them all)"
            )
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        error = event.step_failure_data.error
        while error.cause is not None:
            error = error.cause
        if error.cls_name == "DagsterAssetCheckFailedError":
            continue  # the failed check's own line above says why
        message = error.message.removeprefix(f"{_qualified(error)}: ").strip()
        first_line = message.splitlines()[0] if message else error.cls_name
        todo = WHAT_TO_DO.get(
            error.cls_name,
            f"an unexpected {error.cls_name}: the stack trace is in the Dagster UI "
            f"(make ui, Runs, run {result.run_id})",
        )
        lines.append(f"wave {wave}: {first_line}; {NOTHING_PUBLISHED}; {todo}")
    return lines or [f"wave {wave}: the run failed (make ui, Runs, run {result.run_id})"]


def _qualified(error) -> str:
    """The ``module.Class`` prefix Dagster's error info puts before the message."""
    prefix = error.message.split(":", 1)[0]
    return prefix if prefix.endswith(error.cls_name) else error.cls_name
