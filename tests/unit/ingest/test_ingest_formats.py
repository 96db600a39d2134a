"""Each vendor format read back into ``responses``: every value as the respondent gave it."""

from __future__ import annotations

import datetime as dt

import pyreadstat
import pytest

from pipelines.ingest import DeliveryError, discover_waves, ingest_wave
from pipelines.survey import questionnaire as q
from tests.ingest_fixtures import (
    REPO,
    frame_rows,
    reference_warehouse,
    respondents,
    write_csv_2018,
    write_sav,
    write_xlsx,
)
from tests.loaded_modules import loaded_after

WRITERS = {
    2018: lambda folder, rows: write_csv_2018(folder, rows),
    2020: lambda folder, rows: write_sav(folder, 2020, rows),
    2024: lambda folder, rows: write_xlsx(folder, 2024, rows),
}


@pytest.fixture
def con(tmp_path):
    con = reference_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def stored(con, wave: int) -> list[dict[str, object]]:
    names = [v.name for v in q.VARIABLES]
    rows = con.execute(
        f"SELECT {', '.join(names)} FROM responses WHERE wave = $wave ORDER BY source_row",
        {"wave": wave},
    ).fetchall()
    return [{n: v for n, v in zip(names, row, strict=True) if v is not None} for row in rows]


@pytest.mark.parametrize("wave", [2018, 2020, 2024])
def test_every_answer_is_read_back(con, tmp_path, wave):
    given = respondents(wave, 30)
    WRITERS[wave](tmp_path / "raw" / str(wave), given)
    report = ingest_wave(con, tmp_path / "raw", wave)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (30, 30, 0)
    assert report.quarantine_by_rule == {} and report.routing_warnings_by_question == {}
    assert stored(con, wave) == given
    assert con.execute(
        "SELECT min(source_row), max(source_row), count(DISTINCT source_file) FROM responses"
    ).fetchone() == (2, 31, 1)


def test_windows_1252_semicolons_crlf_and_oslo_as_301(con, tmp_path):
    path = write_csv_2018(tmp_path / "raw" / "2018", respondents(2018, 12))
    data = path.read_bytes()
    assert b"\r\n1001;301;1;1;11;" in data and "å".encode("cp1252") in data
    report = ingest_wave(con, tmp_path / "raw", 2018)
    assert (report.file_format, report.encoding, report.delimiter) == ("csv", "windows-1252", ";")
    row = con.execute(
        "SELECT source_file, source_row, resp_id, kommunenr, virksomhetstype, startet "
        "FROM responses WHERE resp_id = '1001'"
    ).fetchone()
    assert row == ("2018/responses.csv", 2, "1001", "0301", 11, dt.datetime(2017, 10, 2, 9))
    assert con.execute(
        "SELECT fritekst_nyeste FROM responses WHERE resp_id = '1003'"
    ).fetchone() == ("Velferdsteknologi i hjemmetjenesten – sensorer om natten",)
    # a wave that did not ask a question has NULL there, never a zero
    assert con.execute(
        "SELECT count(*) FROM responses WHERE mislykket IS NOT NULL OR kultur_ideer IS NOT NULL"
    ).fetchone() == (0,)


def test_sav_string_ids_and_value_labels(con, tmp_path):
    write_sav(tmp_path / "raw" / "2020", 2020, respondents(2020, 12))
    report = ingest_wave(con, tmp_path / "raw", 2020)
    assert (report.file_format, report.encoding, report.delimiter) == ("sav", None, None)
    # codes arrive as SPSS floats with labels attached; the codes are stored, not the labels
    assert con.execute(
        "SELECT resp_id, kommunenr, sektor, virksomhetstype, reform_trykk FROM responses "
        "WHERE source_row = 3"
    ).fetchone() == ("1002", "1103", 1, 12, 2)


