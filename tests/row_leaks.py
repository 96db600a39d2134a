"""Finding a delivery's respondent rows in what the pipeline leaves behind.

A respondent row is the tuple (kommunenr, forvaltningsniva, sektor, virksomhetstype,
ansatte, every answer, startet, fullfort) of one accepted respondent: the workplace's
quasi-identifiers (kommunenr + virksomhetstype + size identify a workplace) with its
answers. The respondent id and free text are searched for separately, as themselves
(``StringFinder``).

The matching rule, in three steps:

1. **Records.** Text is cut into records: a line of text (the terminal, a log file, a SQL
   file, a line of a text cell); a row of an HTML table (``<tr>`` … ``</tr>``, tags
   dropped) besides the lines of the page; every JSON object and array (its own scalar
   members, in order; the strings inside it are text again), so a Markdown table kept
   in an event's JSON is cut into its table rows; a row of a Parquet file or of a
   DuckDB table; every cell of every SQLite table (the Dagster event log and run
   storage), as text.
2. **Tokens.** A record becomes a list of tokens: a timestamp (``2017-10-02 09:00:00``,
   also written with ``T``), a number, a word. An integral number is written
   without leading zeros or decimals (``0301``, ``301`` and ``301.0`` are all ``301``), so
   a code reads the same however it was rendered. Column names (canonical and raw) and
   empty markers (``None``, ``null``, ``nan``, ``<NA>`` …) and the type names of a repr
   (``np.float64(1.0)``) are dropped: a rendering that labels each value or shows the
   empty answers reads as one that does not.
3. **A leak.** A record leaks a row when it holds the row's kommunenr and the ``RUN``
   tokens right after it are all values of that same row, each value of the row used
   once, in any order (a row with fewer than ``RUN`` values: all of them). A table row,
   a dict, a tuple or a CSV line of a respondent matches whatever columns it leaves out,
   labels or reorders after the kommunenr; counts per value, a mart row, a reference
   table row do not, since nothing there puts six codes of one respondent right after a
   municipality number (in the records of a clean run of the 2018 sample the longest
   such run is 1; a leaked row gives 20 and more).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import openpyxl
import pyarrow.parquet as pq

from pipelines.survey import codebook
from pipelines.survey import questionnaire as q

RUN = 6
# Kinds of a variable that are no part of a row as searched: the id and free text are
# looked for as themselves.
_LEFT_OUT = ("id", "text")
_TOKEN = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d+|\w+")
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.0+)?$")
_INTEGRAL = re.compile(r"^(\d+)(?:\.0+)?$")
_EMPTY = {"none", "null", "nan", "na", "nat"}
# The type names of a value's repr: np.float64(1.0), Decimal('3'), Timestamp('2017-…').
_TYPE_NAMES = {"np", "numpy", "float64", "int64", "int32", "int16", "decimal", "timestamp"}
_TABLE_ROW = re.compile(r"<tr\b.*?</tr>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Row:
    """One accepted respondent: where it was delivered, its kommunenr and other values."""

    source_row: int
    kommunenr: str
    values: Counter


@dataclass(frozen=True)
class Leak:
    source_row: int
    where: str
    record: str

    def __str__(self) -> str:
        return f"row {self.source_row} of the delivery in {self.where}: {self.record[:200]}"


def token(text: str) -> str:
    """A token as the rule compares it (step 2)."""
    stamp = _TIMESTAMP.match(text)
    if stamp:
        return f"{stamp.group(1)} {stamp.group(2)}"
    number = _INTEGRAL.match(text)
    return str(int(number.group(1))) if number else text


class RowFinder:
    """The accepted rows of one wave, indexed by kommunenr, and the rule that finds them."""

    def __init__(self, rows: list[Row], wave: int):
        book = codebook.load(wave)
        names = {v.name for v in q.VARIABLES} | set(book.columns)
        self._dropped = {n.lower() for n in names} | _EMPTY | _TYPE_NAMES
        self._by_kommunenr: dict[str, list[Row]] = {}
        for row in rows:
            self._by_kommunenr.setdefault(row.kommunenr, []).append(row)
        # What the rule found before: a record's rows, and the files (by suffix and sha256 of
        # their bytes) in which it found none. The rule reads nothing but a record's text and
        # a file's bytes and suffix, so the same text or file gives the same rows again.
        self._found: dict[str, list[Row]] = {}
        self._clean_files: set[tuple[str, str]] = set()

    @classmethod
    def from_warehouse(cls, warehouse: Path, wave: int) -> RowFinder:
        """Every accepted row of ``wave`` in the warehouse's ``responses``."""
        columns = [v.name for v in q.VARIABLES if v.kind not in _LEFT_OUT]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            found = con.execute(
                f"SELECT source_row, {', '.join(columns)} FROM responses WHERE wave = $wave",
                {"wave": wave},
            ).fetchall()
        rows = [row_of(source_row, dict(zip(columns, v, strict=True))) for source_row, *v in found]
        return cls(rows, wave)

    def __len__(self) -> int:
        return len(self.source_rows())

    def source_rows(self) -> list[int]:
        return sorted(row.source_row for rows in self._by_kommunenr.values() for row in rows)

    def tokens(self, record: str) -> list[str]:
        found = (token(t) for t in _TOKEN.findall(record))
        return [t for t in found if t.lower() not in self._dropped]

    def in_record(self, record: str) -> list[Row]:
        """The rows ``record`` leaks (step 3)."""
        if record not in self._found:
            self._found[record] = self._in_record(record)
        return list(self._found[record])

    def _in_record(self, record: str) -> list[Row]:
        tokens = self.tokens(record)
        leaked = []
        for i, t in enumerate(tokens):
            for row in self._by_kommunenr.get(t, ()):
                left = Counter(row.values)
                needed = min(RUN, left.total())
                run = 0
                for following in tokens[i + 1 : i + 1 + needed]:
                    if left[following] == 0:
                        break
                    left[following] -= 1
                    run += 1
                if run == needed and row not in leaked:
                    leaked.append(row)
        return leaked

    def in_records(self, records: Iterator[tuple[str, str]]) -> list[Leak]:
        return [
            Leak(row.source_row, where, record)
            for where, record in records
            for row in self.in_record(record)
        ]

    def in_folder(self, folder: Path) -> list[Leak]:
        """The rows leaked anywhere under ``folder``, file by file (a file whose bytes the
        rule found clean before, under the same suffix, is not read again)."""
        found = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            seen = (path.suffix, _digest(path))
            if seen in self._clean_files:
                continue
            where = path.relative_to(folder).as_posix()
            leaks = self.in_records((where, record) for record in file_records(path))
            if not leaks:
                self._clean_files.add(seen)
            found += leaks
        return found

    def in_text(self, text: str, where: str) -> list[Leak]:
        return self.in_records((where, record) for record in text_records(text))


