"""`make run` does only what Dagster calls stale or missing (pipelines/orchestration/
freshness.py): nothing for unchanged waves, which it reports up to date; a changed delivery
redoes that wave and the later waves' changes; new code or settings make everything due.

Waves 2020 and 2024 of the samples (the cheaper two to estimate), run in-process by
`run_waves`, as `make run` runs them, in folders and an instance of this module's own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.orchestration import definitions, freshness, run
from pipelines.orchestration.interrupts import StopRequest
from pipelines.orchestration.resources import BarometerSettings
from pipelines.publish.layout import latest_published, read_manifest
from tests.unit.orchestration.test_definitions import WAVE_JOB_ASSETS

RAW_DIR = Path(__file__).resolve().parents[2] / "data" / "raw"
WAVES = [2020, 2024]
# what a wave's run makes, but the reference dimensions, which every wave shares
WAVE_ASSETS = WAVE_JOB_ASSETS - {"reference_dimensions"}


class Project:
    def __init__(self, root: Path):
        self.raw = root / "raw"
        self.marts = root / "marts"
        self.instance = dg.DagsterInstance.ephemeral()

    def run(self, capsys) -> tuple[list[str], list[dg.DagsterRun]]:
        """run_waves over both waves: the lines it printed and the runs it made."""
        before = {r.run_id for r in self.instance.get_runs()}
        capsys.readouterr()
        assert run.run_waves(self.instance, WAVES, StopRequest()) == []
        printed = capsys.readouterr().out.splitlines()
        made = [r for r in self.instance.get_runs() if r.run_id not in before]
        return printed, sorted(made, key=lambda r: r.tags["dagster/partition"])

    def due(self, graph, wave: int) -> set[str]:
        stale = freshness.resolver(self.instance, graph)
        return {k.to_user_string() for k in freshness.to_run(stale, graph, wave)}

    def latest(self, wave: int) -> str:
        return latest_published(self.marts, wave).version


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("up_to_date")
    made = Project(root)
    for folder in ("reference", *map(str, WAVES)):
        shutil.copytree(RAW_DIR / folder, made.raw / folder)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BAROMETER_RAW_DIR", str(made.raw))
        env.setenv("BAROMETER_MARTS_DIR", str(made.marts))
        env.setenv("BAROMETER_WAREHOUSE", str(root / "warehouse.duckdb"))
        env.setenv("BAROMETER_MIN_CELL_SIZE", "10")
        assert run.run_waves(made.instance, WAVES, StopRequest()) == []
        yield made


def test_an_unchanged_run_does_nothing_and_says_so(project, capsys):
    graph = definitions.defs.resolve_asset_graph()
    assert [project.due(graph, wave) for wave in WAVES] == [set(), set()]
    printed, made = project.run(capsys)
    assert printed == ["2020: up to date, v0001", "2024: up to date, v0001"]
    assert made == []


def test_a_changed_frame_redoes_that_wave_and_the_later_waves_changes(project, capsys):
    frame = project.raw / "2020" / "frame.csv"
    header, first, *rest = frame.read_text(encoding="utf-8").splitlines()
    cell, count = first.rsplit(",", 1)
    frame.write_text("\n".join([header, f"{cell},{int(count) + 1}", *rest]) + "\n")
    graph = definitions.defs.resolve_asset_graph()
    assert freshness.observe(project.instance, 2020) == ["raw_delivery"]
    assert project.due(graph, 2020) == WAVE_ASSETS
    assert project.due(graph, 2024) == set()  # until 2020 has a new version

    printed, made = project.run(capsys)
    assert not any("up to date" in line for line in printed)
    assert [r.tags["dagster/partition"] for r in made] == ["2020", "2024"]
    selected = [{k.to_user_string() for k in r.asset_selection} for r in made]
    assert selected == [WAVE_ASSETS, {"changes", "release", "report"}]
    assert (project.latest(2020), project.latest(2024)) == ("v0002", "v0002")
    compared = read_manifest(latest_published(project.marts, 2024).path)["compared_with"]
    assert [(c["wave"], c["version"]) for c in compared] == [(2020, "v0002")]

    printed, made = project.run(capsys)
    assert printed == ["2020: up to date, v0002", "2024: up to date, v0002"]
    assert made == []


@pytest.mark.parametrize("change", ["code", "min_cell_size"])
def test_new_code_or_settings_make_every_asset_due(project, change, monkeypatch):
    """Every asset's code version holds the code's digest and the minimum cell size."""
    settings = BarometerSettings(min_cell_size=10)
    if change == "code":
        monkeypatch.setattr(definitions, "code_version", lambda: "another code")
    else:
        settings = BarometerSettings(min_cell_size=11)
    graph = definitions.build_definitions({"settings": settings}).resolve_asset_graph()
    everything = {*WAVE_ASSETS, "reference_dimensions"}
    assert [project.due(graph, wave) for wave in WAVES] == [everything, everything]


def test_a_run_stopped_after_ingest_leaves_what_follows_due(project):
    """Ingest made anew from a changed frame, then the run stopped: what was made from the
    responses before is stale, though Dagster's own derived versions would not show it (it
    does not carry a partitioned source's version into them)."""
    frame = project.raw / "2020" / "frame.csv"
    header, first, *rest = frame.read_text(encoding="utf-8").splitlines()
    cell, count = first.rsplit(",", 1)
    frame.write_text("\n".join([header, f"{cell},{int(count) + 1}", *rest]) + "\n")
    freshness.observe(project.instance, 2020)
    ingested = run.wave_job().execute_in_process(
        partition_key="2020",
        instance=project.instance,
        run_config=run.RUN_CONFIG,
        asset_selection=[dg.AssetKey("validated_responses")],
    )
    assert ingested.success
    graph = definitions.defs.resolve_asset_graph()
    assert project.due(graph, 2020) == WAVE_ASSETS - {"validated_responses"}


def test_an_instance_from_when_raw_delivery_was_materialized_forgets_it(tmp_path, monkeypatch):
    """Such an instance holds materializations of `raw_delivery`, which Dagster would take
    over its observations as what a run read: observing wipes them."""
    monkeypatch.setenv("BAROMETER_RAW_DIR", str(RAW_DIR))
    monkeypatch.setenv("BAROMETER_MARTS_DIR", str(tmp_path / "marts"))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("wave", ["2020"])
    instance.report_runless_asset_event(dg.AssetMaterialization("raw_delivery", partition="2020"))
    assert freshness.observe(instance, 2020) == [
        "raw_delivery",
        "reference_data",
        "published_figures",
        "earlier_releases",
    ]
    key = dg.AssetKey("raw_delivery")
    assert instance.get_latest_data_version_record(key, False, "2020") is None
    observed = instance.get_latest_data_version_record(key, True, "2020")
    assert observed is not None
    assert freshness.observe(instance, 2020) == []  # nothing changed since
