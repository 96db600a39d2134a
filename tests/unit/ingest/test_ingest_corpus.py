"""The bad-input corpus (tests/data/bad_deliveries): what ingest reports for each problem.

Every case is ingested into a copy of a warehouse that already holds a valid 2018 and
2024 wave. A refused delivery must leave that warehouse exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.ingest import DeliveryError, discover, discover_waves, ingest_wave
from tests.data.bad_deliveries import build_corpus
from tests.ingest_fixtures import (
    BAD_DELIVERIES,
    copy_warehouse,
    reference_warehouse,
    respondents,
    table_rows,
    write_csv_2018,
    write_xlsx,
)

WHOLE_DELIVERY_ERRORS = {
    "empty_file": "2018/responses.csv: empty file: no header and no rows",
    "header_only": "2018/responses.csv: header-only file: no data rows",
    "missing_column": (
        "2018/responses.csv, row 1, column 'Q9': required column(s) missing: Q9 "
        "(every column of the codebook 2018.toml is required)"
    ),
    "two_responses_files": (
        "2018: 2 responses files (responses.csv, responses.sav); a delivery holds exactly one"
    ),
    "missing_frame": "2018/frame.csv: missing file: the delivery has no weighting frame",
    # the message names the row, never the line: it holds an id and free text
    "extra_header_column": (
        "2018/responses.csv, row 2: no rows left after quarantine: all 40 rows failed a check "
        "(malformed_row 40); the first failed malformed_row (its fields do not line up with "
        "the header's columns)"
    ),
    "case_clash_header": (
        "2018/responses.csv, row 1, column 'q1': the header names this column twice "
        "('Q1' and 'q1' differ in case only); give every column a name of its own"
    ),
    "frame_zero_count": (
        "2018/frame.csv, row 5, column 'n_population', value '0': the cell virksomhetstype 11, "
        "landsdel NO08 has a population of 0 but holds 1 respondent(s) (the first at "
        "2018/responses.csv row 2); a cell cannot have more respondents than workplaces: "
        "give the cell its population count"
    ),
    "frame_below_respondents": (
        "2018/frame.csv, row 7, column 'n_population', value '1': the cell virksomhetstype 11, "
        "landsdel NO0A has a population of 1 but holds 2 respondent(s) (the first at "
        "2018/responses.csv row 10); 9 more such cell(s); a cell cannot have more "
        "respondents than workplaces: give the cell its population count"
    ),
    "frame_cell_missing": (
        "2018/frame.csv, column 'virksomhetstype, landsdel', value '11, NO08': no frame row "
        "for this cell, which holds 1 respondent(s) (the first at 2018/responses.csv row 2)"
    ),
    "undecodable_bytes": (
        "2018/responses.csv, row 4: undecodable byte 0x81 at byte offset 420: "
        "the file is neither UTF-8 nor windows-1252"
    ),
    "broken_utf8": (
        "2018/responses.csv, row 3: undecodable byte 0xE5 at byte offset 307: "
        "the file starts with a UTF-8 byte-order mark but is not valid UTF-8"
    ),
    "over_threshold": (
        "2018/responses.csv, row 3, column 'ansatte', value '6': 3 of 40 rows (7.5%) failed "
        "a check, more than the 5% a wave may lose (code_not_in_list 3); "
        "the first failed code_not_in_list"
    ),
    "no_rows_left": (
        "2018/responses.csv, row 2, column 'kommunenr', value '9999': no rows left after "
        "quarantine: all 40 rows failed a check (unknown_kommunenr 40); "
        "the first failed unknown_kommunenr"
    ),
}

# case -> quarantine records (row, resp_id, column, value, rule)
ROW_ERRORS = {
    "truncated_last_line": [(41, "1040", None, "1040;5001;1;2;25;5;2;2;2;2", "malformed_row")],
    "stray_delimiter": [
        (
            21,
            "1020",
            None,
            "1020;1001;1;1;14;5;2;2;2;1;;0;0;0;1;9;;6;7;1;2;3;4;5;6;"
            "Ny rutine; for legemiddelhåndtering;2017-10-07 22:00:00;2017-10-07 22:14:00",
            "malformed_row",
        )
    ],
    "duplicate_resp_id": [
        (7, "1006", "resp_id", "1006", "duplicate_resp_id"),
        (12, "1006", "resp_id", "1006", "duplicate_resp_id"),
    ],
    "empty_resp_id": [(9, None, "resp_id", None, "empty_resp_id")],
    "not_an_integer": [(5, "1004", "ansatte", "3.5", "not_an_integer")],
    "code_not_in_list": [(15, "1014", "virksomhetstype", "23", "code_not_in_list")],
    "unknown_kommunenr": [(17, "1016", "kommunenr", "5061", "unknown_kommunenr")],
    "type_sector_mismatch": [(10, "1009", "virksomhetstype", "11", "type_sector_mismatch")],
    "type_level_mismatch": [(8, "1007", "virksomhetstype", "24", "type_level_mismatch")],
    "bad_timestamp": [(22, "1021", "startet", "2017-10-32 09:00:00", "bad_timestamp")],
    "completed_before_started": [
        (27, "1026", "fullfort", "2017-10-09 08:55:00", "completed_before_started")
    ],
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A warehouse with reference data and valid 2018 and 2024 waves already ingested."""
    root = tmp_path_factory.mktemp("template")
    write_csv_2018(root / "raw" / "2018", respondents(2018, 40))
    write_xlsx(root / "raw" / "2024", 2024, respondents(2024, 12))
    path = root / "warehouse.duckdb"
    con = reference_warehouse(path)
    for wave in (2018, 2024):
        ingest_wave(con, root / "raw", wave)
    con.close()
    return path


