"""One wave through the Dagster assets in-process: every step and check succeeds, tabular
assets report row count and schema, with a preview where they hold no respondent rows and
counts per value where they do, the release and the report say what they produced (the
version with its own quality pages, also from verdicts kept across runs), the report shows
the release and not the warehouse, a failing blocking check stops publication in the same
run, and a run that publishes nothing (nothing changed, or a delivery changed since ingest
read it) leaves the published folder byte-identical."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pytest

from pipelines.estimation.published_rows import read_wave
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.marts.measures import PUBLISHED_MARTS
from pipelines.orchestration import mart_assets, quality_checks
from pipelines.publish import release, wave_fingerprints
from pipelines.publish.layout import read_manifest
from pipelines.quality import mart_validation as quality_gate
from pipelines.quality.mart_validation import GateResult
from tests.data_docs import validation_pages
from tests.mart_fixtures import planting
from tests.wave_runs import SHARED_QUALITY_PAGE, after_first_run, snapshot, wave_run

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

AGGREGATE = ("reference_dimensions", "innovation", "release")
RESPONDENT_LEVEL = ("validated_responses", "respondents")
# The checks of the wave's marts and the release, without the marts: a run that plants a
# table the checks read from the warehouse, as the marts' run before it left it.
CHECKS_AND_RELEASE = dg.AssetSelection.assets("release") | dg.AssetSelection.checks_for_assets(
    *PUBLISHED_MARTS
)


@pytest.fixture
def run_2018(tmp_path, monkeypatch):
    wave = wave_run(tmp_path, monkeypatch)
    return wave.materialize, wave.marts, wave.instance


@pytest.fixture
def after_2018(tmp_path_factory, monkeypatch):
    """Wave 2018 as its first run left it, for this test alone (tests/wave_runs.py)."""
    yield from after_first_run(tmp_path_factory, monkeypatch)


def profile(markdown: str) -> dict[str, dict[str, int]]:
    """column -> shown value -> respondents, from a profile's Markdown table."""
    # a value may hold an escaped "|" (a weighting cell's)
    rows = [re.split(r"(?<!\\)\|", line.strip("|")) for line in markdown.splitlines()[2:]]
    return {
        column.strip(): {
            value.split(" (")[0].strip(): int(n)
            for value, n in (c.split(": ") for c in counts.split(", "))
        }
        for column, counts in rows
    }


def check_evaluations(result) -> dict:
    """(asset, check name) -> the run's evaluation of that check."""
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def never_started(instance, result) -> set[str]:
    """The steps of the run's plan that never started: a step a failed blocking check
    stopped leaves no event of its own."""
    plan = instance.get_execution_plan_snapshot(result.dagster_run.execution_plan_snapshot_id)
    started = {e.step_key for e in result.all_events if e.is_step_start}
    return set(plan.step_keys_to_execute) - started


def count_gates(monkeypatch) -> Counter:
    """How many times each mart is validated from now on."""
    gated = Counter()
    real = quality_checks.gate_mart

    def counting(mart, df, min_cell_size):
        gated[mart] += 1
        return real(mart, df, min_cell_size)

    monkeypatch.setattr(quality_checks, "gate_mart", counting)
    return gated