class StringFinder:
    """Strings searched for as themselves (ids, free texts): in a text, and in every file under
    a folder, read both as text (bytes undecodable as UTF-8 replaced) and as the records of
    step 1, which see what the bytes hide: a string JSON escapes, Parquet pages, a workbook's
    zip, DuckDB's string compression, a SQLite cell zlib-compressed."""

    def __init__(self, strings: list[str]):
        self.strings = list(strings)
        # Any of them, in one pass over a text: most texts hold none, and one scan of a
        # clean instance's 10 MB for each of a thousand strings took seconds.
        self._any = re.compile("|".join(re.escape(s) for s in self.strings))
        # The files (by suffix and sha256 of their bytes, write-ahead log included) found
        # clean before.
        self._clean_files: set[tuple[str, str]] = set()

    def in_text(self, text: str) -> list[str]:
        if not self._any.search(text):
            return []
        return [s for s in self.strings if s in text]

    def in_folder(self, folder: Path) -> list[tuple[str, str]]:
        """(file, string) of every string found in a file under ``folder``."""
        found = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            seen = (path.suffix, _digest(path))
            if seen in self._clean_files:
                continue
            # JSON escapes what is not ASCII (every free text of the corpus): the records
            # hold its strings decoded
            text = path.read_bytes().decode("utf-8", errors="replace")
            in_file = self.in_text("\n".join([text, *file_records(path)]))
            if not in_file:
                self._clean_files.add(seen)
            found += [(path.relative_to(folder).as_posix(), s) for s in in_file]
        return found


