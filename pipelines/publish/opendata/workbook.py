"""The marts of a release version as one Excel workbook, `barometer-<wave>.xlsx`.

A front sheet ("Om tabellene") with the version's record, the legend of the symbols and the
method, then one sheet per mart: its Parquet rows in the Parquet's order and columns, with
Norwegian headings, and beside the measure's code its Norwegian label (a reader of the
workbook has no vocabulary to look `core_task` up in). A number is written as the Parquet
double itself and only displayed rounded: shares (and changes of shares) as percentages
with the decimals §8 keeps, other numbers with theirs. A NULL number is written as the
symbol for it (presentation.py): `:`, `..` or `.`, never as a number.

The bytes are deterministic (xlsx.py writes them): the only date inside is the version's
`created`, set as the document's creation date; the zip entries have a fixed timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
from pipelines.publish.opendata.xlsx import Cell, Properties, Sheet, Style, workbook_bytes

FRONT = "Om tabellene"
MEASURE_LABEL = "measure_label"
SHEET_HEADINGS = {**HEADINGS, "measure": "Mål (kode)", MEASURE_LABEL: "Mål"}
# Excel's limit on a column's width is 255; labels this long are read in the cell anyway
MAX_WIDTH = 80
BOLD = Style(bold=True)
KINDS = ("share", "mean")


def workbook_files(record: ReleaseRecord) -> dict[str, bytes]:
    """`barometer-<wave>.xlsx`: file name -> exact bytes."""
    return {f"barometer-{record.wave}.xlsx": workbook_bytes(*workbook_sheets(record))}


def workbook_sheets(record: ReleaseRecord) -> tuple[list[Sheet], Properties]:
    """The workbook's sheets and document properties."""
    created = datetime.fromisoformat(record.created.replace("Z", "+00:00"))
    properties = Properties(
        title=f"Innovasjonsbarometeret {record.wave}",
        author=SOURCE,
        created=created.astimezone(UTC).replace(tzinfo=None),
    )
    sheets = [front_sheet(record), *(mart_sheet(record, mart) for mart in record.marts)]
    return sheets, properties


def number_format(column: str, kind: str) -> str:
    """The display of ``column`` in a row of ``kind``: a share as a percentage keeping the
    decimals §8 keeps (3 decimals of a share are 1 of a percentage), others as numbers."""
    places = decimals(column, kind)
    if column in SHARE_COLUMNS and kind == "share":
        return "0" + ("." + "0" * (places - 2) if places > 2 else "") + "%"
    return "0" + ("." + "0" * places if places else "")


def front_sheet(record: ReleaseRecord) -> Sheet:
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
    rows = [[(text, BOLD if c == 0 else None) for c, text in enumerate(line)] for line in lines]
    return Sheet(FRONT, rows, widths=[36, 70, 70])


def sheet_columns(mart: str) -> tuple[str, ...]:
    """The mart's columns in its sheet: the Parquet's, the measure's label after its code."""
    names = SHAPES[mart].names
    at = names.index("measure") + 1
    return (*names[:at], MEASURE_LABEL, *names[at:])


def mart_sheet(record: ReleaseRecord, mart: str) -> Sheet:
    """The mart's rows under Norwegian headings, frozen and filtered. Made column by column:
    a column's cells are of one sort, decided once."""
    columns = sheet_columns(mart)
    numbers = value_columns(mart)
    rows = record.table(mart).to_pylist()
    measures = [row["measure"] for row in rows]
    kinds = [number_kind(m) for m in measures]
    values = {c: [row[c] for row in rows] for c in columns if c != MEASURE_LABEL}
    values[MEASURE_LABEL] = [MEASURES[m].label for m in measures]
    made = [
        _column(mart, column, values[column], column in numbers, rows, kinds) for column in columns
    ]
    header = [(SHEET_HEADINGS[c], BOLD) for c in columns]
    return Sheet(
        MART_LABELS[mart][:31],
        [header, *map(list, zip(*(cells for cells, _ in made), strict=True))],
        widths=[
            min(max(len(SHEET_HEADINGS[c]), width) + 2, MAX_WIDTH)
            for c, (_, width) in zip(columns, made, strict=True)
        ],
        frozen_header=True,
        autofilter=True,
    )


def _column(
    mart: str, column: str, values: list, number: bool, rows: list[dict], kinds: list[str]
) -> tuple[list[Cell], int]:
    """A column's cells below its heading, and the width of the widest as displayed."""
    if number:
        # a NULL number is the symbol for it, without a style
        symbols = {
            i: missing_symbol(mart, rows[i], column) for i, v in enumerate(values) if v is None
        }
    if number and column not in INTEGER_COLUMNS:
        styles = {kind: Style(num_format=number_format(column, kind)) for kind in KINDS}
        scale = {kind: 100 if styles[kind].num_format.endswith("%") else 1 for kind in KINDS}
        cells = [
            (symbols[i], None) if v is None else (v, styles[k])
            for i, (v, k) in enumerate(zip(values, kinds, strict=True))
        ]
        shown = [
            symbols[i] if v is None else f"{v * scale[k]:.4f}"
            for i, (v, k) in enumerate(zip(values, kinds, strict=True))
        ]
    elif number:
        cells = [(symbols[i], None) if v is None else (v, None) for i, v in enumerate(values)]
        shown = [symbols[i] if v is None else str(v) for i, v in enumerate(values)]
    else:
        cells = [(v, None) for v in values]
        shown = ["FALSE" if isinstance(v, bool) else str(v) for v in values]
    return cells, max(map(len, shown), default=0)
