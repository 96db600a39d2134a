"""Excel formulas without a stored value quarantine their row."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipelines.ingest import ingest_wave
from pipelines.ingest.readers import _has_formula
from tests.ingest_fixtures import reference_warehouse, respondents, write_xlsx

SHEET_XML = "xl/worksheets/sheet1.xml"


@pytest.fixture
def con(tmp_path):
    con = reference_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def with_formulas(path: Path, formulas: dict[str, str], stored: dict[str, str]) -> None:
    """Write ``formulas`` (cell -> formula) into sheet Data, as a tool that does not compute
    formulas saves them: no value. ``stored`` gives some of them the value a spreadsheet
    program would have stored with the formula."""
    book = openpyxl.load_workbook(path)
    for cell, formula in formulas.items():
        book["Data"][cell] = formula
    book.save(path)
    if not stored:
        return
    copy = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == SHEET_XML:
                for cell, value in stored.items():
                    formula = formulas[cell].removeprefix("=").encode()
                    data = data.replace(
                        f'<c r="{cell}"><f>'.encode() + formula + b"</f><v />",
                        f'<c r="{cell}"><f>'.encode() + formula + f"</f><v>{value}</v>".encode(),
                    )
            target.writestr(item, data)
    shutil.move(copy, path)


def test_a_formula_without_a_stored_value_quarantines_its_row(con, tmp_path):
    path = write_xlsx(tmp_path / "raw" / "2024", 2024, respondents(2024, 40))
    # F = ansatte, G = innov_tjeneste; rows 3 and 5 hold formulas without a value, row 7
    # one with the value a spreadsheet program stored
    with_formulas(path, {"F3": "=1+2", "G5": "=1", "F7": "=2*2"}, stored={"F7": "4"})
    report = ingest_wave(con, tmp_path / "raw", 2024)
    assert con.execute(
        'SELECT "row", resp_id, "column", value, rule FROM quarantine ORDER BY ALL'
    ).fetchall() == [
        (3, "1002", "ansatte", "=1+2", "formula_without_value"),
        (5, "1004", "innov_tjeneste", "=1", "formula_without_value"),
    ]
    assert (report.rows_read, report.rows_quarantined, report.rows_accepted) == (40, 2, 38)
    assert report.quarantine_by_rule == {"formula_without_value": 2}
    assert con.execute(
        "SELECT ansatte FROM responses WHERE wave = 2024 AND source_row = 7"
    ).fetchone() == (4,)


def test_the_formulas_are_read_only_from_a_sheet_that_has_some(tmp_path):
    plain = write_xlsx(tmp_path / "plain" / "2024", 2024, respondents(2024, 3))
    formulas = write_xlsx(tmp_path / "formulas" / "2024", 2024, respondents(2024, 3))
    with_formulas(formulas, {"F3": "=1+2"}, stored={})
    found = {}
    for name, path in (("plain", plain), ("formulas", formulas)):
        book = openpyxl.load_workbook(path, read_only=True)
        found[name] = _has_formula(book["Data"])
        book.close()
    assert found == {"plain": False, "formulas": True}