def test_a_wave_runs_end_to_end_and_reports_what_it_made(after_2018, monkeypatch):
    wave, first = after_2018
    run, marts_dir, warehouse = wave.materialize, wave.marts, wave.private / "warehouse.duckdb"
    # the first run, from a published folder that held the quality pages the releases once
    # shared (SHARED_QUALITY_PAGE); it succeeded (tests/wave_runs.py)
    result = first.result
    checks = {key: e.passed for key, e in check_evaluations(result).items()}
    assert checks == {
        **{(m, check): True for m in ("innovation", "factors", "failures",
                                      "culture_index", "reform_pressure")
           for check in ("quality_gate", "disclosure_audit")},
        ("differences", "quality_gate"): True,
        ("changes", "quality_gate"): True,
    }  # fmt: skip
    metadata = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    for asset in AGGREGATE:
        assert {"dagster/row_count", "dagster/column_schema", "preview"} <= set(metadata[asset])
    for asset in RESPONDENT_LEVEL:
        assert {"dagster/row_count", "dagster/column_schema", "profile"} <= set(metadata[asset])
        assert "preview" not in metadata[asset]
    validated = metadata["validated_responses"]
    assert validated["dagster/row_count"].value == 1794  # 1 800 delivered, 6 quarantined
    profiles = {asset: profile(metadata[asset]["profile"].value) for asset in RESPONDENT_LEVEL}
    # the columns the schema's privacy classes let a profile count: never an id, free text or
    # the interview's times
    assert list(profiles["validated_responses"])[:6] == [
        "kommunenr", "forvaltningsniva", "sektor", "virksomhetstype", "ansatte", "innov_tjeneste"
    ]  # fmt: skip
    assert not {"resp_id", "source_row", "fritekst_nyeste", "startet"} & set(
        profiles["validated_responses"]
    )
    assert list(profiles["respondents"]) == [
        "cell", "innovator", "in_merging_unit", "culture_index",
        "sector", "municipality_size", "centrality", "region", "employees", "economy",
        "innovation_status", "merger", "government_level",
    ]  # fmt: skip
    for counts in profiles.values():
        for column, shown in counts.items():
            assert sum(shown.values()) == 1794, column  # every respondent, once per column
            rare = {value: n for value, n in shown.items() if n < MIN_CELL_SIZE}
            assert set(rare) <= {"other"}, (column, rare)
    # the delivery's 1 649 kommune and 151 county workplaces, less the 6 rows quarantined
    assert profiles["validated_responses"]["forvaltningsniva"] == {"1": 1643, "2": 151}
    assert metadata["release"]["version"].value == "v0001"
    assert metadata["release"]["dagster/row_count"].value == 319 + 696  # innovation + factors
    assert (marts_dir / "wave=2018" / "LATEST").read_text().strip() == "v0001"
    assert metadata["report"]["statements reproduced"].value == 12  # 9 figures, 3 tests
    assert Path(metadata["report"]["report"].value).is_file()

    # each mart was validated once, by its check; publishing took the checks' verdicts
    assert first.validated == dict.fromkeys(PUBLISHED_MARTS, 1)
    manifest = read_manifest(marts_dir / "wave=2018" / "v0001")
    published = [f["mart"] for f in manifest["files"]]
    assert set(manifest["quality_gate"]["marts"]) == set(published)
    verdicts = manifest["quality_gate"]["marts"].values()
    assert all(v["success"] and v["expectations"] > 10 for v in verdicts)
    # the version holds the pages of the validations its marts passed, and only those
    pages = Path(metadata["release"]["data_docs"].value)
    assert pages == marts_dir / "wave=2018" / "v0001" / "quality" / "index.html"
    assert pages.is_file()
    assert validation_pages(marts_dir) == {f"{m}-wave-2018": "Succeeded" for m in published}
    assert not (marts_dir / SHARED_QUALITY_PAGE.parts[0]).exists()

    # a release materialized without its checks in the run takes the passes the checks kept
    # for the same data, code and minimum cell size (the code case: at the end)
    gated = count_gates(monkeypatch)
    assert run(selection=["release"]).success
    assert gated == {}

    # the report shows the release: the warehouse changed after publishing, a page the
    # report alone makes anew is the same, and names the version and its manifest
    page = Path(metadata["report"]["report"].value)
    shown = page.read_text(encoding="utf-8")
    digest = hashlib.sha256((marts_dir / "wave=2018" / "v0001" / "manifest.json").read_bytes())
    footer = re.sub(r"\s+", " ", re.search(r"<footer>.*</footer>", shown, re.S).group(0))
    assert "publiserte versjonen v0001 av bølge 2018" in footer
    assert f"manifest.json sha256 <code>{digest.hexdigest()}</code>" in footer
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE mart_estimates SET estimate = estimate / 2 WHERE NOT suppressed")
    page.unlink()
    report = run(selection=["report"])
    assert report.success
    assert page.read_text(encoding="utf-8") == shown
    [made] = report.get_asset_materialization_events()
    assert made.materialization.metadata["version"].value == "v0001"
    assert made.materialization.metadata["manifest sha256"].value == digest.hexdigest()

    # ...and with other code, which no check has judged the marts by, it validates them itself
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE mart_estimates SET estimate = estimate * 2 WHERE NOT suppressed")
    monkeypatch.setattr(quality_checks, "_code", lambda: "other code")
    assert run(selection=["release"]).success
    assert gated == dict.fromkeys(published, 1)


