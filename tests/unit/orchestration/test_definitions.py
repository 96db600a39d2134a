"""The Dagster code location: it loads, its graph is what the snapshot says, and the
delivery sensor requests exactly one run per new or changed delivery."""

from __future__ import annotations

import gc
import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.orchestration.automation import annual_rebuild, delivery_sensor
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.resources import BarometerSettings
from pipelines.orchestration.warehouse_resource import LockedWarehouse

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "asset_graph.json"
RAW_DIR = Path(__file__).resolve().parents[3] / "data" / "raw"


def graph() -> dict:
    """What the code location defines, in a form that shows accidental changes in a diff."""
    asset_graph = defs.get_repository_def().asset_graph
    assets = {}
    for key in sorted(asset_graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = asset_graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitioned_by": node.partitions_def.name if node.partitions_def else None,
            "pools": sorted(node.pools),
        }
    checks = sorted(
        f"{c.asset_key.to_user_string()}:{c.name}"
        + (" (blocking)" if asset_graph.get_check_spec(c).blocking else "")
        for c in asset_graph.asset_check_keys
    )
    return {
        "assets": assets,
        "checks": checks,
        "jobs": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "schedules": {
            s.name: {"cron": s.cron_schedule, "timezone": s.execution_timezone, "job": s.job_name}
            for s in defs.schedules
        },
        "sensors": {s.name: {"job": s.job_name} for s in defs.sensors},
    }


def test_a_process_that_loads_the_pipeline_runs_full_collections_every_100th():
    """docs/design.md, decision 51: the collector's full pass walks every object the
    libraries loaded, so it runs every 100th middle collection, not every 10th."""
    assert gc.get_threshold() == (700, 10, 100)


