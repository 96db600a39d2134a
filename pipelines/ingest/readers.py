"""Readers for the three delivery formats; each lands a file in DuckDB as text.

Every reader makes the same landing table: ``__source_row`` (the row number a person
sees in the file, header = 1, see docs/design.md) and one VARCHAR column per column of
the file, named as delivered. Rows the reader could not split into the header's columns
go to a second table (``source_row``, ``resp_id``, ``raw_column``, ``value``, ``rule``) and
become quarantine records: ``malformed_row``, or ``formula_without_value`` for a spreadsheet
formula whose value the file does not hold. Nothing is typed here: typing is SQL's job,
validating the typed rows the pandera schema's.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.ingest.encoding import MAX_LINE_BYTES, ROW_COLUMN, CsvText, normalise_csv
from pipelines.ingest.errors import DeliveryError
from pipelines.warehouse.sql_runner import insert_rows, run_model

BATCH_ROWS = 100_000
XLSX_SHEET = "Data"
# Integral SPSS floats up to 2**53 are exact; beyond that a float is no code or id anyway.
_EXACT_FLOAT = 2.0**53


@dataclass(frozen=True)
class Landed:
    columns: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None


# Quarantine rules of rows a reader does not land (their records go to MALFORMED).
MALFORMED_ROW = "malformed_row"
FORMULA_WITHOUT_VALUE = "formula_without_value"
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[ >/]")

LANDING = "ingest_landing"
MALFORMED = "ingest_malformed"
FRAME_LANDING = "ingest_frame_landing"


def land_responses(con: duckdb.DuckDBPyConnection, path: Path, id_column: str) -> Landed:
    """Land the responses file (format from its suffix) in LANDING, its malformed rows in
    MALFORMED. ``id_column`` is the raw name of the respondent id, reported with a
    malformed row."""
    _check_not_empty(path)
    reader = {"csv": land_csv, "sav": land_sav, "xlsx": land_xlsx}[path.suffix[1:].lower()]
    return reader(con, path, id_column)


def land_frame(con: duckdb.DuckDBPyConnection, path: Path) -> Landed:
    """Land ``frame.csv`` in FRAME_LANDING. The frame has no quarantine: a row that does not
    split into the header's columns fails the delivery. Land it before the responses,
    whose malformed rows then replace the frame's (none) in MALFORMED."""
    _check_not_empty(path)
    text = _read_csv(con, path, FRAME_LANDING)
    run_model(con, "ingest/csv_rejects", delimiter=text.delimiter, id_position=None)
    _drop_rejects(con)
    bad = con.execute(f"SELECT source_row FROM {MALFORMED} ORDER BY source_row LIMIT 1").fetchone()
    if bad:
        # the row as a whole is not shown: a message names the place, not the line
        raise DeliveryError(
            path,
            f"malformed row: not as many fields as the header's {len(text.header)}; "
            "correct the row",
            row=bad[0],
        )
    return Landed(text.header, text.encoding, text.delimiter)


