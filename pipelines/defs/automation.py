"""What runs by itself: the wave job, the delivery sensor and the annual schedule."""

import hashlib
import json

import dagster as dg

from pipelines import paths
from pipelines.defs.partitions import waves
from pipelines.ingest.delivery import discover, discover_waves
from pipelines.publish.fingerprint import wave_fingerprints

# Validate -> transform -> gate -> publish in one run, so blocking checks gate publishing.
wave_job = dg.define_asset_job(
    "wave_job",
    selection=dg.AssetSelection.all(),
    description="Ingest, validate, transform, check and publish one wave.",
    # In-process by default: measured at set-up, a materialization cost ~15 s in a process
    # of its own against ~4.5 s in-process.
    # The Launchpad can switch a run to {"multiprocess": {}}.
    executor_def=dg.multi_or_in_process_executor,
    config={"execution": {"config": {"in_process": {}}}},
)


def delivery_digest(wave: int) -> str:
    """One hash over the wave's delivery files, its codebook and the reference data."""
    prints = wave_fingerprints(paths.raw_dir(), wave)
    return hashlib.sha256(json.dumps(prints, sort_keys=True).encode()).hexdigest()


@dg.sensor(
    job=wave_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers each complete wave folder in BAROMETER_RAW_DIR as a partition and "
    "runs the wave when its files (or its codebook, or the reference data) change.",
)
def delivery_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    # A folder that is no wave is logged by name and skipped; the valid waves still run.
    discovery = discover(paths.raw_dir())
    for problem in discovery.problems:
        context.log.warning(f"skipped: {problem}")
    found = discovery.waves
    # The cursor holds the digest of each wave as last requested: same files, no new run.
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    digests = {str(wave): delivery_digest(wave) for wave in found}
    changed = [wave for wave, digest in digests.items() if seen.get(wave) != digest]
    if not changed:
        not_waves = "".join(f"; skipped {p}" for p in discovery.problems)
        return dg.SkipReason(
            f"no new or changed deliveries among waves {sorted(digests)}{not_waves}"
        )
    known = set(context.instance.get_dynamic_partitions(waves.name))
    new = [wave for wave in changed if wave not in known]
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=f"{wave}-{digests[wave]}", partition_key=wave) for wave in changed
        ],
        dynamic_partitions_requests=[waves.build_add_request(new)] if new else [],
        cursor=json.dumps({**seen, **digests}, sort_keys=True),
    )


@dg.schedule(
    job=wave_job,
    cron_schedule="0 6 1 3 *",
    execution_timezone="Europe/Oslo",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every 1 March at 06:00: rebuild and republish every wave present. "
    "Unchanged inputs publish no new version.",
)
def annual_rebuild(context: dg.ScheduleEvaluationContext):
    known = set(context.instance.get_dynamic_partitions(waves.name))
    present = [str(wave) for wave in discover_waves(paths.raw_dir()) if str(wave) in known]
    if not present:
        return dg.SkipReason("no registered wave has a complete delivery folder")
    return [dg.RunRequest(partition_key=wave) for wave in present]
