"""A delivered CSV made ready for DuckDB: encoding and delimiter detected, text re-written.

DuckDB reads UTF-8 only (windows-1252 would need an extension this machine cannot
download), and its CSV reader cannot tell which line of the file a row came from. So the
file is streamed once through an incremental decoder, in fixed-size chunks, into a UTF-8
copy in which every record starts with its line number in the delivered file (the column
``ROW_COLUMN``). Row numbers are then exact even when a quoted free-text answer spans
several lines or a blank line sits between records.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.errors import DeliveryError

CHUNK_BYTES = 1 << 20
# The longest record (one respondent's row, free text included) a CSV may hold, in
# characters: long answers are read whole up to here, a longer record refuses the delivery
# with this limit in the message. DuckDB's own limit is set above it (MAX_LINE_BYTES), so
# that it never rejects a row this check accepts.
MAX_RECORD_CHARS = 4_000_000
# UTF-8 takes at most 4 bytes a character; the record's line number goes in front of it.
MAX_LINE_BYTES = 4 * MAX_RECORD_CHARS + 64
ROW_COLUMN = "__source_row"
DELIMITERS = (";", ",")
UTF8_BOM = codecs.BOM_UTF8
# What a CSV may be encoded in (delivery contract §1), as Python names the codecs.
UTF8, UTF8_BOM_NAME, WINDOWS_1252 = "utf-8", "utf-8-sig", "windows-1252"


@dataclass(frozen=True)
class CsvText:
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    records: int


class _Undecodable(Exception):
    def __init__(self, offset: int, line: int, byte: int, after_non_ascii: bool) -> None:
        super().__init__(offset)
        self.offset = offset
        self.line = line
        self.byte = byte
        self.after_non_ascii = after_non_ascii


def normalise_csv(source: Path, target: Path) -> CsvText:
    """Write ``source`` to ``target`` as numbered UTF-8 records; return what was detected.

    UTF-8 is tried first. A file that is not valid UTF-8 is read as windows-1252, unless
    it had a BOM or already held non-ASCII UTF-8 before the bad byte: then the file is a
    broken UTF-8 file, not a windows-1252 one, and the byte is reported. A byte that
    windows-1252 does not define either (0x81, 0x8D, 0x8F, 0x90, 0x9D) is reported too.
    """
    with source.open("rb") as f:
        has_bom = f.read(len(UTF8_BOM)) == UTF8_BOM
    start = len(UTF8_BOM) if has_bom else 0
    try:
        text = _rewrite(source, target, UTF8, start)
        return CsvText(UTF8_BOM_NAME if has_bom else UTF8, *text)
    except _Undecodable as error:
        if has_bom:
            raise _undecodable(
                source, error, "the file starts with a UTF-8 byte-order mark but is not valid UTF-8"
            ) from None
        if error.after_non_ascii:
            raise _undecodable(
                source,
                error,
                "the file holds UTF-8 text before this byte, "
                "so it is neither valid UTF-8 nor windows-1252",
            ) from None
    try:
        return CsvText(WINDOWS_1252, *_rewrite(source, target, WINDOWS_1252, 0))
    except _Undecodable as error:
        raise _undecodable(source, error, "the file is neither UTF-8 nor windows-1252") from None


def _undecodable(source: Path, error: _Undecodable, why: str) -> DeliveryError:
    return DeliveryError(
        source,
        f"undecodable byte 0x{error.byte:02X} at byte offset {error.offset}: {why}",
        row=error.line,
    )


def _rewrite(source: Path, target: Path, encoding: str, start: int) -> tuple:
    numberer = _Numberer(source)
    with target.open("w", encoding="utf-8", newline="") as out:
        for lines in _decoded_lines(source, encoding, start):
            numbered = numberer.feed(lines)
            if numbered:
                out.write("\n".join(numbered))
                out.write("\n")
    return numberer.result()


def _decoded_lines(source: Path, encoding: str, start: int):
    """The file's lines (without line ends), decoded, a chunk's worth at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = start
    line_ends = 0
    seen_non_ascii = False
    partial = ""
    with source.open("rb") as f:
        f.seek(start)
        while True:
            chunk = f.read(CHUNK_BYTES)
            final = not chunk
            # bytes of an unfinished character the decoder holds from the previous chunk
            held = decoder.getstate()[0]
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as e:
                data = held + chunk
                raise _Undecodable(
                    offset=offset - len(held) + e.start,
                    line=line_ends + data[: e.start].count(b"\n") + 1,
                    byte=data[e.start],
                    after_non_ascii=seen_non_ascii or not data[: e.start].isascii(),
                ) from None
            offset += len(chunk)
            line_ends += chunk.count(b"\n")
            seen_non_ascii = seen_non_ascii or not text.isascii()
            lines = (partial + text).split("\n")
            partial = lines.pop()
            yield lines
            if final:
                break
    if partial:
        yield [partial]


