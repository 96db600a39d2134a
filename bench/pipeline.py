"""The measured pipeline: the Dagster job `wave_job` run in-process for one wave, as
`make run` runs it (built by pipelines/orchestration/definitions.py: build_definitions,
with the default resources), against an ephemeral instance (nothing of the project's .dagster/).

The fixed start-up — importing Dagster, the definitions, matplotlib (and Great Expectations
where the run validates in its own process), and making the instance — is timed apart from
the run, so that the pipeline's time excludes it. A GX worker's import, beside the run, is
in the pipeline's time.
Paths come from the environment the parent sets (BAROMETER_RAW_DIR, BAROMETER_MARTS_DIR,
BAROMETER_WAREHOUSE), read as the run starts.

    python -m bench.pipeline WAVE REPORT_JSON            start up, run the wave
    python -m bench.pipeline --startup-only REPORT_JSON  start up only
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def start_up(responses: Path | None):
    """What every run of the pipeline pays before its first step, for a wave whose delivery
    is ``responses`` (None: a process that only starts up). matplotlib is imported by the
    first chart otherwise. Great Expectations is imported by the first gate where the run
    validates in its own process, as for a delivery too large for a GX worker
    (pipelines/quality/worker.py); else the worker imports it beside the run, which is
    timed, as in `make run`."""
    import dagster as dg
    import matplotlib.figure  # noqa: F401

    from pipelines.orchestration.definitions import build_definitions
    from pipelines.orchestration.run import wave_job
    from pipelines.quality.worker import pays_for

    if responses is not None and not pays_for(responses):
        import great_expectations  # noqa: F401

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
    responses = None
    if options != ["--startup-only"]:
        from pipelines import paths
        from pipelines.ingest.delivery import locate_delivery

        (wave,) = options
        responses = locate_delivery(paths.raw_dir(), int(wave)).responses
    instance, job = start_up(responses)
    # as `make run` freezes what its start-up loaded (pipelines/orchestration/run.py)
    gc.freeze()
    ready = time.perf_counter()
    timings = {"startup_s": ready - STARTED}
    if responses is not None:
        from pipelines.orchestration.partitions import waves
        from pipelines.orchestration.run import RUN_CONFIG
        from pipelines.quality.worker import beside_run

        instance.add_dynamic_partitions(waves.name, [wave])
        with beside_run() as gx_worker_for:
            gx_worker_for(responses)
            result = job.execute_in_process(
                partition_key=wave, instance=instance, run_config=RUN_CONFIG
            )
        timings["pipeline_s"] = time.perf_counter() - ready
        timings["steps"] = step_seconds(instance, result.run_id)
        # the largest peak of this process's children (its GX worker; without one, Dagster's
        # log-tailing processes), which the bench adds to this process's own: wait4 gives
        # the larger of the two, not what they held together
        children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        timings["children_peak_rss_bytes"] = children_kib * 1024
    with open(report, "w", encoding="utf-8") as f:
        json.dump(timings, f)
    return 0


if __name__ == "__main__":
    # and ends as `make run` ends, so that the wall time to the exit is make run's
    from pipelines.orchestration.run import exit_with

    exit_with(main(sys.argv[1:]))
