"""What runs by itself: the wave job, the delivery sensor and the annual schedule."""

import hashlib
import json

import dagster as dg

from pipelines import paths
from pipelines.ingest.delivery import discover, discover_waves
from pipelines.orchestration.freshness import observe
from pipelines.orchestration.partitions import waves
from pipelines.orchestration.recovery import ENTRY_TAG
from pipelines.provenance import wave_fingerprints
from pipelines.publish.layout import latest_before, latest_published, read_manifest

# The digest of the inputs a run was made from: every entry point tags its runs with it, so
# "this wave is done" means the same to all of them.
DIGEST_TAG = "barometer/inputs_digest"
# On a run requested because the wave's changes compared with older versions of earlier
# waves: the digest of the versions it is to compare with (one run per such state).
COMPARED_TAG = "barometer/compared_with"

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


def run_tags(wave: int, entry: str) -> dict[str, str]:
    """Tags of a run of ``wave`` started by ``entry`` (e.g. "make run")."""
    return {DIGEST_TAG: delivery_digest(wave), ENTRY_TAG: entry}


def stale_changes(waves: list[int]) -> dict[int, str]:
    """The waves among `waves` whose latest release compared with other versions of the
    earlier waves than those LATEST names now (an earlier wave got a new version, or was
    published after it): wave -> a digest of the versions it should compare with now."""
    marts_dir = paths.marts_dir()
    stale = {}
    for wave in waves:
        latest = latest_published(marts_dir, wave)
        if latest is None:
            continue
        now = [e.compared() for e in latest_before(marts_dir, wave)]
        if read_manifest(latest.path).get("compared_with", []) != now:
            stale[wave] = hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()
    return stale


def done_with(instance: dg.DagsterInstance, wave: str, digest: str) -> bool:
    """Whether the latest successful run of ``wave`` was made from inputs with ``digest``."""
    records = instance.get_run_records(
        dg.RunsFilter(
            job_name=wave_job.name,
            statuses=[dg.DagsterRunStatus.SUCCESS],
            tags={"dagster/partition": wave},
        ),
        limit=1,
    )
    return bool(records) and records[0].dagster_run.tags.get(DIGEST_TAG) == digest


@dg.sensor(
    job=wave_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers each complete wave folder in BAROMETER_RAW_DIR as a partition and "
    "runs the wave when its files (or its codebook, or the reference data) change, or when "
    "an earlier wave has a newer version than the one its published changes compared with.",
)
def delivery_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    # A folder that is no wave is logged by name and skipped; the valid waves still run.
    discovery = discover(paths.raw_dir())
    for problem in discovery.problems:
        context.log.warning(f"skipped: {problem}")
    found = discovery.waves
    # so that the UI shows what a change of files made stale before any run
    for wave in found:
        observe(context.instance, wave)
    # The cursor holds the digest of each wave as last requested: same files, no new run.
    # Nor when the wave's latest successful run (of `make run`, say) was made from them.
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    digests = {str(wave): delivery_digest(wave) for wave in found}
    changed = [
        wave
        for wave, digest in digests.items()
        if seen.get(wave) != digest and not done_with(context.instance, wave, digest)
    ]
    # A wave whose changes compared with an earlier wave's older version runs again, once
    # per state of the earlier waves (the run key). Not while it or an earlier wave is about
    # to run, which may make a new version to compare with: waves go one after the other.
    stale: dict[str, str] = {}
    for wave, compared in stale_changes(found).items():
        if not any(int(w) <= wave for w in [*changed, *stale]):
            stale[str(wave)] = compared
    latest = {**seen, **digests}
    cursor = json.dumps(latest, sort_keys=True)
    if not changed and not stale:
        not_waves = "".join(f"; skipped {p}" for p in discovery.problems)
        skip = f"no new or changed deliveries among waves {sorted(digests)}{not_waves}"
        if latest == seen:
            return dg.SkipReason(skip)
        return dg.SensorResult(skip_reason=skip, cursor=cursor)
    known = set(context.instance.get_dynamic_partitions(waves.name))
    new = [wave for wave in [*changed, *stale] if wave not in known]
    return dg.SensorResult(
        run_requests=[
            *(
                dg.RunRequest(
                    run_key=f"{wave}-{digests[wave]}",
                    partition_key=wave,
                    tags={DIGEST_TAG: digests[wave]},
                )
                for wave in changed
            ),
            *(
                dg.RunRequest(
                    run_key=f"{wave}-compared-{compared}",
                    partition_key=wave,
                    tags={DIGEST_TAG: digests[wave], COMPARED_TAG: compared},
                )
                for wave, compared in stale.items()
            ),
        ],
        dynamic_partitions_requests=[waves.build_add_request(new)] if new else [],
        cursor=cursor,
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
    return [
        dg.RunRequest(partition_key=wave, tags={DIGEST_TAG: delivery_digest(int(wave))})
        for wave in present
    ]