def land_csv(con: duckdb.DuckDBPyConnection, path: Path, id_column: str) -> Landed:
    text = _read_csv(con, path, LANDING)
    id_position = text.header.index(id_column) + 1 if id_column in text.header else None
    run_model(con, "ingest/csv_rejects", delimiter=text.delimiter, id_position=id_position)
    _drop_rejects(con)
    return Landed(text.header, text.encoding, text.delimiter)


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> CsvText:
    """Read the CSV into ``table``; the rows it cannot split are left in ``ingest_rejects``."""
    with tempfile.TemporaryDirectory(prefix="barometer-ingest-") as tmp:
        utf8 = Path(tmp) / "numbered.csv"
        text = normalise_csv(path, utf8)
        _check_header(path, text.header)
        _drop_rejects(con)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS "
                "SELECT * FROM read_csv($path, delim = $delimiter, columns = $columns, "
                "header = true, auto_detect = false, quote = '\"', escape = '\"', "
                "new_line = '\\n', max_line_size = $max_line_size, store_rejects = true, "
                "rejects_table = 'ingest_rejects', rejects_scan = 'ingest_reject_scans')",
                {
                    "path": str(utf8),
                    "delimiter": text.delimiter,
                    "max_line_size": MAX_LINE_BYTES,
                    "columns": {ROW_COLUMN: "BIGINT"} | {name: "VARCHAR" for name in text.header},
                },
            )
        except duckdb.Error as error:
            raise DeliveryError(path, f"unreadable CSV: {_first_line(error)}") from None
    return text


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("ingest_rejects", "ingest_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def land_sav(con: duckdb.DuckDBPyConnection, path: Path, id_column: str) -> Landed:
    import pyreadstat  # here: a process that reads no SPSS file skips its 0.1 s import

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as error:  # pyreadstat raises its own and plain errors for bad files
        raise DeliveryError(path, f"unreadable SPSS file: {error}") from None
    header = tuple(meta.column_names)
    _check_header(path, header)
    if not meta.number_rows:
        raise DeliveryError(path, "header-only file: the SPSS file has variables but no cases")

    def batches() -> Iterator[pa.RecordBatch]:
        first_case = 0
        chunks = pyreadstat.read_file_in_chunks(
            pyreadstat.read_sav, str(path), chunksize=BATCH_ROWS
        )
        for frame, _ in chunks:
            arrow = pa.RecordBatch.from_pandas(frame, preserve_index=False)
            # case n (1-based) is row n + 1, so that the header would be row 1
            rows = pa.array(range(first_case + 2, first_case + 2 + len(frame)), pa.int64())
            texts = [_as_text(arrow.column(name)) for name in header]
            yield pa.RecordBatch.from_arrays([rows, *texts], schema=_text_schema(header))
            first_case += len(frame)

    _land_batches(con, path, header, batches())
    _empty_malformed(con)
    return Landed(header)


def land_xlsx(con: duckdb.DuckDBPyConnection, path: Path, id_column: str) -> Landed:
    # here: a process that reads no Excel file skips openpyxl's import (0.07 s)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise DeliveryError(path, f"unreadable Excel file: {error}") from None
    try:
        if XLSX_SHEET not in book.sheetnames:
            raise DeliveryError(
                path, f"no sheet {XLSX_SHEET!r} (sheets: {', '.join(book.sheetnames)})"
            )
        sheet = book[XLSX_SHEET]
        rows = sheet.iter_rows(values_only=True)
        header = _xlsx_header(path, next(rows, None))
        _check_header(path, header)
        stray: list[tuple[int, str | None, str, str, str]] = []
        id_index = header.index(id_column) if id_column in header else None
        with _formulas(path, sheet) as formulas:
            batches = _xlsx_batches(header, rows, stray, id_index, formulas)
            _land_batches(con, path, header, batches)
    finally:
        book.close()
    (landed,) = con.execute(f"SELECT count(*) FROM {LANDING}").fetchone()
    if landed == 0 and not stray:
        raise DeliveryError(path, f"header-only file: sheet {XLSX_SHEET!r} has no data rows")
    _empty_malformed(con)
    if stray:
        insert_rows(con, MALFORMED, stray)
    return Landed(header)


@contextmanager
def _formulas(path: Path, sheet) -> Iterator[Iterator[tuple] | None]:
    """The sheet's rows 2.. as formulas (``=1+2``) where a cell holds one, or None when the
    sheet holds no formula. openpyxl gives either the values a spreadsheet program stored
    with its formulas or the formulas, not both; a file written by a tool that does not
    compute formulas stores none, and such a cell would read as empty. The formulas are
    read in a second pass only when the sheet's XML has a formula element at all."""
    if not _has_formula(sheet):
        yield None
        return
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        rows = book[XLSX_SHEET].iter_rows(values_only=True)
        next(rows, None)
        yield rows
    finally:
        book.close()


def _has_formula(sheet) -> bool:
    """Whether the worksheet's XML holds a formula element ``<f>`` (streamed, 1 MiB at a time)."""
    tail = b""
    with sheet.parent._archive.open(sheet._worksheet_path) as xml:
        while chunk := xml.read(1 << 20):
            if _FORMULA_ELEMENT.search(tail + chunk):
                return True
            tail = chunk[-8:]
    return False


def _xlsx_header(path: Path, first: tuple | None) -> tuple[str, ...]:
    from openpyxl.utils import get_column_letter

    cells = list(first or ())
    while cells and _cell_text(cells[-1]) is None:
        cells.pop()
    if not cells:
        raise DeliveryError(path, f"empty file: sheet {XLSX_SHEET!r} has no header row")
    return tuple(
        text.strip()
        if (text := _cell_text(cell)) is not None
        else f"(column {get_column_letter(i)})"
        for i, cell in enumerate(cells, start=1)
    )


def _xlsx_batches(
    header: tuple[str, ...],
    rows: Iterator[tuple],
    stray: list,
    id_index: int | None,
    formulas: Iterator[tuple] | None,
) -> Iterator[pa.RecordBatch]:
    """Rows 2.. of the sheet as text batches. Fully empty rows carry no answer and are
    skipped; a value right of the header's last column makes the row malformed; a formula
    without a stored value in a column of the header makes it ``formula_without_value``
    (one record per such cell). Neither kind of row is landed."""
    from openpyxl.utils import get_column_letter

    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width + 1)]
    for number, row in enumerate(rows, start=2):
        texts = [_cell_text(cell) for cell in row]
        written = next(formulas, ()) if formulas is not None else ()
        unvalued = [
            (header[i], formula)
            for i, formula in enumerate(written[:width])
            if isinstance(formula, str)
            and formula.startswith("=")
            and (i >= len(texts) or texts[i] is None)
        ]
        if all(text is None for text in texts) and not unvalued:
            continue
        resp_id = texts[id_index] if id_index is not None and id_index < len(texts) else None
        beyond = [(i, t) for i, t in enumerate(texts[width:], start=width + 1) if t is not None]
        if beyond:
            i, text = beyond[0]
            stray.append((number, resp_id, f"(column {get_column_letter(i)})", text, MALFORMED_ROW))
            continue
        if unvalued:
            stray.extend((number, resp_id, c, f, FORMULA_WITHOUT_VALUE) for c, f in unvalued)
            continue
        texts = texts[:width] + [None] * (width - len(texts))
        columns[0].append(number)
        for i, text in enumerate(texts, start=1):
            columns[i].append(text)
        if len(columns[0]) == BATCH_ROWS:
            yield _batch(header, columns)
            columns = [[] for _ in range(width + 1)]
    if columns[0]:
        yield _batch(header, columns)