def row_of(source_row: int, values: dict[str, object]) -> Row:
    """A row from its canonical values (NULL: not answered, left out)."""
    tokens = Counter(
        token(value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value))
        for name, value in values.items()
        if name != "kommunenr" and value is not None
    )
    return Row(source_row, token(str(values["kommunenr"])), tokens)


def _digest(path: Path) -> str:
    """sha256 of a file's bytes and of its write-ahead log's (SQLite's -wal, DuckDB's .wal),
    which a database read through its engine includes."""
    digest = hashlib.sha256(path.read_bytes())
    for log in (path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}.wal")):
        if log.is_file():
            digest.update(log.read_bytes())
    return digest.hexdigest()


def folder_records(folder: Path) -> Iterator[tuple[str, str]]:
    """(file, record) of every file under ``folder`` (step 1)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        where = path.relative_to(folder).as_posix()
        for record in file_records(path):
            yield where, record


def file_records(path: Path) -> Iterator[str]:
    data = path.read_bytes()
    if data.startswith(b"SQLite format 3\x00"):
        yield from sqlite_records(path)
    elif data.startswith(b"PAR1"):
        for row in pq.read_table(path).to_pylist():
            yield " ".join(str(v) for v in row.values())
    elif path.suffix == ".duckdb":
        yield from duckdb_records(path)
    elif path.suffix == ".xlsx":
        yield from workbook_records(path)
    else:
        yield from text_records(data.decode("utf-8", errors="replace"))


def sqlite_records(path: Path) -> Iterator[str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    if cell is not None:
                        yield from _cell_records(cell)


# The leak tests search copies of one Dagster instance after one run each: every earlier
# event comes back unchanged, and parsing its JSON again was most of a search's time. A
# cell's records depend on its value alone (and type: 1 and 1.0 print apart).
@lru_cache(maxsize=1 << 14, typed=True)
def _cell_records(cell: object) -> tuple[str, ...]:
    return tuple(text_records(_blob_text(cell) if isinstance(cell, bytes) else str(cell)))


def duckdb_records(path: Path) -> Iterator[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        for (table,) in tables:
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall():
                yield " ".join(str(v) for v in row)


def workbook_records(path: Path) -> Iterator[str]:
    """Every row of every sheet of a workbook (its XML is zipped: read as text it shows
    nothing)."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield " ".join(str(v) for v in row if v is not None)
    finally:
        workbook.close()


def text_records(text: str) -> Iterator[str]:
    """Lines, HTML table rows, and the objects and arrays of JSON (step 1)."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            yield from json_records(json.loads(stripped))
            return
        except ValueError:
            pass
    if "<" in text:
        for row in _TABLE_ROW.findall(text):
            yield html.unescape(_TAG.sub(" ", row))
        text = html.unescape(_TAG.sub(" ", text))
    yield from text.splitlines()


def json_records(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        members = list(value.values())
    elif isinstance(value, list):
        members = value
    else:
        yield from text_records(str(value)) if isinstance(value, str) else ()
        return
    # the object's own scalars; a text of several lines is cut into its lines below
    yield " ".join(
        json.dumps(m) for m in members if not isinstance(m, dict | list) and "\n" not in str(m)
    )
    for member in members:
        if isinstance(member, dict | list | str):
            yield from json_records(member)


def _blob_text(blob: bytes) -> str:
    try:
        return zlib.decompress(blob).decode("utf-8", errors="replace")
    except zlib.error:
        return blob.decode("utf-8", errors="replace")
