"""The questionnaire and codebooks: one source, consistent, and the docs written from it."""

from __future__ import annotations

import pytest

from pipelines.marts import data_dictionary
from pipelines.survey import codebook, questionnaire


def test_data_dictionary_is_written_from_the_questionnaire():
    assert data_dictionary.DICTIONARY.read_text(encoding="utf-8") == data_dictionary.render(), (
        "docs/data-dictionary.md is stale: run `python -m pipelines.marts.data_dictionary`"
    )


def test_every_type_belongs_to_its_sector():
    for code in questionnaire.VIRKSOMHETSTYPER:
        assert code // 10 in questionnaire.SEKTORER


def test_routing_names_only_variables_or_derived_flags():
    for v in questionnaire.VARIABLES:
        for condition in v.routing:
            assert (
                condition.variable in questionnaire.BY_NAME
                or condition.variable in questionnaire.DERIVED_FLAGS
            ), (v.name, condition)


@pytest.mark.parametrize("wave", codebook.available_waves())
def test_codebooks_map_onto_canonical_variables(wave):
    book = codebook.load(wave)
    assert set(book.columns.values()) <= set(questionnaire.BY_NAME)
    assert book.canonical[0] == "resp_id"


def test_waves_ask_what_the_contract_says():
    b2018, b2020, b2024 = (codebook.load(w) for w in (2018, 2020, 2024))
    assert not any(
        b2018.asked(n)
        for n in (
            "storste_hemmer",
            "mislykket",
            "kultur_ideer",
            "reform_trykk",
            "f_offentlig_samarbeid",
        )
    )
    assert b2018.raw_for["f_politikk"] == "Q10_8"
    assert b2018.allowed_codes("sektor") == (1, 2)
    assert b2020.asked("reform_trykk") and not b2024.asked("reform_trykk")
    assert b2024.raw_for["f_ny_teknologi"] == "f_teknologi"
    assert b2020.raw_for["kommunenr"] == "Kommunenummer"


def test_a_codebook_naming_an_unknown_variable_is_refused(tmp_path):
    (tmp_path / "2030.toml").write_text(
        'wave = 2030\nmunicipality_numbering = 2024\nweighting_cells = ["sektor"]\n'
        '[columns]\nid = "resp_id"\nknr = "kommunenr"\nnivaa = "forvaltningsniva"\n'
        's = "sektor"\nt = "virksomhetstype"\nx = "no_such_variable"\n',
        encoding="utf-8",
    )
    with pytest.raises(codebook.CodebookError, match="no_such_variable"):
        codebook.load(2030, tmp_path)
