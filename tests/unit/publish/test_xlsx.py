"""The workbook writer (pipelines/publish/opendata/xlsx.py) writes xlsxwriter's bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl

from pipelines.publish.opendata.xlsx import Properties, Sheet, Style, column_letter, workbook_bytes
from tests.xlsxwriter_oracle import xlsxwriter_bytes

PROPERTIES = Properties(
    "Tittel & <år>", "KS – Innovasjonsbarometeret", datetime(2026, 12, 7, 8, 5, 3)
)
BOLD = Style(bold=True)
PERCENT = Style(num_format="0.0%")


def awkward_sheets() -> list[Sheet]:
    """Everything the writer supports, at its edges: strings XML must escape, that keep
    their spaces, control characters and text that looks like their escape; booleans,
    integers and doubles of every size; styles in an order of their own; empty rows, rows of
    different lengths, more than one block of 16 rows; widths equal side by side, below one
    character and at Excel's default; quoted sheet names."""
    front = Sheet(
        "Om tabellene",
        [
            [("Tittel", BOLD), ("a & b < c > d \"e\" 'f'", None)],
            [],
            [(" leading", None), ("trailing ", None), ("line\nbreak", None)],
            [("bell\x07 and _x0041_", BOLD), ("tab\there", Style(num_format="0"))],
        ],
        widths=[36, 70, 70],
    )
    numbers = Sheet(
        "Tall og sannheter",
        [
            [("kode", BOLD), ("andel", BOLD), ("n", BOLD), ("flagg", BOLD), ("merke", BOLD)],
            *(
                [
                    (f"gruppe {i % 7}", None),
                    (i / 37 - 0.5, PERCENT if i % 3 else Style(num_format="0.000")),
                    (i * 10**i if i < 19 else -i, None),
                    (i % 2 == 0, None),
                    (":" if i % 5 == 0 else 1e-7 * i, Style(bold=True, num_format="0.00")),
                    # the rows' second block of 16 narrower than the others
                ][: 3 if 15 <= i < 31 else 5]
                for i in range(40)
            ),
            [("kort rad", None)],
        ],
        widths=[12, 0.5, 8.43, 8.43, 80],
        frozen_header=True,
        autofilter=True,
    )
    plain = Sheet("Endring", [[("år", BOLD)], [(2024, None)]], frozen_header=True, autofilter=True)
    return [front, numbers, plain, Sheet("Tom O'Brien", [])]


def test_the_bytes_are_xlsxwriters():
    sheets = awkward_sheets()
    assert workbook_bytes(sheets, PROPERTIES) == xlsxwriter_bytes(sheets, PROPERTIES)


def test_a_difference_in_a_cell_is_seen():
    """The comparison above can fail: one changed style shows in the bytes."""
    sheets = awkward_sheets()
    ours = workbook_bytes(sheets, PROPERTIES)
    value, _ = sheets[1].rows[3][1]
    sheets[1].rows[3][1] = (value, Style(num_format="0.00%"))
    assert xlsxwriter_bytes(sheets, PROPERTIES) != ours


def test_openpyxl_reads_the_cells_back():
    sheets = awkward_sheets()
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(sheets, PROPERTIES)))
    front, numbers, plain, empty = book.worksheets
    assert front["B1"].value == "a & b < c > d \"e\" 'f'" and front["A1"].font.b
    assert front["A3"].value == " leading" and front["C3"].value == "line\nbreak"
    # text that looks like an escape is escaped itself (Excel reads a control character's
    # escape back too; openpyxl leaves it)
    assert front["A4"].value.endswith(" and _x0041_")
    assert numbers["C20"].value == 18 * 10**18 and numbers["D2"].value is True
    assert numbers["B3"].number_format == "0.0%" and numbers["E3"].font.b
    assert numbers.freeze_panes == "A2" and numbers.auto_filter.ref == "A1:E42"
    assert plain["A2"].value == 2024 and empty.max_row == 1
    assert book.properties.created == PROPERTIES.created
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(sheets[2:3], PROPERTIES))) as package:
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_column_letters():
    assert [column_letter(c) for c in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
