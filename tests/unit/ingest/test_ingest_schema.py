"""The pandera schema of a wave's typed delivery: generated from the questionnaire, the
codebook and the reference municipalities, and what its failures become."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.ingest import ingest_wave, responses_table
from pipelines.ingest.readers import land_responses
from pipelines.ingest.schemas import delivery_schema
from pipelines.ingest.validation import delivery_frames, failures, validate_delivery
from pipelines.survey import codebook
from pipelines.survey import questionnaire as q
from pipelines.warehouse.sql_runner import run_model, run_sql
from tests.ingest_fixtures import reference_warehouse, respondents, write_csv_2018

BOOK = codebook.load(2018)


@pytest.fixture
def con(tmp_path):
    con = reference_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def typed_delivery(con, folder, rows) -> None:
    """``rows`` written as the 2018 vendor writes them, landed and typed (ingest_raw)."""
    path = write_csv_2018(folder, rows)
    run_model(con, "warehouse/macros")
    run_model(con, "ingest/macros")
    land_responses(con, path, BOOK.raw_for["resp_id"])
    run_sql(con, responses_table.raw_sql(BOOK))


def found(con) -> list[tuple]:
    return con.execute(
        'SELECT source_row, "column", rule FROM ingest_failures ORDER BY ALL'
    ).fetchall()


def test_the_schema_follows_the_questionnaire_the_codebook_and_the_reference():
    schema = delivery_schema(BOOK, ["0301", "1103"])
    asked = [v for v in q.VARIABLES if BOOK.asked(v.name)]
    assert set(schema.columns) == {v.name for v in asked} | {
        f"delivered_{v.name}" for v in asked if v.kind in ("code", "flag", "timestamp")
    } | {"innovator", "in_merging_unit"}
    assert "kultur_ideer" not in schema.columns  # 2018 did not ask it
    sektor = schema.columns["sektor"]
    assert (str(sektor.dtype), sektor.nullable) == ("float64", False)
    assert [(c.name, c.statistics["allowed"]) for c in sektor.checks] == [
        ("code_not_in_list", (1, 2))
    ]
    kommunenr = schema.columns["kommunenr"]
    assert [(c.name, c.statistics["allowed"]) for c in kommunenr.checks] == [
        ("unknown_kommunenr", ("0301", "1103"))
    ]
    assert schema.columns["kjerne"].nullable
    assert {c.name for c in schema.checks} == {
        *(f"not_an_integer:{v.name}" for v in asked if v.kind in ("code", "flag")),
        "bad_timestamp:startet",
        "bad_timestamp:fullfort",
        "completed_before_started:fullfort",
        "type_sector_mismatch:virksomhetstype",
        "type_level_mismatch:virksomhetstype",
        *(f"routing:{v.name}" for v in asked if v.routed),
        "innovator_definition:innovator",
    }
    assert "routing:storste_hemmer" not in {c.name for c in schema.checks}  # not asked


def test_each_rule_is_found_in_the_row_and_column_that_break_it(con, tmp_path):
    rows = respondents(2018, 24)
    rows[0]["sektor"] = "x"  # a background code that is no integer: not also "empty"
    rows[1]["forvaltningsniva"] = ""  # an empty background code is no code of the list
    rows[2]["ansatte"] = "  "  # only spaces: no answer
    rows[3] |= {"kjerne": 1, "fritekst_nyeste": "svar"}  # a non-innovator
    rows[4]["ansatte"] = 7
    rows[5]["ansatte"] = "3.5"
    rows[7]["kommunenr"] = None  # empty
    rows[8]["kommunenr"] = "9999"
    rows[10]["startet"] = "i går"
    rows[11]["fullfort"] = rows[11]["startet"] - dt.timedelta(minutes=1)
    rows[13]["resp_id"] = ""
    rows[14] |= {"virksomhetstype": 11, "sektor": 2, "forvaltningsniva": 1}
    rows[16] |= {"virksomhetstype": 24, "sektor": 2, "forvaltningsniva": 1}
    rows[17]["sektor"] = "  "
    rows[19]["ansatte"] = " 3 "  # an integer with spaces
    typed_delivery(con, tmp_path / "2018", rows)
    validate_delivery(con, BOOK)
    # row = index + 2 (the header is row 1)
    assert found(con) == [
        (2, "sektor", "not_an_integer"),
        (3, "forvaltningsniva", "code_not_in_list"),
        (5, "fritekst_nyeste", "routing"),
        (5, "kjerne", "routing"),
        (6, "ansatte", "code_not_in_list"),
        (7, "ansatte", "not_an_integer"),
        (9, "kommunenr", "unknown_kommunenr"),
        (10, "kommunenr", "unknown_kommunenr"),
        (12, "startet", "bad_timestamp"),
        (13, "fullfort", "completed_before_started"),
        (15, "resp_id", "empty_resp_id"),
        (16, "virksomhetstype", "type_sector_mismatch"),
        (18, "virksomhetstype", "type_level_mismatch"),
        (19, "sektor", "code_not_in_list"),
    ]


def test_every_batch_is_validated(con, tmp_path):
    rows = respondents(2018, 24)
    rows[1]["ansatte"] = 7
    rows[22]["ansatte"] = 8
    typed_delivery(con, tmp_path / "2018", rows)
    validate_delivery(con, BOOK, batch_rows=5)
    assert found(con) == [(3, "ansatte", "code_not_in_list"), (24, "ansatte", "code_not_in_list")]


def test_a_quarantined_row_gives_no_routing_warning(con, tmp_path):
    rows = respondents(2018, 40)
    assert not rows[3].get("kjerne") and not rows[6].get("kjerne")  # non-innovators
    rows[3] |= {"kjerne": 1, "kommunenr": "9999"}
    rows[6]["kjerne"] = 1
    write_csv_2018(tmp_path / "raw" / "2018", rows)
    report = ingest_wave(con, tmp_path / "raw", 2018)
    assert con.execute('SELECT "row", "column", rule FROM quarantine').fetchall() == [
        (5, "kommunenr", "unknown_kommunenr")
    ]
    assert con.execute('SELECT "row", "column", value FROM routing_warnings').fetchall() == [
        (8, "kjerne", "1")
    ]
    assert report.routing_warnings_by_question == {"kjerne": 1}
    assert con.execute("SELECT kjerne FROM responses WHERE source_row = 8").fetchone() == (None,)


def test_a_derived_flag_that_disagrees_with_the_questionnaire_is_the_pipelines_error(con, tmp_path):
    typed_delivery(con, tmp_path / "2018", respondents(2018, 12))
    # as if the shared macro had it wrong: everyone an innovator
    con.execute("CREATE OR REPLACE MACRO innovator(a, b, c, d) AS true")
    with pytest.raises(RuntimeError) as failed:
        validate_delivery(con, BOOK, batch_rows=5)
    message = str(failed.value)
    assert "innovator" in message and "at row 2 " in message
    assert "1001" not in message  # the row's respondent id
    # the stream was closed with the error: the connection takes the next statement
    assert con.execute("SELECT count(*) FROM ingest_raw").fetchone() == (12,)


def test_a_typed_delivery_without_the_schemas_columns_is_the_pipelines_error(con, tmp_path):
    typed_delivery(con, tmp_path / "2018", respondents(2018, 4))
    rows = next(delivery_frames(con, BOOK))
    schema = delivery_schema(BOOK, ["0301"])
    with pytest.raises(RuntimeError, match="does not fit its schema"):
        failures(schema, rows.drop(columns=["delivered_ansatte"]))
