"""An SPSS delivery's value labels must not contradict the questionnaire's."""

from __future__ import annotations

import pytest

from pipelines.ingest import DeliveryError, ingest_wave
from pipelines.ingest.value_labels import normalised
from tests.ingest_fixtures import reference_warehouse, respondents, table_rows, write_sav

INNOVATION = ("innov_tjeneste", "innov_produkt", "innov_prosess", "innov_kommunikasjon")


@pytest.fixture
def con(tmp_path):
    con = reference_warehouse(tmp_path / "warehouse.duckdb")
    write_sav(tmp_path / "valid" / "2020", 2020, respondents(2020, 12))
    ingest_wave(con, tmp_path / "valid", 2020)
    yield con
    con.close()


def swapped(rows: list[dict]) -> list[dict]:
    """The rows with codes 1 and 2 of the innov_* items swapped."""
    swap = {1: 2, 2: 1}
    return [r | {v: swap.get(r[v], r[v]) for v in INNOVATION if v in r} for r in rows]


def test_swapped_codes_with_labels_saying_so_are_refused(con, tmp_path):
    # the vendor swapped the codes and relabelled them, so the file is consistent in itself:
    # only its labels show that 1 no longer means "Ja"
    path = write_sav(
        tmp_path / "raw" / "2020",
        2020,
        swapped(respondents(2020, 12)),
        labels={v: {1.0: "Nei", 2.0: "Ja"} for v in INNOVATION},
    )
    before = table_rows(con)
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2020)
    assert str(refused.value) == (
        f"{path}, column 'innov_tjeneste', value 1: innov_tjeneste: code 1 is "
        "labelled 'Nei', the label of code 2; the questionnaire labels it 'Ja'; 7 more "
        "label(s) contradict the questionnaire; the codes cannot be read with their meaning: "
        "deliver codes and labels as the contract's code list has them (or no labels)"
    )
    assert table_rows(con) == before


def test_a_label_of_no_code_is_refused(con, tmp_path):
    path = write_sav(
        tmp_path / "raw" / "2020", 2020, respondents(2020, 12), labels={"ansatte": {3.0: "Mange"}}
    )
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2020)
    assert str(refused.value) == (
        f"{path}, column 'ansatte', value 3: ansatte: code 3 is labelled 'Mange', which is no "
        "label of ansatte; the questionnaire labels it '20–49'; the codes cannot be read with "
        "their meaning: deliver codes and labels as the contract's code list has them "
        "(or no labels)"
    )


def test_labels_differing_in_case_spaces_or_punctuation_and_missing_labels_are_fine(con, tmp_path):
    write_sav(
        tmp_path / "raw" / "2020",
        2020,
        respondents(2020, 12),
        labels={
            "innov_tjeneste": {1.0: " JA ", 2.0: "nei."},
            "sektor": {1.0: "Helse  og omsorg"},  # the other codes unlabelled
            "innov_produkt": None,  # no labels at all
            "kjerne": {7.0: "Ikke i listen"},  # a code outside the list: checked row by row
        },
    )
    report = ingest_wave(con, tmp_path / "raw", 2020)
    assert report.rows_accepted == 12


def test_normalised_label():
    assert normalised("  Helse og\u00a0omsorg. ") == "helse og omsorg"
    assert normalised("(Fylkes)kommunens vedtak") == "fylkes kommunens vedtak"
    assert normalised("Vet ikke") != normalised("Vet ikkje")