def test_xlsx_floats_and_a_labels_sheet(con, tmp_path):
    import openpyxl

    path = write_xlsx(tmp_path / "raw" / "2024", 2024, respondents(2024, 12))
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Data", "Variabler"]
    assert list(workbook["Data"].iter_rows(min_row=2, max_row=2, max_col=3, values_only=True)) == [
        ("1001", "0301", 1.0)
    ]
    workbook.close()
    report = ingest_wave(con, tmp_path / "raw", 2024)
    assert report.file_format == "xlsx"
    assert con.execute(
        "SELECT resp_id, kommunenr, forvaltningsniva, ansatte FROM responses WHERE source_row = 2"
    ).fetchone() == ("1001", "0301", 1, 1)


def test_the_frame_is_stored_with_null_for_cells_the_wave_does_not_weight_on(con, tmp_path):
    write_sav(tmp_path / "raw" / "2020", 2020, respondents(2020, 12))
    ingest_wave(con, tmp_path / "raw", 2020)
    frame = con.execute(
        "SELECT wave, sektor, virksomhetstype, landsdel, n_population FROM frame ORDER BY sektor"
    ).fetchall()
    assert frame == [(2020, c["sektor"], None, None, c["n_population"]) for c in frame_rows(2020)]


def test_reingesting_a_wave_replaces_its_rows(con, tmp_path):
    raw = tmp_path / "raw"
    write_csv_2018(raw / "2018", respondents(2018, 12))
    write_xlsx(raw / "2024", 2024, respondents(2024, 12))
    ingest_wave(con, raw, 2018)
    ingest_wave(con, raw, 2024)
    write_csv_2018(raw / "2018", respondents(2018, 20))
    ingest_wave(con, raw, 2018)
    counts = con.execute(
        "SELECT wave, count(*) FROM responses GROUP BY wave ORDER BY wave"
    ).fetchall()
    assert counts == [(2018, 20), (2024, 12)]
    assert con.execute("SELECT count(*) FROM frame WHERE wave = 2018").fetchone() == (
        len(frame_rows(2018)),
    )


def test_the_report_counts_and_holds_no_row(con, tmp_path):
    write_csv_2018(tmp_path / "raw" / "2018", respondents(2018, 12))
    report = ingest_wave(con, tmp_path / "raw", 2018)
    metadata = report.as_metadata()
    assert metadata == {
        "wave": 2018,
        "responses_file": "2018/responses.csv",
        "file_format": "csv",
        "encoding": "windows-1252",
        "delimiter": ";",
        "rows_read": 12,
        "rows_accepted": 12,
        "rows_quarantined": 0,
        "quarantine_by_rule": {},
        "routing_warnings_by_question": {},
        "extra_columns": [],
    }


def test_discovery_lists_complete_wave_folders(tmp_path):
    raw = tmp_path / "raw"
    write_csv_2018(raw / "2018", respondents(2018, 3))
    (raw / "2020").mkdir()
    (raw / "2020" / "frame.csv").write_text("sektor,n_population\n1,10\n")
    (raw / "reference").mkdir()
    (raw / "README.md").write_text("not a wave")
    assert discover_waves(raw) == [2018]


def test_a_value_right_of_the_header_makes_an_xlsx_row_malformed(con, tmp_path):
    import openpyxl

    path = write_xlsx(tmp_path / "raw" / "2024", 2024, respondents(2024, 30))
    workbook = openpyxl.load_workbook(path)
    assert workbook["Data"].max_column == 46  # the header ends in column AT
    workbook["Data"].cell(row=9, column=48, value="kommentar")
    workbook.save(path)
    report = ingest_wave(con, tmp_path / "raw", 2024)
    assert report.rows_accepted == 29
    assert con.execute(
        'SELECT "row", resp_id, "column", value, rule FROM quarantine'
    ).fetchall() == [(9, "1008", "(column AV)", "kommentar", "malformed_row")]


