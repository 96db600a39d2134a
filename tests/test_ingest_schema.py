"""The pandera schema of a loaded wave: generated from the questionnaire and codebook."""

from __future__ import annotations

import pandera.pandas as pa
import pytest

from pipelines import codebook
from pipelines import questionnaire as q
from pipelines.ingest import ingest_wave
from pipelines.ingest.schemas import (
    FREE_TEXT,
    RESPONDENT_ID,
    responses_schema,
    validate_wave_schema,
    wave_frames,
)
from tests.ingest_fixtures import (
    reference_warehouse,
    respondents,
    write_csv_2018,
    write_sav,
    write_xlsx,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = tmp_path_factory.mktemp("schema")
    write_csv_2018(root / "raw" / "2018", respondents(2018, 24))
    write_sav(root / "raw" / "2020", 2020, respondents(2020, 24))
    write_xlsx(root / "raw" / "2024", 2024, respondents(2024, 24))
    con = reference_warehouse(root / "warehouse.duckdb")
    for wave in (2018, 2020, 2024):
        ingest_wave(con, root / "raw", wave)
    con.close()
    return root / "warehouse.duckdb"


@pytest.fixture
def con(template, tmp_path):
    from tests.ingest_fixtures import copy_warehouse

    con = copy_warehouse(template, tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def test_the_schema_follows_the_questionnaire_and_the_wave_codebook():
    schema = responses_schema(codebook.load(2018))
    assert list(schema.columns) == [
        "wave",
        "source_file",
        "source_row",
        *(v.name for v in q.VARIABLES),
        "innovator",
        "in_merging_unit",
    ]
    sektor = schema.columns["sektor"]
    assert (sektor.dtype.type.name, sektor.nullable) == ("Int16", False)
    assert [c.statistics for c in sektor.checks] == [{"allowed_values": (1, 2)}]
    assert schema.columns["kultur_ideer"].checks[0].name == "not_asked_this_wave"
    assert schema.columns["resp_id"].unique
    routed = {c.name for c in schema.checks} - {"innovator_definition"}
    assert routed == {
        f"routing_{v.name}"
        for v in q.VARIABLES
        if v.routed and v.name in codebook.load(2018).canonical
    }
    assert "routing_storste_hemmer" not in routed  # 2018 did not ask it


@pytest.mark.parametrize("wave", [2018, 2020, 2024])
def test_a_clean_wave_passes(con, wave):
    assert validate_wave_schema(con, wave) == []


def test_every_failure_is_collected_with_its_row(con):
    # what a faulty transformation could leave behind: each line breaks one check
    con.execute("UPDATE responses SET ansatte = 7 WHERE wave = 2020 AND source_row = 3")
    con.execute("UPDATE responses SET kommunenr = '301' WHERE wave = 2020 AND source_row = 4")
    # row 2 is a non-innovator: the newest innovation is not asked of it
    con.execute(
        "UPDATE responses SET kjerne = 1, fritekst_nyeste = 'Navn Navnesen sa det' "
        "WHERE wave = 2020 AND source_row = 2"
    )
    con.execute("UPDATE responses SET resp_id = '1001' WHERE wave = 2020 AND source_row = 5")
    assert validate_wave_schema(con, 2020) == [
        {
            "column": "fritekst_nyeste",
            "check": "routing_fritekst_nyeste",
            "row": 2,
            "resp_id": "1001",
            "failure_case": FREE_TEXT,
        },
        {
            "column": "kjerne",
            "check": "routing_kjerne",
            "row": 2,
            "resp_id": "1001",
            "failure_case": 1,
        },
        {
            "column": "resp_id",
            "check": "field_uniqueness",
            "row": 2,
            "resp_id": "1001",
            "failure_case": RESPONDENT_ID,
        },
        {
            "column": "ansatte",
            "check": "isin((1, 2, 3, 4, 5))",
            "row": 3,
            "resp_id": "1002",
            "failure_case": 7,
        },
        {
            "column": "kommunenr",
            "check": "str_matches('^\\d{4}$')",
            "row": 4,
            "resp_id": "1003",
            "failure_case": "301",
        },
        {
            "column": "resp_id",
            "check": "field_uniqueness",
            "row": 5,
            "resp_id": "1001",
            "failure_case": RESPONDENT_ID,
        },
    ]


def test_a_duplicate_id_across_batches_is_found(con):
    con.execute("UPDATE responses SET resp_id = '1001' WHERE wave = 2024 AND source_row = 25")
    failures = validate_wave_schema(con, 2024, batch_rows=10)
    assert [(f["row"], f["check"]) for f in failures] == [
        (2, "field_uniqueness"),
        (25, "field_uniqueness"),
    ]


def test_an_item_the_wave_did_not_ask_must_be_empty(con):
    con.execute("UPDATE responses SET storste_hemmer = 3 WHERE wave = 2018 AND source_row = 6")
    assert validate_wave_schema(con, 2018) == [
        {
            "column": "storste_hemmer",
            "check": "not_asked_this_wave",
            "row": 6,
            "resp_id": "1005",
            "failure_case": 3,
        },
    ]


def test_the_innovator_flag_must_agree_with_the_answers(con):
    df = next(wave_frames(con, 2024))
    assert df.loc[3, "innovator"]  # row 3 (1002) introduced a new product
    df.loc[3, "innovator"] = False
    with pytest.raises(pa.errors.SchemaErrors) as failed:
        responses_schema(codebook.load(2024)).validate(df, lazy=True)
    cases = failed.value.failure_cases
    # the flag disagrees with the answers; and with it false, the innovators' questions
    # are outside routing
    assert "innovator_definition" in set(cases["check"])
    assert set(cases["index"]) == {3}


def test_answers_of_a_respondent_who_is_no_innovator_after_all_break_routing(con):
    con.execute(
        "UPDATE responses SET innov_tjeneste = 2, innov_produkt = 2, innov_prosess = 2, "
        "innov_kommunikasjon = 2 WHERE wave = 2024 AND source_row = 3"
    )
    failures = validate_wave_schema(con, 2024)
    assert {f["row"] for f in failures} == {3}
    assert {f["check"] for f in failures} == {
        f"routing_{name}"
        for name in respondents(2024, 2)[1]
        if q.INNOVATOR in q.variable(name).routing
    }
