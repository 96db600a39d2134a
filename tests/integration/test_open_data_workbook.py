"""The release version's workbook, read back with openpyxl, holds exactly the Parquet rows."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from pipelines.marts.measures import MEASURES
from pipelines.publish.opendata import read_record
from pipelines.publish.opendata.workbook import sheet_columns, workbook_files, workbook_sheets
from tests.xlsxwriter_oracle import xlsxwriter_bytes

WAVES = (2018, 2020, 2024)
SHEETS = {
    "innovation": "Innovasjon",
    "factors": "Fremmende og hemmende faktorer",
    "failures": "Resultatløse innovasjonsforsøk",
    "culture_index": "Innovasjonskultur",
    "reform_pressure": "Kommunereformen",
    "changes": "Endring fra tidligere år",
    "differences": "Forskjeller mellom grupper",
}
NUMBERS = {
    "changes": {"estimate_from", "estimate_to", "difference", "se", "ci_lower", "ci_upper"}
    | {"p_value"},
    "differences": {"statistic", "p_value", "q_value", "trend_z", "trend_p"},
}
PERCENT = {"estimate", "ci_lower", "ci_upper", "estimate_from", "estimate_to", "difference"}


@pytest.fixture(scope="module")
def records(published):
    return {w: read_record(published / f"wave={w}" / "v0001") for w in WAVES}


@pytest.fixture(scope="module")
def files(records):
    return {w: workbook_files(record) for w, record in records.items()}


@pytest.fixture(scope="module")
def books(files):
    return {
        w: openpyxl.load_workbook(io.BytesIO(f[f"barometer-{w}.xlsx"])) for w, f in files.items()
    }


def numbers(mart: str) -> set[str]:
    return NUMBERS.get(mart, {"estimate", "ci_lower", "ci_upper", "se", "deff"})


def test_a_sheet_per_mart_frozen_and_filtered(records, books):
    for wave, record in records.items():
        book = books[wave]
        assert book.sheetnames == ["Om tabellene", *(SHEETS[m] for m in record.marts)]
        for mart in record.marts:
            sheet = book[SHEETS[mart]]
            rows = record.table(mart).num_rows
            columns = sheet_columns(mart)
            headings = [c.value for c in sheet[1]]
            assert len(headings) == len(columns) and len(set(headings)) == len(columns)
            assert not set(headings) & set(columns) - {"n"}  # Norwegian, not the Parquet's
            assert sheet.freeze_panes == "A2"
            assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(columns))}{rows + 1}"
            assert sheet.max_row == rows + 1


def test_every_cell_is_the_parquet_value(records, books):
    """Numbers are the Parquet doubles (not the displayed strings); NULL numbers are
    symbols: `:` in a suppressed row, and wherever a published row withholds one."""
    seen = {":": 0, "..": 0, ".": 0}
    for wave, record in records.items():
        for mart in record.marts:
            sheet = books[wave][SHEETS[mart]]
            columns = sheet_columns(mart)
            for row, cells in zip(
                record.table(mart).to_pylist(), sheet.iter_rows(min_row=2), strict=True
            ):
                # the measure's Norwegian label beside its code
                row = {**row, "measure_label": MEASURES[row["measure"]].label}
                for column, c in zip(columns, cells, strict=True):
                    value = row[column]
                    if value is None:
                        assert c.value in seen, (mart, column, row)
                        seen[c.value] += 1
                        if row.get("suppressed") or mart == "innovation" and column == "se":
                            assert c.value == ":"
                    elif isinstance(value, float):
                        # Excel has one number type: openpyxl reads 1.0 back as 1
                        assert type(c.value) in (int, float) and c.value == value, (mart, row)
                    else:
                        assert c.value == value and type(c.value) is type(value), (mart, row)
    assert all(seen.values()), seen


def test_suppressed_rows_hide_every_number_but_n(records, books):
    sheet = books[2020][SHEETS["reform_pressure"]]
    columns = sheet_columns("reform_pressure")
    table = records[2020].table("reform_pressure").to_pylist()
    suppressed = [i for i, r in enumerate(table) if r["suppressed"]]
    assert suppressed
    for i in suppressed:
        cells = dict(zip(columns, sheet[i + 2], strict=True))
        assert {cells[c].value for c in numbers("reform_pressure")} == {":"}
        assert cells["n"].value == table[i]["n"]


def test_shares_are_percentages_with_the_published_decimals(records, books):
    checked = set()
    for mart in ("factors", "changes"):
        sheet = books[2024][SHEETS[mart]]
        columns = sheet_columns(mart)
        for row, cells in zip(
            records[2024].table(mart).to_pylist(), sheet.iter_rows(min_row=2), strict=True
        ):
            mean = MEASURES[row["measure"]].kind == "mean"
            for column, c in zip(columns, cells, strict=True):
                if column not in numbers(mart) or not isinstance(c.value, float):
                    continue
                if column in PERCENT:
                    expected = "0.00" if mean else "0.0%"
                elif column == "se":
                    expected = "0.000" if mean else "0.0000"
                else:
                    expected = {"deff": "0.00", "p_value": "0.0000"}[column]
                assert c.number_format == expected, (mart, column, row)
                checked.add((mart, column, mean))
    assert ("factors", "estimate", True) in checked and ("changes", "difference", False) in checked


def test_columns_fit_their_content(records, books):
    sheet = books[2024][SHEETS["innovation"]]
    labels = records[2024].table("innovation").column("group_label").to_pylist()
    letter = get_column_letter(sheet_columns("innovation").index("group_label") + 1)
    assert sheet.column_dimensions[letter].width >= max(map(len, labels))


def test_front_sheet_has_the_legend_and_the_record(records, books):
    for wave, record in records.items():
        front = [
            [v for v in row if v is not None]
            for row in books[wave]["Om tabellene"].iter_rows(values_only=True)
        ]
        first = {row[0]: row[1:] for row in front if row}
        assert ":" in first and ".." in first
        assert "konfidensialitet" in first[":"][0] and "confidentiality" in first[":"][1]
        assert "Tall mangler" in first[".."][0] and "No figure" in first[".."][1]
        text = " ".join(str(v) for row in front for v in row)
        for fact in (record.version, record.created, record.release_digest):
            assert fact in text
        assert f"færre enn {record.min_cell_size} svar" in text
        assert "Taylor" in first["Metode"][0] and "Taylor" in first["Method"][0]
        assert books[wave].properties.created == datetime.fromisoformat(record.created[:-1])


def test_two_builds_are_byte_identical(records, files):
    for wave, record in records.items():
        assert workbook_files(record) == files[wave]


def test_the_workbook_is_the_one_xlsxwriter_writes(records, files):
    """Written by pipelines/publish/opendata/xlsx.py, byte for byte what xlsxwriter, the
    library the workbook was written with before, writes of the same cells."""
    for wave, record in records.items():
        assert files[wave][f"barometer-{wave}.xlsx"] == xlsxwriter_bytes(*workbook_sheets(record))
