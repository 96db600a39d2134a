"""Long free-text answers are read whole up to a documented limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.ingest import DeliveryError, ingest_wave
from pipelines.ingest.encoding import MAX_RECORD_CHARS
from tests.data.bad_deliveries.build_corpus import changed, delivery
from tests.ingest_fixtures import reference_warehouse, table_rows


@pytest.fixture
def con(tmp_path):
    con = reference_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def write(root: Path, lines: list[str]) -> Path:
    """A UTF-8 2018 delivery: æ takes two bytes, so a long answer is twice as many bytes."""
    for relative, data in delivery(("\n".join(lines) + "\n").encode("utf-8")).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root / "2018" / "responses.csv"


def test_an_answer_of_over_a_million_characters_is_read_whole(con, tmp_path):
    answer = "æ" * 1_100_000  # 2.2 MB, above DuckDB's default line size of 2 MB
    write(tmp_path / "raw", changed(4, "Q11", answer))
    report = ingest_wave(con, tmp_path / "raw", 2018)
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (40, 40, 0)
    assert con.execute(
        "SELECT length(fritekst_nyeste) FROM responses WHERE source_row = 4"
    ).fetchone() == (1_100_000,)


def test_a_quoted_answer_over_several_lines_counts_whole(con, tmp_path):
    half = "ø" * (MAX_RECORD_CHARS // 2)
    path = write(tmp_path / "raw", changed(7, "Q11", f'"{half}\n{half}"'))
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2018)
    assert str(refused.value) == (
        f"{path}, row 7, column 'Q11': the row holds more than 4,000,000 characters, the most "
        "a row may hold (docs/ingest.md); shorten the longest answer or deliver it separately"
    )


def test_a_row_over_the_limit_is_refused_naming_the_limit(con, tmp_path):
    write(tmp_path / "valid", changed(9, "Q11", "æ" * 1000))
    ingest_wave(con, tmp_path / "valid", 2018)
    before = table_rows(con)
    path = write(tmp_path / "raw", changed(9, "Q11", "æ" * MAX_RECORD_CHARS))
    with pytest.raises(DeliveryError) as refused:
        ingest_wave(con, tmp_path / "raw", 2018)
    assert str(refused.value) == (
        f"{path}, row 9, column 'Q11': the row holds more than 4,000,000 characters, the most "
        "a row may hold (docs/ingest.md); shorten the longest answer or deliver it separately"
    )
    assert table_rows(con) == before
