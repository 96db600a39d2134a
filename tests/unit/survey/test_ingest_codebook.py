"""A codebook error names the codebook file, what is wrong and what to do."""

from __future__ import annotations

import pytest

from pipelines.survey import codebook
from pipelines.survey.codebook import CodebookError

VALID = """wave = 2018
municipality_numbering = 2018
weighting_cells = ["virksomhetstype", "landsdel"]

[columns]
ID = "resp_id"
KNR = "kommunenr"
NIVA = "forvaltningsniva"
SEKTOR = "sektor"
TYPE = "virksomhetstype"
Q1 = "ansatte"
"""


def refused(tmp_path, text: str) -> str:
    (tmp_path / "2018.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as error:
        codebook.load(2018, tmp_path)
    return str(error.value)


def test_the_valid_codebook_loads(tmp_path):
    (tmp_path / "2018.toml").write_text(VALID, encoding="utf-8")
    assert codebook.load(2018, tmp_path).columns["Q1"] == "ansatte"


def test_invalid_toml_names_the_file_and_the_place(tmp_path):
    assert refused(tmp_path, VALID.replace('Q1 = "ansatte"', "Q1 = ansatte")) == (
        f"{tmp_path}/2018.toml: not valid TOML (Invalid value (at line 11, column 6)); "
        "correct the syntax"
    )


def test_a_missing_key_says_what_it_must_hold(tmp_path):
    assert refused(tmp_path, VALID.replace("municipality_numbering = 2018\n", "")) == (
        f"{tmp_path}/2018.toml: the key 'municipality_numbering' is missing; "
        "add it (one of (2018, 2019, 2024))"
    )


def test_a_value_of_the_wrong_type_says_what_each_key_holds(tmp_path):
    message = refused(tmp_path, VALID.replace("wave = 2018", 'wave = "2018"'))
    assert message.startswith(
        f"{tmp_path}/2018.toml: a value has the wrong type ('2018' is not a whole number); "
        "expected wave: the wave's year, e.g. wave = 2024; "
    )


def test_an_sql_like_canonical_name_is_named_not_a_bare_key_error(tmp_path):
    text = VALID.replace('Q1 = "ansatte"', 'Q1 = "ansatte; DROP TABLE responses"')
    assert refused(tmp_path, text) == (
        f"{tmp_path}/2018.toml: [columns] maps 'Q1' to 'ansatte; DROP TABLE responses', "
        "which is not a canonical variable of the questionnaire; use a name from "
        "pipelines/survey/questionnaire.py (docs/data-dictionary.md lists them)"
    )


def test_an_unknown_variable_under_codes_is_named(tmp_path):
    assert refused(tmp_path, VALID + '\n[codes]\n"x\\"y" = [1]\n') == (
        f"{tmp_path}/2018.toml: [codes] names 'x\"y', which is not a canonical variable of the "
        "questionnaire; use a name from pipelines/survey/questionnaire.py "
        "(docs/data-dictionary.md lists them)"
    )


def test_raw_names_differing_in_case_only_are_refused(tmp_path):
    text = VALID + 'q1 = "innov_tjeneste"\n'
    assert refused(tmp_path, text) == (
        f"{tmp_path}/2018.toml: [columns] names Q1, q1, which differ only in case; column "
        "names are compared without case (SQL does), so keep one"
    )
