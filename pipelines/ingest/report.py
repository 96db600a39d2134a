"""What one ingest did, for the Dagster asset's metadata."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipelines import questionnaire as q
from pipelines.codebook import Codebook
from pipelines.ingest.readers import Landed

PREVIEW_ROWS = 5
# Identifiers and free text never leave the warehouse, so the preview leaves them out.
_PRIVATE_KINDS = ("id", "text")


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
    preview: tuple[dict[str, object], ...]

    def as_metadata(self) -> dict[str, object]:
        """Plain values (str, int, dict, list) for Dagster metadata; the preview as a
        Markdown table."""
        meta = asdict(self)
        meta["extra_columns"] = list(self.extra_columns)
        meta["preview"] = preview_markdown(self.preview)
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
        preview=preview(con, book),
    )


def preview(con: duckdb.DuckDBPyConnection, book: Codebook) -> tuple[dict[str, object], ...]:
    """The first accepted rows, without the respondent id and free text."""
    columns = [v.name for v in q.VARIABLES if book.asked(v.name) and v.kind not in _PRIVATE_KINDS]
    rows = con.execute(
        f"SELECT {', '.join(columns)} FROM ingest_responses ORDER BY source_row "
        f"LIMIT {PREVIEW_ROWS}"
    ).fetchall()
    return tuple(
        {
            c: v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v
            for c, v in zip(columns, row, strict=True)
        }
        for row in rows
    )


def preview_markdown(rows: tuple[dict[str, object], ...]) -> str:
    if not rows:
        return ""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += [
        "| " + " | ".join("" if r[c] is None else str(r[c]) for c in columns) + " |" for r in rows
    ]
    return "\n".join(lines)


def _counts(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return {key: int(n) for key, n in con.execute(sql).fetchall()}