class _Numberer:
    """Puts each record's line number in front of it.

    A line that ends inside a quoted field (an odd number of quote characters so far)
    continues the record, so its successor is not numbered; blank lines between records
    are dropped, as DuckDB would skip them anyway.
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        self.line = 0
        self.in_quotes = False
        self.header: tuple[str, ...] | None = None
        self.delimiter = ","
        self.records = 0
        # the record being read: its first line's number and its lines so far
        self.record_line = 0
        self.record: list[str] = []
        self.record_chars = 0

    def feed(self, lines: list[str]) -> list[str]:
        if self._plain(lines):
            return self._number_plain(lines)
        out = []
        for line in lines:
            self.line += 1
            line = line.removesuffix("\r")
            odd_quotes = line.count('"') % 2
            if self.in_quotes:
                out.append(line)
                self._continue_record(line)
            elif self.header is None:
                if line.strip():
                    self._read_header(line)
                    out.append(f"{ROW_COLUMN}{self.delimiter}{line}")
            elif line.strip():
                out.append(f"{self.line}{self.delimiter}{line}")
                self.records += 1
                # a record on one line is checked here; one that goes on is counted on
                self.record_line, self.record_chars = self.line, len(line)
                self.record = [line] if odd_quotes else []
                if self.record_chars > MAX_RECORD_CHARS:
                    self._too_long([line])
            if odd_quotes:
                self.in_quotes = not self.in_quotes
        return out

    def _plain(self, lines: list[str]) -> bool:
        """Whether every line of ``lines`` is a whole record of its own that the loop of
        ``feed`` would number as it is: past the header, outside a quoted field, and no
        line with a quote character, a carriage return, nothing but whitespace, or more
        than MAX_RECORD_CHARS. Most chunks of most deliveries are. Checked per chunk in C
        and numbered at once, the 1M bench delivery's copy took 1.5 s instead of 2.4 s."""
        if self.header is None or self.in_quotes or not lines:
            return False
        text = "".join(lines)
        return (
            '"' not in text
            and "\r" not in text
            # blank lines, as the loop tells them (``line.strip()``)
            and all(map(str.strip, lines))
            and (len(text) <= MAX_RECORD_CHARS or max(map(len, lines)) <= MAX_RECORD_CHARS)
        )

    def _number_plain(self, lines: list[str]) -> list[str]:
        """``feed`` of plain lines (``_plain``): each numbered, each a record."""
        delimiter = self.delimiter
        out = [f"{n}{delimiter}{line}" for n, line in enumerate(lines, start=self.line + 1)]
        self.line += len(lines)
        self.records += len(lines)
        self.record_line, self.record_chars, self.record = self.line, len(lines[-1]), []
        return out

    def _continue_record(self, line: str) -> None:
        """A line of a quoted field over several lines: the record's characters so far
        (line ends included), refused past MAX_RECORD_CHARS. Its lines are kept until it
        ends, to name the column if it is too long."""
        self.record_chars += 1 + len(line)
        self.record.append(line)
        if self.record_chars > MAX_RECORD_CHARS:
            self._too_long(self.record)

    def _too_long(self, lines: list[str]) -> None:
        # the csv module refuses fields over 128 KiB unless told otherwise
        csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))
        fields = next(csv.reader(["\n".join(lines)], delimiter=self.delimiter), [])
        longest = max(range(len(fields)), key=lambda i: len(fields[i]), default=None)
        header = self.header or ()
        column = header[longest] if longest is not None and longest < len(header) else None
        raise DeliveryError(
            self.source,
            f"the row holds more than {MAX_RECORD_CHARS:,} characters, the most a row may "
            "hold (docs/ingest.md); shorten the longest answer or deliver it separately",
            row=self.record_line,
            column=column,
        )

    def _read_header(self, line: str) -> None:
        # The header names the columns, so the delimiter is whichever of ; and , it uses more.
        self.delimiter = max(DELIMITERS, key=line.count)
        self.header = tuple(
            name.strip() for name in next(csv.reader([line], delimiter=self.delimiter))
        )

    def result(self) -> tuple[str, tuple[str, ...], int]:
        if self.header is None:
            raise DeliveryError(self.source, "empty file: no header and no rows")
        if self.records == 0:
            raise DeliveryError(self.source, "header-only file: no data rows")
        return self.delimiter, self.header, self.records