def test_the_asset_graph_matches_its_snapshot():
    current = json.dumps(graph(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("BAROMETER_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == current, (
        "the asset graph changed; if on purpose, rerun with BAROMETER_UPDATE_SNAPSHOT=1 "
        "and commit tests/data/asset_graph.json"
    )


def test_a_run_uses_the_environment_it_starts_in_not_the_one_of_the_import(tmp_path, monkeypatch):
    """The definitions were imported when this module was, before this test's folder
    existed: a run that opens a warehouse there and sees this minimum cell size read both
    as it started."""
    assert os.environ.get("BAROMETER_MIN_CELL_SIZE") != "12"
    warehouse = tmp_path / "at_run" / "warehouse.duckdb"
    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("BAROMETER_MIN_CELL_SIZE", "12")
    seen = {}

    @dg.asset
    def probe(warehouse: LockedWarehouse, settings: BarometerSettings) -> None:
        with warehouse.get_connection() as con:
            seen["warehouse"] = con.execute(
                "SELECT path FROM duckdb_databases() WHERE NOT internal"
            ).fetchone()[0]
        seen["min_cell_size"] = settings.min_cell_size

    dg.materialize([probe], resources=defs.resources, instance=dg.DagsterInstance.ephemeral())
    assert seen == {"warehouse": str(warehouse), "min_cell_size": 12}


# What one wave's run materializes, written out: an asset added to or dropped from the
# definitions or the job's selection fails the test below until this list says so.
WAVE_JOB_ASSETS = frozenset(
    {
        "validated_responses",
        "reference_dimensions",
        "respondents",
        "innovation",
        "culture_index",
        "factors",
        "failures",
        "reform_pressure",
        "differences",
        "changes",
        "release",
        "report",
    }
)
# The assets of the definitions that the wave job leaves out, each with the reason.
# reference_dimensions, the one asset without the wave partitions, is in the job: a wave's
# run builds it when it is stale, before the validated responses that depend on it.
_OBSERVED = "a source: observed (make run, the sensor, the UI), never materialized"
OUTSIDE_THE_WAVE_JOB: dict[str, str] = {
    "raw_delivery": _OBSERVED,
    "reference_data": _OBSERVED,
    "published_figures": _OBSERVED,
    "earlier_releases": _OBSERVED,
}


def wave_job_problems(definitions: dg.Definitions, job_name: str = "wave_job") -> list[str]:
    """What is wrong with the job's selection, a line each: none if it materializes exactly
    WAVE_JOB_ASSETS and leaves out of the definitions' assets only OUTSIDE_THE_WAVE_JOB."""
    job = definitions.resolve_job_def(job_name)
    selected = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assets = {
        k.to_user_string()
        for k in definitions.get_repository_def().asset_graph.get_all_asset_keys()
    }
    left_out = assets - selected
    return [
        *(
            f"{k}: listed, but the job does not materialize it"
            for k in sorted(WAVE_JOB_ASSETS - selected)
        ),
        *(
            f"{k}: the job materializes it, but it is not listed"
            for k in sorted(selected - WAVE_JOB_ASSETS)
        ),
        *(
            f"{k}: an asset the job leaves out, with no reason in OUTSIDE_THE_WAVE_JOB"
            for k in sorted(left_out - OUTSIDE_THE_WAVE_JOB.keys())
        ),
        *(
            f"{k}: OUTSIDE_THE_WAVE_JOB names it, but it is no asset the job leaves out"
            for k in sorted(OUTSIDE_THE_WAVE_JOB.keys() - left_out)
        ),
    ]


def test_the_wave_job_materializes_the_listed_assets_and_leaves_out_none():
    assert wave_job_problems(defs) == []


@dg.asset
def unlisted() -> None:
    """An asset that WAVE_JOB_ASSETS does not list."""


@pytest.mark.parametrize(
    ("variant", "job_name", "problems"),
    [
        (
            dg.Definitions(
                jobs=[
                    dg.define_asset_job(
                        "without_report",
                        selection=dg.AssetSelection.all() - dg.AssetSelection.assets("report"),
                    )
                ]
            ),
            "without_report",
            [
                "report: listed, but the job does not materialize it",
                "report: an asset the job leaves out, with no reason in OUTSIDE_THE_WAVE_JOB",
            ],
        ),
        (
            dg.Definitions(assets=[unlisted]),
            "wave_job",
            ["unlisted: the job materializes it, but it is not listed"],
        ),
    ],
    ids=["a-job-without-the-report", "an-unlisted-asset-in-the-definitions"],
)
def test_the_wave_job_check_reports_an_asset_left_out_or_unlisted(variant, job_name, problems):
    """The check above can fail: the definitions with a job that leaves out the report, and
    with one asset more than the list, which the wave job's selection of all assets takes."""
    assert wave_job_problems(dg.Definitions.merge(defs, variant), job_name) == problems


@pytest.fixture
def raw_dir(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR / "reference", raw / "reference")
    monkeypatch.setenv("BAROMETER_RAW_DIR", str(raw))
    return raw


def evaluate(instance: dg.DagsterInstance, cursor: str | None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    return delivery_sensor(context)


def test_sensor_requests_one_run_per_new_or_changed_delivery(raw_dir):
    instance = dg.DagsterInstance.ephemeral()
    assert isinstance(evaluate(instance, None), dg.SkipReason)

    shutil.copytree(RAW_DIR / "2018", raw_dir / "2018")
    first = evaluate(instance, None)
    assert [(r.partition_key, r.run_key.split("-")[0]) for r in first.run_requests] == [
        ("2018", "2018")
    ]
    assert [r.partition_keys for r in first.dynamic_partitions_requests] == [["2018"]]

    # the same files again: nothing to do
    assert isinstance(evaluate(instance, first.cursor), dg.SkipReason)

    # a changed file: one run for that wave, with a new run key; the partition exists
    instance.add_dynamic_partitions("wave", ["2018"])
    with (raw_dir / "2018" / "frame.csv").open("a", encoding="utf-8") as frame:
        frame.write("")  # same bytes: still nothing
    assert isinstance(evaluate(instance, first.cursor), dg.SkipReason)
    (raw_dir / "2018" / "frame.csv").write_text(
        (RAW_DIR / "2018" / "frame.csv").read_text(encoding="utf-8").replace(",1", ",2", 1),
        encoding="utf-8",
    )
    changed = evaluate(instance, first.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["2018"]
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key
    assert changed.dynamic_partitions_requests == []


def test_sensor_waits_for_a_complete_folder_and_names_a_bad_one(raw_dir):
    instance = dg.DagsterInstance.ephemeral()
    (raw_dir / "2026").mkdir()
    shutil.copy(RAW_DIR / "2018" / "frame.csv", raw_dir / "2026" / "frame.csv")
    assert isinstance(evaluate(instance, None), dg.SkipReason)  # no responses file yet
    (raw_dir / "wave-2026").mkdir()
    skipped = evaluate(instance, None)
    assert isinstance(skipped, dg.SkipReason) and "wave-2026" in skipped.skip_message
    # a folder that is no wave does not hold up the valid ones
    shutil.copytree(RAW_DIR / "2018", raw_dir / "2018")
    requested = evaluate(instance, None)
    assert [r.partition_key for r in requested.run_requests] == ["2018"]


def test_annual_schedule_rebuilds_every_registered_wave_present(raw_dir):
    shutil.copytree(RAW_DIR / "2018", raw_dir / "2018")
    shutil.copytree(RAW_DIR / "2020", raw_dir / "2020")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wave", ["2018", "2020", "2016"])
        requests = annual_rebuild(dg.build_schedule_context(instance=instance))
    assert [r.partition_key for r in requests] == ["2018", "2020"]