@pytest.fixture
def con(template, tmp_path):
    con = copy_warehouse(template, tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def test_committed_corpus_is_what_the_script_writes(tmp_path):
    build_corpus.build(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(BAD_DELIVERIES)
        for p in BAD_DELIVERIES.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    )
    assert written == committed
    for relative in written:
        assert (tmp_path / relative).read_bytes() == (BAD_DELIVERIES / relative).read_bytes()


@pytest.mark.parametrize("case", WHOLE_DELIVERY_ERRORS)
def test_a_refused_delivery_names_the_problem_and_changes_nothing(con, case):
    before = table_rows(con)
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, BAD_DELIVERIES / case, 2018)
    assert str(refused.value) == f"{BAD_DELIVERIES / case}/{WHOLE_DELIVERY_ERRORS[case]}"
    assert table_rows(con) == before
    # the earlier, valid 2018 wave is still there, whole
    assert con.execute("SELECT count(*) FROM responses WHERE wave = 2018").fetchone() == (40,)


NOT_A_WAVE = (
    ": not a wave folder: a wave folder is named by its publication year, four ASCII digits "
    "such as 2024 (no spaces, no leading zero); rename or remove it"
)


def test_a_folder_not_named_by_a_year_is_reported_by_discovery():
    found = discover(BAD_DELIVERIES / "bad_folder_name")
    assert found.waves == []
    assert [str(p) for p in found.problems] == [
        f"{BAD_DELIVERIES}/bad_folder_name/2018_rettet, value '2018_rettet'{NOT_A_WAVE}"
    ]


def test_stray_folders_are_reported_once_each_and_the_valid_wave_is_found():
    folder = BAD_DELIVERIES / "stray_folders"
    found = discover(folder)
    assert found.waves == [2018]
    assert discover_waves(folder) == [2018]
    assert [str(p) for p in found.problems] == [
        f"{folder}/{name}, value {name!r}{NOT_A_WAVE}"
        for name in sorted(build_corpus.STRAY_FOLDERS)
    ]


@pytest.mark.parametrize("case", ROW_ERRORS)
def test_a_row_error_is_quarantined_and_the_wave_goes_on(con, case):
    expected = ROW_ERRORS[case]
    report = ingest_wave(con, BAD_DELIVERIES / case, 2018)
    quarantined = con.execute(
        'SELECT "row", resp_id, "column", value, rule FROM quarantine '
        "WHERE wave = 2018 AND file = '2018/responses.csv' ORDER BY ALL"
    ).fetchall()
    assert quarantined == expected
    bad_rows = sorted({r[0] for r in expected})
    assert report.rows_read == 40
    assert report.rows_quarantined == len(bad_rows)
    assert report.rows_accepted == 40 - len(bad_rows)
    assert report.quarantine_by_rule == {expected[0][4]: len(expected)}
    rows = [
        r for (r,) in con.execute("SELECT source_row FROM responses WHERE wave = 2018").fetchall()
    ]
    assert len(rows) == 40 - len(bad_rows)
    assert not set(rows) & set(bad_rows)
    # the rows after a malformed one keep their own line numbers
    assert set(rows) == set(range(2, 42)) - set(bad_rows)


