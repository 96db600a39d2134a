"""`make run` does only what Dagster calls stale or missing (pipelines/orchestration/
freshness.py): nothing for unchanged waves, which it reports up to date; a changed delivery
redoes that wave and the later waves' changes; new code or settings make everything due.

Two waves: 2018 as the session's real `make run` published it (`corpus_project_run`,
tests/conftest.py: a process of its own, its instance on disk; the bad-input corpus's base
delivery, 40 rows of the sample's 2018, which every step runs on as on the 1 800), then the
sample's 2020 delivered beside it and run in-process by `run_waves`, as `make run` runs them.
Each test works on a copy of that project, instance included, so the tests share its runs and
still start from the same state. The small 2018 keeps the runs that redo it cheap: what is
tested is which assets a run redoes, not what they make of the rows.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest

from pipelines.orchestration import definitions, freshness, run
from pipelines.orchestration.interrupts import StopRequest
from pipelines.orchestration.resources import RESOURCES, BarometerSettings, min_cell_size_of
from pipelines.publish.layout import latest_published, read_manifest
from pipelines.quality import worker
from tests.pipeline_processes import Project
from tests.unit.orchestration.test_definitions import WAVE_JOB_ASSETS

RAW_DIR = Path(__file__).resolve().parents[2] / "data" / "raw"
# 2018 is the wave of corpus_project_run; 2020 the cheaper of the later two to run
WAVES = [2018, 2020]
# what a wave's run makes, but the reference dimensions, which every wave shares
WAVE_ASSETS = WAVE_JOB_ASSETS - {"reference_dimensions"}


@contextlib.contextmanager
def folders_of(project: Project) -> Iterator[None]:
    """The environment `make run` would give a run in ``project``."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BAROMETER_RAW_DIR", str(project.root / "raw"))
        env.setenv("BAROMETER_MARTS_DIR", str(project.marts_dir))
        env.setenv("BAROMETER_WAREHOUSE", str(project.warehouse))
        yield


def run_both(instance: dg.DagsterInstance) -> tuple[list[str], list[dg.DagsterRun]]:
    """run_waves over both waves: the lines it printed and the runs it made, by wave."""
    before = {r.run_id for r in instance.get_runs()}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert run.run_waves(instance, WAVES, StopRequest()) == []
    made = [r for r in instance.get_runs() if r.run_id not in before]
    return printed.getvalue().splitlines(), sorted(made, key=lambda r: r.tags["dagster/partition"])


@pytest.fixture(scope="module")
def two_waves(corpus_project_run, tmp_path_factory) -> Project:
    """2018 published by a real `make run`; 2020 then run in-process beside it, which leaves
    2018 as it was (up to date, not run again)."""
    project = corpus_project_run[0].copy(tmp_path_factory.mktemp("up_to_date") / "project")
    shutil.copytree(RAW_DIR / "2020", project.root / "raw" / "2020")
    with folders_of(project), project.instance() as instance:
        printed, made = run_both(instance)
    # (the run of 2020 prints the warnings of its steps too)
    assert [line for line in printed if "up to date" in line] == ["2018: up to date, v0001"]
    assert [r.tags["dagster/partition"] for r in made] == ["2020"]
    return project


@dataclass(frozen=True)
class Copy:
    """A copy of the two waves' project, and its instance, open."""

    files: Project
    instance: dg.DagsterInstance

    def due(self, graph, wave: int) -> set[str]:
        stale = freshness.resolver(self.instance, graph)
        return {k.to_user_string() for k in freshness.to_run(stale, graph, wave)}

    def latest(self, wave: int) -> str:
        return latest_published(self.files.marts_dir, wave).version

    def add_one_to_the_first_count(self, wave: int) -> None:
        """A changed frame: one cell's population count +1."""
        frame = self.files.root / "raw" / str(wave) / "frame.csv"
        header, first, *rest = frame.read_text(encoding="utf-8").splitlines()
        cell, count = first.rsplit(",", 1)
        frame.write_text("\n".join([header, f"{cell},{int(count) + 1}", *rest]) + "\n")


@pytest.fixture
def project(two_waves, tmp_path) -> Iterator[Copy]:
    """A copy of the two waves' project, its folders the environment's."""
    copy = two_waves.copy(tmp_path / "project")
    with folders_of(copy), copy.instance() as instance:
        yield Copy(copy, instance)