def test_a_pass_kept_from_an_earlier_run_brings_the_pages_of_a_new_version(after_2018, monkeypatch):
    """The second run validates nothing (the same marts passed the same rules in the first),
    yet the version it makes holds the pages of every mart it publishes."""
    wave, _ = after_2018
    validated = Counter()
    real = quality_gate.run_gate

    def counting(mart, df, min_cell_size, docs_dir):
        validated[mart] += 1
        return real(mart, df, min_cell_size, docs_dir)

    monkeypatch.setattr(quality_gate, "run_gate", counting)
    # a column the pipeline ignores: new input bytes, the same marts, so a new version
    frame = wave.raw / "2018" / "frame.csv"
    lines = frame.read_text(encoding="utf-8").splitlines()
    lines = [f"{lines[0]},note", *(f"{line},x" for line in lines[1:])]
    frame.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert wave.materialize().success
    assert validated == {}
    release = wave.marts / "wave=2018"
    assert (release / "LATEST").read_text().strip() == "v0002"
    published = [f["mart"] for f in read_manifest(release / "v0002")["files"]]
    pages = validation_pages(release / "v0002" / "quality")
    assert pages == {f"{mart}-wave-2018": "Succeeded" for mart in published}
    assert validation_pages(release / "v0001" / "quality") == pages


def test_a_warm_run_takes_the_verdicts_of_its_checks_earlier_passes(after_2018, monkeypatch):
    """A second run of the same wave validates nothing: each check takes the verdict of its
    earlier pass of the same data version, code and minimum cell size, and names the run
    that made it. A mart whose rows changed is validated again, and only that mart."""
    wave, first_run = after_2018
    first = first_run.result
    gated = count_gates(monkeypatch)
    warm = wave.materialize()
    assert warm.success
    assert gated == {}
    verdicts = {
        m: e for (m, check), e in check_evaluations(warm).items() if check == quality_checks.CHECK
    }
    assert {m: e.passed for m, e in verdicts.items()} == dict.fromkeys(PUBLISHED_MARTS, True)
    reused = {m: e.metadata[quality_checks.REUSED].value for m, e in verdicts.items()}
    assert reused == dict.fromkeys(PUBLISHED_MARTS, first.run_id)
    # the data version each check judged is the one its mart's asset reported; that of the
    # changes holds the versions they compared with too (metadata.mart_result)
    made = {
        e.materialization.asset_key.to_user_string(): e.materialization
        for e in warm.get_asset_materialization_events()
    }
    judged = {m: e.metadata[quality_checks.DATA_VERSION].value for m, e in verdicts.items()}
    compared = json.dumps(made["changes"].metadata["compared with"].value, sort_keys=True)
    judged["changes"] = hashlib.sha256(f"{judged['changes']}\0{compared}".encode()).hexdigest()
    assert {m: made[m].tags["dagster/data_version"] for m in verdicts} == judged
    release_folder = wave.marts / "wave=2018"
    assert [p.name for p in release_folder.glob("v*")] == ["v0001"]

    # a label changed on its way out of the warehouse, for the checks and the release, which
    # read the published rows: a run of them alone (the marts are the warm run's)
    planted = planting("factors", {"breakdown": "total"}, group_label="Alle virksomheter")
    for reader in (mart_assets, release):
        monkeypatch.setattr(reader, "read_wave", planted)
    changed = wave.materialize(selection=CHECKS_AND_RELEASE)
    assert changed.success
    assert gated == {"factors": 1}
    evaluations = check_evaluations(changed)
    assert quality_checks.REUSED not in evaluations[("factors", quality_checks.CHECK)].metadata
    assert (
        evaluations[("innovation", quality_checks.CHECK)].metadata[quality_checks.REUSED].value
        == warm.run_id
    )
    assert (release_folder / "LATEST").read_text().strip() == "v0002"


def test_a_failing_quality_gate_stops_publication(run_2018, monkeypatch):
    run, marts_dir, instance = run_2018
    failing = GateResult(
        mart="innovation", success=False, evaluated=1, failures=(), docs_index=marts_dir
    )
    monkeypatch.setattr(quality_checks, "gate_mart", lambda mart, df, min_cell_size: failing)
    result = run()
    assert not result.success
    executed = {e.step_key for e in result.all_events if e.is_step_success}
    assert "respondents" in executed and "release" not in executed
    # stopped by the check, not refused by publishing's own gate
    assert {"release", "report"} <= never_started(instance, result)
    assert not (marts_dir / "wave=2018").exists()


