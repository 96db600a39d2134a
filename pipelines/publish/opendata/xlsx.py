"""Sheets of plain cells as an Excel workbook (.xlsx: Office Open XML SpreadsheetML, a zip of
XML parts), written directly.

A release's workbook (workbook.py) has up to about 115 000 cells. xlsxwriter kept each as an
object and wrote it through several layers of calls: 0.4-0.6 s per wave's workbook, in every
release a run makes. Written here as strings, the same workbook takes under half of that
(wave 2024's: 0.26 s instead of 0.59 s, a third of it the zip's compression).

The bytes are xlsxwriter 3.3's for the same cells and settings, part for part and in its order
(tests/unit/publish/test_xlsx.py holds them against xlsxwriter, kept as the test oracle): its
files open in Excel, LibreOffice and openpyxl, and so do these. What is written is only what the
release's workbook uses:

- cells: strings (shared), numbers and booleans, each row's from column A on, no gaps;
- styles: a bold font and number formats;
- per sheet: column widths in characters, the top row frozen, an autofilter over its cells;
- the document's title, author and creation date.

One difference from xlsxwriter, for sheet names this workbook never has: a name with a digit
or a character outside letters, digits, `_` and `.` is always quoted in the autofilter's
defined name (xlsxwriter leaves some unquoted, e.g. `Sheet1`); Excel reads both the same.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

THEME = Path(__file__).with_name("xlsx_theme.xml")  # Office's default theme, as xlsxwriter's
HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT = "application/vnd.openxmlformats-officedocument"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # xlsxwriter's fixed entry time: the bytes hold no clock
# column widths: Calibri 11's widest digit is 7 pixels, a cell's padding 5; 64 is the default
DIGIT_PIXELS = 7
PADDING_PIXELS = 5
DEFAULT_COLUMN_PIXELS = 64
GENERAL = "General"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
LOOKS_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")


class Style(NamedTuple):
    # a tuple, not a dataclass: a cell's style is looked up once per cell, and a tuple's
    # hash and equality are the interpreter's own, a dataclass's are Python calls
    bold: bool = False
    num_format: str = GENERAL


# a cell: its value and style (None: the default)
Cell = tuple[str | int | float | bool, Style | None]


@dataclass
class Sheet:
    name: str
    # each row's cells from column A on; an empty list is an empty row
    rows: list[list[Cell]]
    # column c's width in characters, for the first len(widths) columns
    widths: list[float] = field(default_factory=list)
    frozen_header: bool = False
    autofilter: bool = False


@dataclass(frozen=True)
class Properties:
    title: str
    author: str
    created: datetime  # UTC, without tzinfo


def workbook_bytes(sheets: list[Sheet], properties: Properties) -> bytes:
    """The workbook of ``sheets``, the first one selected, as .xlsx bytes."""
    book = _Book()
    sheet_parts = [book.sheet_xml(sheet, selected=i == 0) for i, sheet in enumerate(sheets)]
    n = len(sheets)
    parts = {
        "[Content_Types].xml": _content_types(n),
        "_rels/.rels": _root_rels(),
        "xl/_rels/workbook.xml.rels": _workbook_rels(n),
        **{f"xl/worksheets/sheet{i}.xml": xml for i, xml in enumerate(sheet_parts, start=1)},
        "xl/workbook.xml": _workbook(sheets),
        "xl/sharedStrings.xml": book.shared_strings_xml(),
        "xl/styles.xml": book.styles_xml(),
        "xl/theme/theme1.xml": _theme(),
        "docProps/core.xml": _core(properties),
        "docProps/app.xml": _app(sheets),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, xml in parts.items():
            entry = zipfile.ZipInfo(name, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(entry, xml.encode("utf-8"))
    return buffer.getvalue()


@cache
def _theme() -> str:
    # read once per process, not once per workbook
    return THEME.read_text(encoding="utf-8")


class _Book:
    """The shared strings and cell styles of a workbook, numbered in the order the sheets
    first use them, as xlsxwriter numbers them."""

    def __init__(self) -> None:
        self.strings: dict[str, int] = {}
        self.string_cells = 0
        # style -> its attribute in a cell (' s="N"'); the default style has none
        self.style_attribute: dict[Style | None, str] = {None: ""}
        self.styles: list[Style] = [Style()]

    def _attribute(self, style: Style | None) -> str:
        if style not in self.style_attribute:
            self.style_attribute[style] = f' s="{len(self.styles)}"'
            self.styles.append(style)
        return self.style_attribute[style]

    def sheet_xml(self, sheet: Sheet, selected: bool) -> str:
        rows = sheet.rows
        last_row, width = _extent(rows)
        letters = [column_letter(c) for c in range(width)]
        out = [
            HEADER,
            f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">',
            f'<dimension ref="{_range(last_row, width)}"/>',
            _sheet_views(sheet, selected),
            '<sheetFormatPr defaultRowHeight="15"/>',
            _columns(sheet.widths),
        ]
        if not last_row:
            out.append("<sheetData/>")
        else:
            out.append("<sheetData>")
            out.extend(self._rows(rows, letters))
            out.append("</sheetData>")
        if sheet.autofilter:
            out.append(f'<autoFilter ref="{_range(last_row, width)}"/>')
        out.append(
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>'
        )
        return "".join(out)

    def _rows(self, rows: list[list[Cell]], letters: list[str]) -> list[str]:
        """<row> elements of the rows that have cells. The innermost loop of a workbook:
        about a microsecond a cell, with everything it reads in local names."""
        out: list[str] = []
        append = out.append
        strings = self.strings
        style_attribute = self.style_attribute
        spans = _row_spans(rows)
        string_cells = 0
        for r, row in enumerate(rows, start=1):
            if not row:
                continue
            append(f'<row r="{r}" spans="{spans[(r - 1) // 16]}">')
            for letter, (value, style) in zip(letters, row, strict=False):
                s = style_attribute.get(style)
                if s is None:
                    s = self._attribute(style)
                kind = type(value)
                if kind is str:
                    index = strings.get(value)
                    if index is None:
                        index = strings[value] = len(strings)
                    string_cells += 1
                    append(f'<c r="{letter}{r}"{s} t="s"><v>{index}</v></c>')
                elif kind is bool:
                    append(f'<c r="{letter}{r}"{s} t="b"><v>{int(value)}</v></c>')
                else:
                    append(f'<c r="{letter}{r}"{s}><v>{value:.16G}</v></c>')
            append("</row>")
        self.string_cells += string_cells
        return out

    def shared_strings_xml(self) -> str:
        items = "".join(_shared_string(s) for s in self.strings)
        return (
            f'{HEADER}<sst xmlns="{MAIN}" count="{self.string_cells}" '
            f'uniqueCount="{len(self.strings)}">{items}</sst>'
        )

    def styles_xml(self) -> str:
        formats: dict[str, int] = {}
        xfs = []
        for style in self.styles:
            if style.num_format == GENERAL:
                number = 0
            elif style.num_format == "0":
                number = 1  # Excel's built-in format 1
            else:
                number = formats.setdefault(style.num_format, 164 + len(formats))
            font = 1 if style.bold else 0
            applied = (' applyNumberFormat="1"' if number else "") + (
                ' applyFont="1"' if font else ""
            )
            xfs.append(
                f'<xf numFmtId="{number}" fontId="{font}" fillId="0" borderId="0" '
                f'xfId="0"{applied}/>'
            )
        number_formats = "".join(
            f'<numFmt numFmtId="{i}" formatCode="{_escape_attribute(code)}"/>'
            for code, i in formats.items()
        )
        font = '<sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
        fonts = [f'<font>{font}<scheme val="minor"/></font>']
        if any(style.bold for style in self.styles):
            fonts.append(f'<font><b/>{font}<scheme val="minor"/></font>')
        return (
            f'{HEADER}<styleSheet xmlns="{MAIN}">'
            + (f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "")
            + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            '</cellStyles><dxfs count="0"/><tableStyles count="0" '
            'defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
            "</styleSheet>"
        )


def column_letter(column: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _extent(rows: list[list[Cell]]) -> tuple[int, int]:
    """The last row that has cells (1-based; 0: none has) and the most cells a row has."""
    last_row = max((r for r, row in enumerate(rows, start=1) if row), default=0)
    return last_row, max((len(row) for row in rows), default=0)


def _range(last_row: int, width: int, absolute: bool = False) -> str:
    """The cells from A1 to the extent's end ("A1" alone for one cell, or none)."""
    mark = "$" if absolute else ""
    start = f"{mark}A{mark}1"
    end = f"{mark}{column_letter(max(width, 1) - 1)}{mark}{max(last_row, 1)}"
    return start if end == start else f"{start}:{end}"


