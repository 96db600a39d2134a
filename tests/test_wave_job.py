"""One wave through the Dagster assets in-process: every step and check succeeds, tabular
assets report row count, schema and a preview without respondent ids or free text, the
release and the report say what they produced, the report shows the release and not the
warehouse, and a failing blocking check stops publication in the same run."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from mart_fixtures import planting

from pipelines.defs import gate, marts
from pipelines.publish.layout import read_manifest
from pipelines.publish.marts import read_wave
from pipelines.quality.gate import GateResult
from pipelines.vocabulary import PUBLISHED_MARTS
from tests.wave_runs import wave_run

TABULAR = ("reference_dimensions", "validated_responses", "respondents", "innovation", "release")


@pytest.fixture
def run_2018(tmp_path, monkeypatch):
    wave = wave_run(tmp_path, monkeypatch)
    return wave.materialize, wave.marts


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """The warehouse of run_2018's runs."""
    return tmp_path / "private" / "warehouse.duckdb"


def count_gates(monkeypatch) -> Counter:
    """How many times each mart is validated from now on."""
    gated = Counter()
    real = gate.gate_mart

    def counting(mart, df, min_cell_size):
        gated[mart] += 1
        return real(mart, df, min_cell_size)

    monkeypatch.setattr(gate, "gate_mart", counting)
    return gated


def test_a_wave_runs_end_to_end_and_reports_what_it_made(run_2018, warehouse, monkeypatch):
    run, marts_dir = run_2018
    gated = count_gates(monkeypatch)
    result = run()
    assert result.success
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e.passed
        for e in result.get_asset_check_evaluations()
    }
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
    for asset in TABULAR:
        assert {"dagster/row_count", "dagster/column_schema", "preview"} <= set(metadata[asset])
    validated = metadata["validated_responses"]
    assert validated["dagster/row_count"].value == 1794  # 1 800 delivered, 6 quarantined
    preview = validated["preview"].value
    assert "resp_id" not in preview and "fritekst" not in preview and "Q11" not in preview
    assert metadata["release"]["version"].value == "v0001"
    assert metadata["release"]["dagster/row_count"].value == 319 + 696  # innovation + factors
    assert (marts_dir / "wave=2018" / "LATEST").read_text().strip() == "v0001"
    assert metadata["report"]["statements reproduced"].value == 12  # 9 figures, 3 tests
    assert Path(metadata["report"]["report"].value).is_file()

    # each mart was validated once, by its check; publishing took the checks' verdicts
    assert gated == dict.fromkeys(PUBLISHED_MARTS, 1)
    manifest = read_manifest(marts_dir / "wave=2018" / "v0001")
    published = [f["mart"] for f in manifest["files"]]
    assert set(manifest["quality_gate"]["marts"]) == set(published)
    verdicts = manifest["quality_gate"]["marts"].values()
    assert all(v["success"] and v["expectations"] > 10 for v in verdicts)

    # a release materialized without its checks in the run validates what it publishes
    gated.clear()
    assert run(selection=["release"]).success
    assert gated == dict.fromkeys(published, 1)

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


def test_a_failing_quality_gate_stops_publication(run_2018, monkeypatch):
    run, marts_dir = run_2018
    failing = GateResult(
        mart="innovation", success=False, evaluated=1, failures=(), docs_index=marts_dir
    )
    monkeypatch.setattr(gate, "gate_mart", lambda mart, df, min_cell_size: failing)
    result = run()
    assert not result.success
    executed = {e.step_key for e in result.all_events if e.is_step_success}
    assert "respondents" in executed and "release" not in executed
    assert not (marts_dir / "wave=2018").exists()


def test_a_lone_hidden_group_stops_publication(run_2018, monkeypatch):
    """The disclosure audit is a blocking check: plant a table where one group alone is hidden."""
    run, marts_dir = run_2018

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

    monkeypatch.setattr(marts, "read_wave", planted)
    result = run()
    assert not result.success
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    assert checks[("innovation", "quality_gate")].passed
    audit = checks[("innovation", "disclosure_audit")]
    assert not audit.passed
    assert "breakdown='sector') has exactly one suppressed group" in audit.description
    executed = {e.step_key for e in result.all_events if e.is_step_success}
    assert "release" not in executed
    assert not (marts_dir / "wave=2018").exists()


def test_a_number_with_more_decimals_than_section_8_allows_stops_publication(run_2018, monkeypatch):
    """The quality gate is a blocking check: plant an estimate that escaped rounding."""
    run, marts_dir = run_2018

    where = {"measure": "promoted", "item": "ny_teknologi", "breakdown": "total"}
    planted = planting("factors", where, estimate=0.61234)
    monkeypatch.setattr(marts, "read_wave", planted)
    result = run()
    assert not result.success
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    gate_check = checks[("factors", "quality_gate")]
    assert not gate_check.passed
    assert (
        "row (wave=2018, measure='promoted', item='ny_teknologi', breakdown='total', "
        "group_code='all'): _gate_excess_decimals='estimate=0.61234 (3 decimals allowed)'"
        in gate_check.description
    )
    assert checks[("innovation", "quality_gate")].passed
    executed = {e.step_key for e in result.all_events if e.is_step_success}
    assert "release" not in executed
    assert not (marts_dir / "wave=2018").exists()
