"""A release names the bytes ingest read, and nothing is published from files that changed
since (through the wave job: tests/integration/test_wave_job.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.ingest import DeliveryError, ingest_wave
from pipelines.ingest import wave as wave_module
from pipelines.provenance import ProvenanceError, changed_inputs, unchanged_inputs
from pipelines.publish import wave_fingerprints
from tests.ingest_fixtures import reference_warehouse, respondents, write_csv_2018

RAW_DIR = Path(__file__).resolve().parents[2] / "data" / "raw"


def test_ingest_stores_the_fingerprints_of_what_it_read(tmp_path):
    raw = tmp_path / "raw"
    write_csv_2018(raw / "2018", respondents(2018, 40))
    con = reference_warehouse(tmp_path / "warehouse.duckdb")
    ingest_wave(con, raw, 2018)
    shutil.copytree(RAW_DIR / "reference", raw / "reference")
    assert unchanged_inputs(con, raw, 2018) == wave_fingerprints(raw, 2018)
    # the vendor replaces the file after ingest read it
    responses = raw / "2018" / "responses.csv"
    responses.write_bytes(responses.read_bytes().replace(b"1001;", b"1999;", 1))
    with pytest.raises(ProvenanceError) as refused:
        unchanged_inputs(con, raw, 2018)
    assert str(refused.value) == (
        "wave 2018: 2018/responses.csv changed since the wave's data was made from it; "
        "nothing was published: run the wave again"
    )


def test_a_file_replaced_while_ingest_reads_it_refuses_the_wave(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_csv_2018(raw / "2018", respondents(2018, 40))
    con = reference_warehouse(tmp_path / "warehouse.duckdb")
    land = wave_module.land_responses

    def land_then_replace(con, path, id_column):
        landed = land(con, path, id_column)
        replacement = path.with_suffix(".new")
        replacement.write_bytes(path.read_bytes().replace(b"1001;", b"1999;", 1))
        replacement.replace(path)  # the vendor's copy lands after ingest read the old one
        return landed

    monkeypatch.setattr(wave_module, "land_responses", land_then_replace)
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, raw, 2018)
    assert str(refused.value) == (
        f"{raw}/2018: 2018/responses.csv changed while the wave was being read; wait until "
        "the delivery is complete, then run the wave again"
    )
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'wave_inputs'"
    ).fetchone() == (0,)


def test_reference_data_changed_after_the_tables_were_built_is_refused(tmp_path):
    raw = tmp_path / "raw"
    write_csv_2018(raw / "2018", respondents(2018, 40))
    shutil.copytree(RAW_DIR / "reference", raw / "reference")
    con = reference_warehouse(tmp_path / "warehouse.duckdb")  # built from the same files
    ingest_wave(con, raw, 2018)
    counties = raw / "reference" / "counties.csv"
    counties.write_bytes(counties.read_bytes() + b"\n")
    with pytest.raises(ProvenanceError) as refused:
        unchanged_inputs(con, raw, 2018)
    assert str(refused.value).startswith(
        "wave 2018: reference/counties.csv changed since the wave's data was made from it"
    )


def test_changed_inputs_names_changed_added_and_removed_files():
    read = {"2018/frame.csv": "a", "2018/responses.csv": "b", "reference/x.csv": "c"}
    now = {"2018/frame.csv": "a", "2018/responses.csv": "B", "2018/notes.txt": "d"}
    assert changed_inputs(read, now) == ["2018/notes.txt", "2018/responses.csv", "reference/x.csv"]
    assert changed_inputs(read, dict(read)) == []