def test_five_percent_quarantined_is_still_accepted(con):
    report = ingest_wave(con, BAD_DELIVERIES / "duplicate_resp_id", 2018)
    assert (report.rows_quarantined, report.rows_read) == (2, 40)


def test_integers_written_with_spaces_or_a_zero_decimal_are_read(con):
    ingest_wave(con, BAD_DELIVERIES / "not_an_integer", 2018)
    ansatte = con.execute(
        "SELECT source_row, ansatte FROM responses WHERE wave = 2018 AND source_row IN (6, 7) "
        "ORDER BY source_row"
    ).fetchall()
    assert ansatte == [(6, 5), (7, 1)]


def test_an_answer_against_routing_is_a_warning_and_is_dropped(con):
    report = ingest_wave(con, BAD_DELIVERIES / "routing", 2018)
    assert report.routing_warnings_by_question == {"kjerne": 1}
    assert report.rows_accepted == 40
    warnings = con.execute(
        'SELECT wave, file, "row", resp_id, "column", value FROM routing_warnings WHERE wave = 2018'
    ).fetchall()
    assert warnings == [(2018, "2018/responses.csv", 11, "1010", "kjerne", "1")]
    assert con.execute(
        "SELECT innov_tjeneste, utvikling, kjerne FROM responses "
        "WHERE wave = 2018 AND source_row = 11"
    ).fetchone() == (2, 2, None)


def test_an_extra_column_is_ignored_and_listed(con):
    before = con.execute("SELECT * FROM responses WHERE wave = 2018 ORDER BY source_row").fetchall()
    report = ingest_wave(con, BAD_DELIVERIES / "extra_column", 2018)
    assert report.extra_columns == ("Q12",)
    after = con.execute("SELECT * FROM responses WHERE wave = 2018 ORDER BY source_row").fetchall()
    assert after == before


def test_utf8_with_bom_and_commas_reads_like_the_windows_1252_delivery(con):
    before = con.execute("SELECT * FROM responses WHERE wave = 2018 ORDER BY source_row").fetchall()
    report = ingest_wave(con, BAD_DELIVERIES / "utf8_bom_comma", 2018)
    assert (report.encoding, report.delimiter) == ("utf-8-sig", ",")
    after = con.execute("SELECT * FROM responses WHERE wave = 2018 ORDER BY source_row").fetchall()
    assert after == before
    # the free text with a comma in it was quoted by the vendor and read whole
    assert con.execute(
        "SELECT count(*) FROM responses WHERE wave = 2018 AND fritekst_nyeste = "
        "'Ombygging av uteområdet, med brukermedvirkning'"
    ).fetchone() == (6,)


def test_rows_are_numbered_by_the_line_they_start_on(con):
    ingest_wave(con, BAD_DELIVERIES / "quoted_line_breaks", 2018)
    rows = dict(
        con.execute("SELECT resp_id, source_row FROM responses WHERE wave = 2018").fetchall()
    )
    assert [rows[str(i)] for i in (1001, 1002, 1003, 1030, 1031, 1040)] == [2, 3, 5, 32, 34, 43]
    assert con.execute(
        "SELECT fritekst_nyeste FROM responses WHERE wave = 2018 AND resp_id = '1002'"
    ).fetchone() == ("Ny rutine for\nlegemiddelhåndtering",)


def test_a_failing_wave_leaves_the_other_waves_and_its_own_earlier_rows(con):
    counts = "SELECT wave, count(*) FROM {} GROUP BY wave ORDER BY wave"
    before = {t: con.execute(counts.format(t)).fetchall() for t in ("responses", "frame")}
    assert before["responses"] == [(2018, 40), (2024, 12)]
    with pytest.raises(DeliveryError):
        ingest_wave(con, BAD_DELIVERIES / "over_threshold", 2018)
    assert {t: con.execute(counts.format(t)).fetchall() for t in ("responses", "frame")} == before
    # nothing of the failed ingest is left behind in the connection either
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'ingest%'"
    ).fetchone() == (0,)