def test_an_unchanged_run_does_nothing_and_says_so(project):
    graph = definitions.defs.resolve_asset_graph()
    assert [project.due(graph, wave) for wave in WAVES] == [set(), set()]
    printed, made = run_both(project.instance)
    assert printed == ["2018: up to date, v0001", "2020: up to date, v0001"]
    assert made == []


def test_a_changed_frame_redoes_that_wave_and_the_later_waves_changes(project):
    project.add_one_to_the_first_count(2018)
    graph = definitions.defs.resolve_asset_graph()
    assert freshness.observe(project.instance, 2018) == ["raw_delivery"]
    assert project.due(graph, 2018) == WAVE_ASSETS
    assert project.due(graph, 2020) == set()  # until 2018 has a new version

    printed, made = run_both(project.instance)
    assert not any("up to date" in line for line in printed)
    assert [r.tags["dagster/partition"] for r in made] == ["2018", "2020"]
    selected = [{k.to_user_string() for k in r.asset_selection} for r in made]
    assert selected == [WAVE_ASSETS, {"changes", "release", "report"}]
    assert (project.latest(2018), project.latest(2020)) == ("v0002", "v0002")
    compared = read_manifest(latest_published(project.files.marts_dir, 2020).path)["compared_with"]
    assert [(c["wave"], c["version"]) for c in compared] == [(2018, "v0002")]

    printed, made = run_both(project.instance)
    assert printed == ["2018: up to date, v0002", "2020: up to date, v0002"]
    assert made == []


def test_a_changed_wave_starts_its_gx_worker_before_any_staleness_is_worked_out(
    project, monkeypatch
):
    """The worker's GX import is what a changed wave's checks wait for: run_waves starts it
    once the observation finds the change, before it resolves the staleness of any wave (the
    earlier wave's, up to date, included)."""
    project.add_one_to_the_first_count(2020)
    events: list = []
    resolver = freshness.resolver
    monkeypatch.setattr(
        freshness, "resolver", lambda *args: events.append("staleness") or resolver(*args)
    )

    @contextlib.contextmanager
    def beside_run():
        yield lambda responses: events.append(("worker", responses.parent.name))

    class Job:
        def execute_in_process(self, partition_key: str, **_):
            events.append(("run", partition_key))
            return SimpleNamespace(success=True)

    monkeypatch.setattr(worker, "beside_run", beside_run)
    monkeypatch.setattr(run, "wave_job", Job)
    printed, _ = run_both(project.instance)
    assert printed == ["2018: up to date, v0001"]
    assert events[:2] == [("worker", "2020"), "staleness"]
    assert ("run", "2020") in events


@pytest.mark.parametrize("change", ["code", "min_cell_size"])
def test_new_code_or_settings_make_every_asset_due(project, change, monkeypatch):
    """Every asset's code version holds the code's digest and the minimum cell size."""
    # the minimum cell size the runs took from the environment
    settings = BarometerSettings(min_cell_size=min_cell_size_of(RESOURCES["settings"]))
    if change == "code":
        monkeypatch.setattr(definitions, "code_version", lambda: "another code")
    else:
        settings = BarometerSettings(min_cell_size=settings.min_cell_size + 1)
    graph = definitions.build_definitions({"settings": settings}).resolve_asset_graph()
    everything = {*WAVE_ASSETS, "reference_dimensions"}
    assert [project.due(graph, wave) for wave in WAVES] == [everything, everything]


def test_a_run_stopped_after_ingest_leaves_what_follows_due(project):
    """Ingest made anew from a changed frame, then the run stopped: what was made from the
    responses before is stale, though Dagster's own derived versions would not show it (it
    does not carry a partitioned source's version into them)."""
    project.add_one_to_the_first_count(2018)
    freshness.observe(project.instance, 2018)
    ingested = run.wave_job().execute_in_process(
        partition_key="2018",
        instance=project.instance,
        run_config=run.RUN_CONFIG,
        asset_selection=[dg.AssetKey("validated_responses")],
    )
    assert ingested.success
    graph = definitions.defs.resolve_asset_graph()
    assert project.due(graph, 2018) == WAVE_ASSETS - {"validated_responses"}


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