def test_a_lone_hidden_group_stops_publication(after_2018, monkeypatch):
    """The disclosure audit is a blocking check: plant a table where one group alone is hidden."""
    wave, _ = after_2018
    published = snapshot(wave.marts)

    def planted(con, mart, wave):
        table = read_wave(con, mart, wave)
        if mart != "innovation":
            return table
        rows = table.to_pylist()
        for row in rows:
            if (row["measure"], row["breakdown"], row["group_code"]) == (
                "innovative",
                "sector",
                "1",
            ):
                # small enough for the quality gate to accept it as primary-suppressed
                row.update(n=5, estimate=None, ci_lower=None, ci_upper=None, se=None, deff=None,
                           suppression="primary", suppressed=True)  # fmt: skip
        return pa.Table.from_pylist(rows, schema=table.schema)

    monkeypatch.setattr(mart_assets, "read_wave", planted)
    result = wave.materialize(selection=CHECKS_AND_RELEASE)
    assert not result.success
    checks = check_evaluations(result)
    assert checks[("innovation", "quality_gate")].passed
    audit = checks[("innovation", "disclosure_audit")]
    assert not audit.passed
    assert "breakdown='sector') has exactly one suppressed group" in audit.description
    # the release was in the run, and the check stopped it before it started
    assert never_started(wave.instance, result) == {"release"}
    assert snapshot(wave.marts) == published


def test_a_number_with_more_decimals_than_section_8_allows_stops_publication(
    after_2018, monkeypatch
):
    """The quality gate is a blocking check: plant an estimate that escaped rounding."""
    wave, _ = after_2018
    published = snapshot(wave.marts)

    where = {"measure": "promoted", "item": "ny_teknologi", "breakdown": "total"}
    planted = planting("factors", where, estimate=0.61234)
    monkeypatch.setattr(mart_assets, "read_wave", planted)
    result = wave.materialize(selection=CHECKS_AND_RELEASE)
    assert not result.success
    checks = check_evaluations(result)
    gate_check = checks[("factors", "quality_gate")]
    assert not gate_check.passed
    assert (
        "row (wave=2018, measure='promoted', item='ny_teknologi', breakdown='total', "
        "group_code='all'): _gate_excess_decimals='estimate=0.61234 (3 decimals allowed)'"
        in gate_check.description
    )
    assert checks[("innovation", "quality_gate")].passed
    # the release was in the run, and the check stopped it before it started
    assert never_started(wave.instance, result) == {"release"}
    assert snapshot(wave.marts) == published


def test_a_rerun_without_changes_and_a_file_changed_before_release_publish_nothing(after_2018):
    """A release names the bytes ingest read: a rerun without changes publishes nothing, and
    a delivery changed since ingest read it is refused by the release; either leaves the
    published folder byte-identical, Data Docs included (nothing of the file either)."""
    wave, _ = after_2018
    run, raw, marts_dir, private = wave.materialize, wave.raw, wave.marts, wave.private
    # the first run published v0001
    published = snapshot(marts_dir)
    manifest = read_manifest(marts_dir / "wave=2018" / "v0001")
    assert manifest["inputs"] == wave_fingerprints(raw, 2018)
    assert "wave=2018/v0001/quality/index.html" in published
    assert not any(name.startswith("quality/") for name in published)
    # a pass is kept in its check's evaluation, in no file: the private folder holds only the
    # pages of failed validations, and there were none
    assert not [p for p in (private / "quality-docs").rglob("*") if p.is_file()]

    # nothing changed: no new version, and not one byte of the published folder either
    assert run().success
    assert snapshot(marts_dir) == published

    # the delivery is replaced after ingest read it: release refuses, nothing changes
    responses = raw / "2018" / "responses.csv"
    responses.write_bytes(responses.read_bytes() + b"\r\n")
    result = run(selection=["release"])
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_failure_data.error.cause.message.startswith(
        "pipelines.publish.release.PublishError: wave 2018: 2018/responses.csv changed since "
        "the wave's data was made from it"
    )
    assert snapshot(marts_dir) == published
