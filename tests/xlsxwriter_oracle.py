"""The test oracle of pipelines/publish/opendata/xlsx.py: the same sheets written with
xlsxwriter, the maintained library the release's workbook was written with before."""

from __future__ import annotations

import io

import xlsxwriter

from pipelines.publish.opendata.xlsx import Properties, Sheet, Style


def xlsxwriter_bytes(sheets: list[Sheet], properties: Properties) -> bytes:
    """``sheets`` as xlsxwriter writes them: each cell with write_string, write_number or
    write_boolean, a format per style made where it is first used."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties(
        {"title": properties.title, "author": properties.author, "created": properties.created}
    )
    formats: dict[Style, object] = {}

    def format_of(style: Style | None):
        if style is None:
            return None
        if style not in formats:
            wanted = {"num_format": style.num_format} if style.num_format != "General" else {}
            formats[style] = book.add_format({**wanted, **({"bold": True} if style.bold else {})})
        return formats[style]

    for sheet in sheets:
        page = book.add_worksheet(sheet.name)
        for r, row in enumerate(sheet.rows):
            for c, (value, style) in enumerate(row):
                if isinstance(value, str):
                    page.write_string(r, c, value, format_of(style))
                elif isinstance(value, bool):
                    page.write_boolean(r, c, value, format_of(style))
                else:
                    page.write_number(r, c, value, format_of(style))
        for c, width in enumerate(sheet.widths):
            page.set_column(c, c, width)
        if sheet.frozen_header:
            page.freeze_panes(1, 0)
        if sheet.autofilter:
            last_row = max((r for r, row in enumerate(sheet.rows) if row), default=0)
            page.autofilter(0, 0, last_row, max(len(row) for row in sheet.rows) - 1)
    book.close()
    return buffer.getvalue()
