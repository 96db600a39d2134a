"""Writes the bad-input corpus: one small 2018 delivery per kind of problem (contract §5).

Every case starts from the same valid delivery -- 40 respondents, written as the 2018
vendor writes (windows-1252, ``;``, CRLF, Oslo as ``301``) -- and changes one thing.
File row n is data row n - 1 (header = row 1). Run from the repository root to rebuild:

    .venv/bin/python -m tests.data.bad_deliveries.build_corpus

tests/unit/ingest/test_ingest_corpus.py checks that the committed files are what this writes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tests.ingest_fixtures import csv_lines, frame_csv, frame_rows, respondents

HERE = Path(__file__).resolve().parent
WAVE = "2018"
ROWS = respondents(2018, 40)
BASE = csv_lines(2018, ROWS)
HEADER = BASE[0].split(";")
# Folder names that are no wave: not digits, a trailing space, a leading zero, full-width.
STRAY_FOLDERS = ("abcd", "2020 ", "0999", "２０２０")
CASES: dict[str, tuple[str, Callable[[], dict[str, bytes]]]] = {}


def case(summary: str):
    def register(build: Callable[[], dict[str, bytes]]):
        CASES[build.__name__] = (summary, build)
        return build

    return register


def cp1252(lines: list[str], *, final_newline: bool = True) -> bytes:
    text = "\r\n".join(lines) + ("\r\n" if final_newline else "")
    return text.encode("cp1252")


def delivery(responses: bytes, frame: str | None = None, folder: str = WAVE) -> dict[str, bytes]:
    return {
        f"{folder}/responses.csv": responses,
        f"{folder}/frame.csv": (frame_csv(2018) if frame is None else frame).encode("utf-8"),
    }


def changed(row: int, column: str, value: str, lines: list[str] | None = None) -> list[str]:
    """The base lines with ``column`` of file row ``row`` set to ``value``."""
    lines = list(BASE if lines is None else lines)
    fields = lines[row - 1].split(";")
    fields[HEADER.index(column)] = value
    lines[row - 1] = ";".join(fields)
    return lines


# Whole-delivery errors -------------------------------------------------------------------


@case("responses.csv has no bytes at all")
def empty_file():
    return delivery(b"")


@case("responses.csv holds the header and no rows")
def header_only():
    return delivery(cp1252(BASE[:1]))


@case("column Q9 (nyhet) is not in the file")
def missing_column():
    drop = HEADER.index("Q9")
    return delivery(
        cp1252([";".join(f for k, f in enumerate(line.split(";")) if k != drop) for line in BASE])
    )


@case("a responses.sav (empty) lies beside responses.csv")
def two_responses_files():
    return delivery(cp1252(BASE)) | {f"{WAVE}/responses.sav": b""}


@case("the wave folder is named 2018_rettet, not a four-digit year")
def bad_folder_name():
    return delivery(cp1252(BASE), folder="2018_rettet")


@case("folders abcd, '2020 ' (trailing space), 0999 and ２０２０ (full-width) beside a valid 2018")
def stray_folders():
    files = delivery(cp1252(BASE))
    for folder in STRAY_FOLDERS:
        files |= delivery(cp1252(BASE), folder=folder)
    return files


@case("the header has one column more than the rows (EXTRA): every row is malformed")
def extra_header_column():
    return delivery(cp1252([BASE[0] + ";EXTRA", *BASE[1:]]))


@case("the header has Q1 and q1, names that differ in case only")
def case_clash_header():
    lines = [BASE[0] + ";q1"] + [line + ";1" for line in BASE[1:]]
    return delivery(cp1252(lines))


@case("frame.csv gives the cell virksomhetstype 11 x landsdel NO08 (row 2: Oslo) population 0")
def frame_zero_count():
    cells = [
        c | {"n_population": 0} if (c["virksomhetstype"], c["landsdel"]) == (11, "NO08") else c
        for c in frame_rows(2018)
    ]
    return delivery(cp1252(BASE), frame_csv(2018, cells))


@case("frame.csv gives every cell a population of 1, fewer than some cells' respondents")
def frame_below_respondents():
    cells = [c | {"n_population": 1} for c in frame_rows(2018)]
    return delivery(cp1252(BASE), frame_csv(2018, cells))


@case("frame.csv is missing")
def missing_frame():
    return {f"{WAVE}/responses.csv": cp1252(BASE)}


@case("frame.csv has no row for the cell virksomhetstype 11 x landsdel NO08 (row 2: Oslo)")
def frame_cell_missing():
    cells = [c for c in frame_rows(2018) if (c["virksomhetstype"], c["landsdel"]) != (11, "NO08")]
    return delivery(cp1252(BASE), frame_csv(2018, cells))


@case("byte 0x81, which windows-1252 does not define, in the free text of row 4")
def undecodable_bytes():
    data = cp1252(BASE)
    text = "Velferdsteknologi".encode("cp1252")
    return delivery(data.replace(text, b"Velferds\x81teknologi", 1))


@case("UTF-8 with BOM, but row 3 has a windows-1252 byte (0xE5, å) in its free text")
def broken_utf8():
    data = ("\n".join(BASE) + "\n").encode("utf-8-sig")
    broken = "legemiddelhåndtering".encode()
    return delivery(data.replace(broken, "legemiddelhåndtering".encode("cp1252"), 1))


@case("3 of 40 rows (7.5 %) have ansatte 6, outside the list: above the 5 % a wave may lose")
def over_threshold():
    lines = BASE
    for row in (3, 4, 5):
        lines = changed(row, "Q1", "6", lines)
    return delivery(cp1252(lines))


@case("every row has kommunenr 9999, so quarantine leaves nothing")
def no_rows_left():
    lines = BASE
    for row in range(2, len(BASE) + 1):
        lines = changed(row, "KNR", "9999", lines)
    return delivery(cp1252(lines))


# Row errors: the row is quarantined, the wave goes on ------------------------------------


@case("the last line stops after Q2_4 and has no line end (a cut-off transfer)")
def truncated_last_line():
    lines = list(BASE)
    lines[-1] = ";".join(lines[-1].split(";")[: HEADER.index("Q3")])
    return delivery(cp1252(lines, final_newline=False))


@case("row 21 has a ; inside its unquoted free text, so one field too many")
def stray_delimiter():
    return delivery(cp1252(changed(21, "Q11", "Ny rutine; for legemiddelhåndtering")))


@case("rows 7 and 12 have the same ID, 1006")
def duplicate_resp_id():
    return delivery(cp1252(changed(12, "ID", "1006")))


@case("row 9 has no ID")
def empty_resp_id():
    return delivery(cp1252(changed(9, "ID", "")))


@case("row 5 has ansatte 3.5; rows 6 and 7 write 5 and 1 as ' 5 ' and '1.0', which are fine")
def not_an_integer():
    lines = changed(5, "Q1", "3.5")
    lines = changed(6, "Q1", " 5 ", lines)
    return delivery(cp1252(changed(7, "Q1", "1.0", lines)))


@case("row 15 has virksomhetstype 23 (SFO), a type the 2018 list does not have")
def code_not_in_list():
    return delivery(cp1252(changed(15, "TYPE", "23")))


@case("row 17 has kommunenr 5061, Rindal's number from 2019 (1567 in 2018)")
def unknown_kommunenr():
    return delivery(cp1252(changed(17, "KNR", "5061")))


@case("row 10 has virksomhetstype 11 (sykehjem) with sektor 2")
def type_sector_mismatch():
    return delivery(cp1252(changed(10, "SEKTOR", "2")))


@case("row 8 has virksomhetstype 24 (videregående skole) with forvaltningsniva 1 (kommune)")
def type_level_mismatch():
    return delivery(cp1252(changed(8, "NIVA", "1")))


@case("row 22 started on 2017-10-32")
def bad_timestamp():
    return delivery(cp1252(changed(22, "START", "2017-10-32 09:00:00")))


@case("row 27 was completed five minutes before it started")
def completed_before_started():
    start = ROWS[25]["startet"]
    return delivery(cp1252(changed(27, "SLUTT", f"{start:%Y-%m-%d} 08:55:00")))


# Accepted with a warning or a note -------------------------------------------------------


@case("row 11, a non-innovator, answered Q8 (kjerne): a routing warning, the answer dropped")
def routing():
    return delivery(cp1252(changed(11, "Q8", "1")))


@case("an extra column Q12 after the codebook's columns: ignored and listed in the report")
def extra_column():
    lines = [BASE[0] + ";Q12"] + [
        line + (";1" if k % 2 else ";2") for k, line in enumerate(BASE[1:])
    ]
    return delivery(cp1252(lines))


@case(
    "ID 1002's free text is quoted and spans two lines, a blank line follows ID 1030: "
    "a row is numbered by the line it starts on, so ID 1040 is on line 43"
)
def quoted_line_breaks():
    lines = changed(3, "Q11", '"Ny rutine for\r\nlegemiddelhåndtering"')
    lines = lines[:31] + [""] + lines[31:]
    return delivery(cp1252(lines))


@case("UTF-8 with BOM, , as delimiter, LF line ends: read like the base delivery")
def utf8_bom_comma():
    lines = csv_lines(2018, ROWS, delimiter=",")
    return delivery(("\n".join(lines) + "\n").encode("utf-8-sig"))


def build(root: Path = HERE) -> None:
    """Write every case under ``root/<case>/`` and a README listing them."""
    for name, (_, make) in CASES.items():
        shutil.rmtree(root / name, ignore_errors=True)
        for relative, data in make().items():
            path = root / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    listing = "\n".join(f"| `{name}` | {summary} |" for name, (summary, _) in CASES.items())
    (root / "README.md").write_text(README.format(listing=listing), encoding="utf-8")


README = """# Bad deliveries

One small delivery per kind of problem of the delivery contract §5, each a raw folder
holding one wave (`2018/`, 40 respondents) that differs from a valid delivery in one way.
Written by `build_corpus.py`; `tests/unit/ingest/test_ingest_corpus.py` asserts what ingest
reports for each (rule, row, column, value) and that the committed files are what the script
writes.
Row numbers count the header as row 1.

| case | what is wrong |
|---|---|
{listing}
"""


if __name__ == "__main__":
    build()