def _batch(header: tuple[str, ...], columns: list[list]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(columns[0], pa.int64())] + [pa.array(c, pa.string()) for c in columns[1:]],
        schema=_text_schema(header),
    )


def _cell_text(value: object) -> str | None:
    """A spreadsheet cell as text, as stored: a number stored as ``3.0`` stays ``3.0`` (the
    checks read it as 3, and a quarantine record shows what the file holds)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text if text.strip() else None


def _as_text(column: pa.Array) -> pa.Array:
    """An SPSS column as text. SPSS stores every number as a float and shows a code by its
    display format (``F2.0``: 3), so integral numbers lose the ``.0``; times are written
    in ISO form, with fractions of a second only where there are any."""
    kind = column.type
    if pa.types.is_floating(kind):
        integral = pc.and_(
            pc.equal(pc.floor(column), column), pc.less(pc.abs(column), _EXACT_FLOAT)
        )
        whole = pc.cast(pc.cast(column, pa.int64(), safe=False), pa.string())
        return pc.if_else(integral, whole, pc.cast(column, pa.string()))
    if pa.types.is_timestamp(kind):
        # Arrow's %S carries the fraction of the second (07:52:58.000000)
        text = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
        return pc.replace_substring_regex(text, pattern=r"\.0+$", replacement="")
    return pc.cast(column, pa.string())


def _text_schema(header: tuple[str, ...]) -> pa.Schema:
    return pa.schema([(ROW_COLUMN, pa.int64())] + [(name, pa.string()) for name in header])


def _land_batches(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: tuple[str, ...],
    batches: Iterator[pa.RecordBatch],
) -> None:
    reader = pa.RecordBatchReader.from_batches(_text_schema(header), batches)
    con.register("ingest_arrow_batches", reader)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {LANDING} AS SELECT * FROM ingest_arrow_batches")
    except duckdb.Error as error:  # the file reader's errors surface through the scan
        raise DeliveryError(path, f"unreadable file: {_first_line(error)}") from None
    finally:
        con.unregister("ingest_arrow_batches")


def _first_line(error: Exception) -> str:
    """A reader's error without what follows its first line: DuckDB goes on to quote the
    offending line of the file, which may hold an id or free text."""
    return str(error).strip().split("\n", 1)[0]


def _check_header(path: Path, header: tuple[str, ...]) -> None:
    # DuckDB, like SQL, does not tell column names apart by case: Q1 and q1 are one column.
    seen: dict[str, str] = {}
    for name in header:
        first = seen.get(name.casefold())
        if first is not None:
            twice = (
                "twice" if first == name else f"twice ({first!r} and {name!r} differ in case only)"
            )
            raise DeliveryError(
                path,
                f"the header names this column {twice}; give every column a name of its own",
                row=1,
                column=name,
            )
        seen[name.casefold()] = name


def _check_not_empty(path: Path) -> None:
    if not path.is_file():
        raise DeliveryError(path, "missing or unreadable file")
    if path.stat().st_size == 0:
        raise DeliveryError(path, "empty file: no header and no rows")


def _empty_malformed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {MALFORMED} "
        "(source_row BIGINT, resp_id VARCHAR, raw_column VARCHAR, value VARCHAR, rule VARCHAR)"
    )
