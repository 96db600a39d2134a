"""What one ingest did, for the Dagster asset's metadata: counts, never a row (a row of a
delivery is a workplace with its answers)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipelines.ingest.readers import Landed
from pipelines.survey.codebook import Codebook


@dataclass(frozen=True)
class IngestReport:
    wave: int
    responses_file: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    quarantine_by_rule: dict[str, int]
    routing_warnings_by_question: dict[str, int]
    extra_columns: tuple[str, ...]

    def as_metadata(self) -> dict[str, object]:
        """Plain values (str, int, dict, list) for Dagster metadata."""
        meta = asdict(self)
        meta["extra_columns"] = list(self.extra_columns)
        return meta


def build(
    con: duckdb.DuckDBPyConnection,
    book: Codebook,
    responses_file: str,
    landed: Landed,
    extra_columns: list[str],
    rows_read: int,
) -> IngestReport:
    """The report of the ingest staged in ``con`` (its temporary tables still there)."""
    (rows_accepted,) = con.execute("SELECT count(*) FROM ingest_accepted").fetchone()
    return IngestReport(
        wave=book.wave,
        responses_file=responses_file,
        file_format=Path(responses_file).suffix[1:].lower(),
        encoding=landed.encoding,
        delimiter=landed.delimiter,
        rows_read=rows_read,
        rows_accepted=rows_accepted,
        rows_quarantined=rows_read - rows_accepted,
        quarantine_by_rule=_counts(
            con, "SELECT rule, count(*) FROM ingest_quarantine GROUP BY rule ORDER BY rule"
        ),
        routing_warnings_by_question=_counts(
            con,
            'SELECT "column", count(*) FROM ingest_routing_warnings '
            'GROUP BY "column" ORDER BY "column"',
        ),
        extra_columns=tuple(extra_columns),
    )


def _counts(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return {key: int(n) for key, n in con.execute(sql).fetchall()}