def _row_spans(rows: list[list[Cell]]) -> dict[int, str]:
    """The `spans` of each block of 16 rows: the columns its rows' cells take, 1-based."""
    spans: dict[int, str] = {}
    for block in range(0, len(rows), 16):
        widths = [len(row) for row in rows[block : block + 16] if row]
        if widths:
            spans[block // 16] = f"1:{max(widths)}"
    return spans


def _sheet_views(sheet: Sheet, selected: bool) -> str:
    view = ('tabSelected="1" ' if selected else "") + 'workbookViewId="0"'
    if not sheet.frozen_header:
        return f"<sheetViews><sheetView {view}/></sheetViews>"
    return (
        f"<sheetViews><sheetView {view}>"
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews>'
    )


def _columns(widths: list[float]) -> str:
    """<cols>: adjacent columns of the same width in one <col>, as xlsxwriter merges them."""
    if not widths:
        return ""
    pixels = [
        int(w * (DIGIT_PIXELS + PADDING_PIXELS) + 0.5)
        if w < 1
        else int(w * DIGIT_PIXELS + 0.5) + PADDING_PIXELS
        for w in widths
    ]
    out = []
    first = 0
    for c in range(1, len(pixels) + 1):
        if c < len(pixels) and pixels[c] == pixels[first]:
            continue
        characters = (pixels[first] * 256 // DIGIT_PIXELS) / 256.0
        custom = ' customWidth="1"' if pixels[first] != DEFAULT_COLUMN_PIXELS else ""
        out.append(f'<col min="{first + 1}" max="{c}" width="{characters:.16g}"{custom}/>')
        first = c
    return f"<cols>{''.join(out)}</cols>"


def _shared_string(text: str) -> str:
    text = CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", LOOKS_ESCAPED.sub(r"_x005F\1", text))
    preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<si><t{preserve}>{_escape_text(text)}</t></si>"


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(text: str) -> str:
    return _escape_text(text).replace('"', "&quot;").replace("\n", "&#xA;")


def _quoted(name: str) -> str:
    """The sheet's name as a reference holds it: quoted unless plainly a name (see above)."""
    plain = re.fullmatch(r"[^\W\d][\w.]*", name) and not re.search(r"\d", name)
    if plain and name.upper() not in ("R", "C", "RC"):
        return name
    return "'" + name.replace("'", "''") + "'"


def _workbook(sheets: list[Sheet]) -> str:
    listed = "".join(
        f'<sheet name="{_escape_attribute(sheet.name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, sheet in enumerate(sheets, start=1)
    )
    # Excel's order: by the name without its quote, lower case
    filtered = sorted(
        ((i, sheet) for i, sheet in enumerate(sheets) if sheet.autofilter),
        key=lambda pair: _quoted(pair[1].name).lstrip("'").lower(),
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{_escape_text(_quoted(sheet.name))}!{_range(*_extent(sheet.rows), absolute=True)}"
        "</definedName>"
        for i, sheet in filtered
    )
    return (
        f'{HEADER}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>'
        '<workbookPr defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" '
        'yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
        f"<sheets>{listed}</sheets>"
        + (f"<definedNames>{names}</definedNames>" if names else "")
        + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )


def _content_types(n: int) -> str:
    sheet = f"{CONTENT}.spreadsheetml.worksheet+xml"
    overrides = [
        ("/docProps/app.xml", f"{CONTENT}.extended-properties+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/xl/styles.xml", f"{CONTENT}.spreadsheetml.styles+xml"),
        ("/xl/theme/theme1.xml", f"{CONTENT}.theme+xml"),
        ("/xl/workbook.xml", f"{CONTENT}.spreadsheetml.sheet.main+xml"),
        *((f"/xl/worksheets/sheet{i}.xml", sheet) for i in range(1, n + 1)),
        ("/xl/sharedStrings.xml", f"{CONTENT}.spreadsheetml.sharedStrings+xml"),
    ]
    return (
        f'{HEADER}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )


def _relationships(targets: list[tuple[str, str]]) -> str:
    listed = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)
    )
    return f'{HEADER}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{listed}</Relationships>'


def _root_rels() -> str:
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _relationships(
        [
            (f"{office}/officeDocument", "xl/workbook.xml"),
            (f"{PACKAGE_RELATIONSHIPS}/metadata/core-properties", "docProps/core.xml"),
            (f"{office}/extended-properties", "docProps/app.xml"),
        ]
    )


def _workbook_rels(n: int) -> str:
    return _relationships(
        [
            *((f"{RELATIONSHIPS}/worksheet", f"worksheets/sheet{i}.xml") for i in range(1, n + 1)),
            (f"{RELATIONSHIPS}/theme", "theme/theme1.xml"),
            (f"{RELATIONSHIPS}/styles", "styles.xml"),
            (f"{RELATIONSHIPS}/sharedStrings", "sharedStrings.xml"),
        ]
    )


def _core(properties: Properties) -> str:
    when = properties.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    author = _escape_text(properties.author)
    return (
        f"{HEADER}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_escape_text(properties.title)}</dc:title>"
        f"<dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _app(sheets: list[Sheet]) -> str:
    names = "".join(f"<vt:lpstr>{_escape_text(s.name)}</vt:lpstr>" for s in sheets)
    return (
        f"{HEADER}<Properties "
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity>"
        '<ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant">'
        "<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>"
        f"<vt:variant><vt:i4>{len(sheets)}</vt:i4></vt:variant></vt:vector></HeadingPairs>"
        f'<TitlesOfParts><vt:vector size="{len(sheets)}" baseType="lpstr">{names}'
        "</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        "<AppVersion>12.0000</AppVersion></Properties>"
    )
