"""The marts of a release version as one Excel workbook, `barometer-<wave>.xlsx`.

A front sheet ("Om tabellene") with the version's record, the legend of the symbols and the
method, then one sheet per mart: its Parquet rows in the Parquet's order and columns, with
Norwegian headings, and beside the measure's code its Norwegian label (a reader of the
workbook has no vocabulary to look `core_task` up in). A number is written as the Parquet
double itself and only displayed rounded: shares (and changes of shares) as percentages
with the decimals §8 keeps, other numbers with theirs. A NULL number is written as the
symbol for it (presentation.py): `:`, `..` or `.`, never as a number.

The bytes are deterministic: the only date inside is the version's `created`, set as the
document's creation date; xlsxwriter writes the zip entries with a fixed timestamp.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipelines.marts.disclosure_rules import number_kind
from pipelines.marts.measures import MEASURES, description
from pipelines.marts.shapes import SHAPES
from pipelines.publish.opendata import ReleaseRecord
from pipelines.publish.opendata.presentation import (
    HEADINGS,
    INTEGER_COLUMNS,
    LEGEND,
    MART_LABELS,
    SHARE_COLUMNS,
    SOURCE,
    decimals,
    method_lines,
    missing_symbol,
    value_columns,
)

FRONT = "Om tabellene"
MEASURE_LABEL = "measure_label"
SHEET_HEADINGS = {**HEADINGS, "measure": "Mål (kode)", MEASURE_LABEL: "Mål"}
# Excel's limit on a column's width is 255; labels this long are read in the cell anyway
MAX_WIDTH = 80


def workbook_files(record: ReleaseRecord) -> dict[str, bytes]:
    """`barometer-<wave>.xlsx`: file name -> exact bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    created = datetime.fromisoformat(record.created.replace("Z", "+00:00"))
    book.set_properties(
        {
            "title": f"Innovasjonsbarometeret {record.wave}",
            "author": SOURCE,
            "created": created.astimezone(UTC).replace(tzinfo=None),
        }
    )
    formats = Formats(book)
    front_sheet(book.add_worksheet(FRONT), record, formats)
    for mart in record.marts:
        mart_sheet(book.add_worksheet(MART_LABELS[mart][:31]), record, mart, formats)
    book.close()
    return {f"barometer-{record.wave}.xlsx": buffer.getvalue()}


class Formats:
    """One xlsxwriter format per number format, made once per workbook."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.by_pattern: dict[str, object] = {}

    def number(self, pattern: str):
        if pattern not in self.by_pattern:
            self.by_pattern[pattern] = self.book.add_format({"num_format": pattern})
        return self.by_pattern[pattern]


def number_format(column: str, kind: str) -> str:
    """The display of ``column`` in a row of ``kind``: a share as a percentage keeping the
    decimals §8 keeps (3 decimals of a share are 1 of a percentage), others as numbers."""
    places = decimals(column, kind)
    if column in SHARE_COLUMNS and kind == "share":
        return "0" + ("." + "0" * (places - 2) if places > 2 else "") + "%"
    return "0" + ("." + "0" * places if places else "")


def front_sheet(sheet: Worksheet, record: ReleaseRecord, formats: Formats) -> None:
    """The version's record, the legend of the symbols and the method, in nb and en."""
    nb, en = method_lines(record.min_cell_size)
    lines: list[tuple[str, ...]] = [
        (f"Innovasjonsbarometeret {record.wave}", SOURCE),
        (),
        ("År (bølge)", str(record.wave)),
        ("Versjon", record.version),
        ("Laget", record.created),
        ("Minste gruppestørrelse", str(record.min_cell_size)),
        ("Kontrollsum for versjonen (sha256)", record.release_digest),
        (),
        ("Tegn", "Betydning", "Meaning"),
        *((symbol, text_nb, text_en) for symbol, (text_nb, text_en) in LEGEND.items()),
        (),
        ("Metode", nb),
        ("Method", en),
        (),
        ("Ark", "Innhold", "Contents"),
        *((MART_LABELS[m][:31], MART_LABELS[m], description(m)) for m in record.marts),
    ]
    for r, line in enumerate(lines):
        for c, text in enumerate(line):
            sheet.write_string(r, c, text, formats.bold if c == 0 else None)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 70)


def sheet_columns(mart: str) -> tuple[str, ...]:
    """The mart's columns in its sheet: the Parquet's, the measure's label after its code."""
    names = SHAPES[mart].names
    at = names.index("measure") + 1
    return (*names[:at], MEASURE_LABEL, *names[at:])


def mart_sheet(sheet: Worksheet, record: ReleaseRecord, mart: str, formats: Formats) -> None:
    """The mart's rows under Norwegian headings, frozen and filtered."""
    rows = [
        {**row, MEASURE_LABEL: MEASURES[row["measure"]].label}
        for row in record.table(mart).to_pylist()
    ]
    columns = sheet_columns(mart)
    widths = [len(SHEET_HEADINGS[c]) for c in columns]
    for c, column in enumerate(columns):
        sheet.write_string(0, c, SHEET_HEADINGS[column], formats.bold)
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(columns):
            shown = write_cell(sheet, r, c, mart, row, column, formats)
            widths[c] = max(widths[c], len(shown))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(width + 2, MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)


def write_cell(
    sheet: Worksheet, r: int, c: int, mart: str, row: dict, column: str, formats: Formats
) -> str:
    """Write one cell; returns it as displayed, for the column's width."""
    value = row[column]
    numbers = value_columns(mart)
    if value is None and column in numbers:
        symbol = missing_symbol(mart, row, column)
        sheet.write_string(r, c, symbol)
        return symbol
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value)
        return "FALSE"
    if column in numbers and column not in INTEGER_COLUMNS:
        pattern = number_format(column, number_kind(row["measure"]))
        sheet.write_number(r, c, value, formats.number(pattern))
        return f"{value * 100 if pattern.endswith('%') else value:.4f}"
    if isinstance(value, int):
        sheet.write_number(r, c, value)
        return str(value)
    sheet.write_string(r, c, value)
    return value
