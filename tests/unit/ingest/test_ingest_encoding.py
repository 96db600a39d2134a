"""Detecting a CSV's encoding and delimiter, and numbering its records, chunk by chunk."""

from __future__ import annotations

import pytest

from pipelines.ingest import encoding
from pipelines.ingest.errors import DeliveryError


@pytest.fixture(params=[7, 1 << 20], ids=["7-byte chunks", "1-MiB chunks"])
def chunk_bytes(request, monkeypatch):
    """Tiny chunks put chunk boundaries inside characters, lines and quoted fields."""
    monkeypatch.setattr(encoding, "CHUNK_BYTES", request.param)
    return request.param


def normalise(tmp_path, data: bytes):
    source = tmp_path / "responses.csv"
    source.write_bytes(data)
    target = tmp_path / "numbered.csv"
    return encoding.normalise_csv(source, target), target.read_text(encoding="utf-8")


def test_windows_1252_is_transcoded_and_records_numbered(tmp_path, chunk_bytes):
    data = 'ID;Q11\r\n1;Blåbær – søt\r\n\r\n2;"to\r\nlinjer"\r\n3;x'.encode("cp1252")
    text, written = normalise(tmp_path, data)
    assert (text.encoding, text.delimiter, text.header, text.records) == (
        "windows-1252",
        ";",
        ("ID", "Q11"),
        3,
    )
    assert written == '__source_row;ID;Q11\n2;1;Blåbær – søt\n4;2;"to\nlinjer"\n6;3;x\n'


def test_utf8_split_across_chunks_and_a_bom(tmp_path, chunk_bytes):
    data = 'ID,Q11\nA1,æøå æøå æøå\nA2,"ja, nei"\n'.encode("utf-8-sig")
    text, written = normalise(tmp_path, data)
    assert (text.encoding, text.delimiter, text.records) == ("utf-8-sig", ",", 2)
    assert written == '__source_row,ID,Q11\n2,A1,æøå æøå æøå\n3,A2,"ja, nei"\n'


def test_plain_utf8(tmp_path, chunk_bytes):
    text, _ = normalise(tmp_path, "ID;Q11\n1;Tromsø\n".encode())
    assert (text.encoding, text.delimiter) == ("utf-8", ";")


@pytest.mark.parametrize(
    ("data", "offset", "why"),
    [
        (b"ID;Q11\r\n1;ok\r\n2;Ny\x81tt\r\n", 18, "the file is neither UTF-8 nor windows-1252"),
        (
            "ID;Q11\n1;Tromsø\n2;".encode() + b"Bod\xf8\n",
            22,
            "the file holds UTF-8 text before this byte, so it is neither valid UTF-8 "
            "nor windows-1252",
        ),
        (
            "ID;Q11\n1;ok\n2;".encode("utf-8-sig") + b"Bod\xf8\n",
            20,
            "the file starts with a UTF-8 byte-order mark but is not valid UTF-8",
        ),
    ],
    ids=["undefined in windows-1252", "utf-8 then a latin byte", "bom then a latin byte"],
)
def test_an_undecodable_byte_is_reported_where_it_is(tmp_path, chunk_bytes, data, offset, why):
    byte = data[offset]
    assert byte in (0x81, 0xF8)
    with pytest.raises(DeliveryError) as refused:
        normalise(tmp_path, data)
    assert str(refused.value) == (
        f"{tmp_path / 'responses.csv'}, row 3: undecodable byte 0x{byte:02X} "
        f"at byte offset {offset}: {why}"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty file: no header and no rows"),
        (b" \r\n\r\n", "empty file: no header and no rows"),
        (b"ID;Q11\r\n", "header-only file: no data rows"),
        (b"ID;Q11\r\n\r\n", "header-only file: no data rows"),
    ],
)
def test_a_file_without_rows(tmp_path, data, problem):
    with pytest.raises(DeliveryError) as refused:
        normalise(tmp_path, data)
    assert refused.value.problem == problem


def test_plain_chunks_are_numbered_as_the_loop_numbers_them(tmp_path, chunk_bytes, monkeypatch):
    """Chunks of plain lines are numbered at once (``_Numberer._plain``); each record gets
    the number the line-by-line loop gives it, around quoted fields over several lines,
    quotes within a line, blank and whitespace-only lines, CRLF and a last line without
    an end. With tiny chunks many chunks are plain, with large ones the first is not."""
    plain = "".join(f"{n},x{n},{n % 7}\n" for n in range(1, 60))
    data = (
        "ID,Q11,Q12\n"
        + plain
        + '60,"to\nlinjer",1\n61,"ja, nei",2\n\n   \n62,y,3\r\n\u00a0\n'
        + plain.replace("\n", "\r\n")
        + '63,"""sitat""",4\n'
        + plain
        + "64,siste,5"
    ).encode()
    numbered = normalise(tmp_path, data)
    plain_chunks = []
    real_plain = encoding._Numberer._plain

    def counted(numberer, lines):
        found = real_plain(numberer, lines)
        plain_chunks.append(found)
        return found

    monkeypatch.setattr(encoding._Numberer, "_plain", counted)
    assert normalise(tmp_path, data) == numbered
    monkeypatch.setattr(encoding._Numberer, "_plain", lambda numberer, lines: False)
    assert normalise(tmp_path, data) == numbered
    assert numbered[0].records == 3 * 59 + 5
    # the whole file in one chunk starts with the header, which the loop reads
    assert True in plain_chunks if chunk_bytes < 100 else plain_chunks[0] is False