def test_an_xlsx_without_a_data_sheet_is_refused(con, tmp_path):
    import openpyxl

    path = write_xlsx(tmp_path / "raw" / "2024", 2024, respondents(2024, 3))
    workbook = openpyxl.load_workbook(path)
    workbook["Data"].title = "Ark1"
    workbook.save(path)
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2024)
    assert str(refused.value) == f"{path}: no sheet 'Data' (sheets: Ark1, Variabler)"


def test_a_sav_without_cases_or_that_is_no_sav_is_refused(con, tmp_path):
    path = write_sav(tmp_path / "raw" / "2020", 2020, respondents(2020, 3))
    empty = pyreadstat.read_sav(path)[0].iloc[0:0]
    pyreadstat.write_sav(empty, path)
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2020)
    assert refused.value.problem == "header-only file: the SPSS file has variables but no cases"
    path.write_bytes(b"$FL2@(#) not really SPSS")
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2020)
    assert refused.value.problem.startswith("unreadable SPSS file: ")
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'responses'"
    ).fetchone() == (0,)


def test_ingest_needs_the_reference_tables(tmp_path):
    import duckdb

    write_csv_2018(tmp_path / "raw" / "2018", respondents(2018, 3))
    with pytest.raises(RuntimeError, match="build the reference tables first"):
        ingest_wave(duckdb.connect(), tmp_path / "raw", 2018)


def test_a_header_naming_a_column_twice_is_refused(con, tmp_path):
    path = write_csv_2018(tmp_path / "raw" / "2018", respondents(2018, 3))
    path.write_bytes(path.read_bytes().replace(b";Q9;", b";Q8;", 1))
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2018)
    assert str(refused.value) == (
        f"{path}, row 1, column 'Q8': the header names this column twice; "
        "give every column a name of its own"
    )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            "sektor,n_population\n1,100\n2,mange\n",
            "row 3, column 'n_population', value 'mange': "
            "the population count is not a whole number of at least 0",
        ),
        (
            "sektor,n_population\n1,100\n1,120\n2,200\n",
            "row 2, column 'n_population', value '100': the cell is listed more than once",
        ),
        (
            "sektor;n_population\n1;100\n2;200\n",
            "row 2, column 'sektor', value 'x': the cell code is not an integer",
        ),
        (
            "sektor,antall\n1,100\n2,200\n",
            "row 1, column 'n_population': required column(s) missing: n_population "
            "(the wave's frame has columns sektor, n_population)",
        ),
        (
            "sektor,n_population\n1,100\n2\n",
            "row 3: malformed row: not as many fields as the header's 2; correct the row",
        ),
    ],
    ids=["population", "duplicate cell", "semicolons", "missing column", "short row"],
)
def test_a_bad_frame_is_refused(con, tmp_path, frame, message):
    write_xlsx(tmp_path / "raw" / "2024", 2024, respondents(2024, 3))
    path = tmp_path / "raw" / "2024" / "frame.csv"
    path.write_text(frame.replace("1;100", "x;100"), encoding="utf-8")
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2024)
    assert str(refused.value) == f"{path}, {message}"


def test_a_csv_delivery_is_ingested_without_the_spss_and_excel_readers(tmp_path):
    """Only an SPSS or Excel delivery loads pyreadstat or openpyxl (a tenth of a second
    together): a process that ingests a CSV wave (the sample wave 2018, the bench's
    deliveries) imports neither."""
    ingest = (
        "import sys, duckdb\n"
        "from pathlib import Path\n"
        "from pipelines.ingest import ingest_wave\n"
        "from pipelines.ingest.reference import build_reference\n"
        "raw = Path(sys.argv[1])\n"
        "con = duckdb.connect(sys.argv[2])\n"
        "build_reference(con, raw / 'reference')\n"
        "assert ingest_wave(con, raw, 2018).rows_accepted > 0\n"
    )
    raw = REPO / "data" / "raw"
    loaded = loaded_after(ingest, str(raw), str(tmp_path / "warehouse.duckdb"))
    assert not {"pyreadstat", "openpyxl"} & loaded
