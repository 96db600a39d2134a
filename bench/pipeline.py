"""The measured pipeline: the Dagster job `wave_job` run in-process for one wave, as
`make run` runs it (built by pipelines/orchestration/definitions.py: build_definitions,
with the default resources), against an ephemeral instance (nothing of the project's .dagster/).

The fixed start-up — importing Dagster, the definitions and Great Expectations, and making
the instance — is timed apart from the run, so that the pipeline's time excludes it.
Paths come from the environment the parent sets (BAROMETER_RAW_DIR, BAROMETER_MARTS_DIR,
BAROMETER_WAREHOUSE), read as the run starts.

    python -m bench.pipeline WAVE REPORT_JSON            start up, run the wave
    python -m bench.pipeline --startup-only REPORT_JSON  start up only
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.perf_counter()


def start_up():
    """What every run of the pipeline pays before its first step. Great Expectations and
    matplotlib are imported by the first gate and the first chart otherwise."""
    import dagster as dg
    import great_expectations  # noqa: F401
    import matplotlib.figure  # noqa: F401

    from pipelines.orchestration.definitions import build_definitions
    from pipelines.orchestration.run import wave_job

    return dg.DagsterInstance.ephemeral(), wave_job(build_definitions())


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds per step of a finished run, from its event log."""
    started, seconds = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            started[record.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds[record.step_key] = record.timestamp - started[record.step_key]
    return seconds


def main(argv: list[str]) -> int:
    *options, report = argv
    instance, job = start_up()
    ready = time.perf_counter()
    timings = {"startup_s": ready - STARTED}
    if options != ["--startup-only"]:
        from pipelines.orchestration.partitions import waves
        from pipelines.orchestration.run import RUN_CONFIG

        (wave,) = options
        instance.add_dynamic_partitions(waves.name, [wave])
        result = job.execute_in_process(
            partition_key=wave, instance=instance, run_config=RUN_CONFIG
        )
        timings["pipeline_s"] = time.perf_counter() - ready
        timings["steps"] = step_seconds(instance, result.run_id)
    with open(report, "w", encoding="utf-8") as f:
        json.dump(timings, f)
    return 0


if __name__ == "__main__":
    # and ends as `make run` ends, so that the wall time to the exit is make run's
    from pipelines.orchestration.run import exit_with

    exit_with(main(sys.argv[1:]))
