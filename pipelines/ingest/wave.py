"""Ingest one wave: delivery folder -> validated, typed rows in the private warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest import frame, ingest_summary, load, responses_table
from pipelines.ingest.delivery import FRAME_FILE, Delivery, locate_delivery
from pipelines.ingest.errors import DeliveryError
from pipelines.ingest.readers import LANDING, MALFORMED, Landed, land_responses
from pipelines.ingest.validation import validate_delivery
from pipelines.ingest.value_labels import check_sav_labels
from pipelines.provenance import delivery_fingerprints, delivery_states
from pipelines.survey import codebook, questionnaire
from pipelines.warehouse.sql_runner import run_model, run_sql

# A wave goes on while at most this share of its delivered rows is quarantined.
MAX_QUARANTINED_SHARE = 0.05


def ingest_wave(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, wave: int
) -> ingest_summary.IngestReport:
    """Read, check and load wave ``wave`` from ``raw_dir/<wave>/``.

    Needs ``ref_municipality`` (pipelines.ingest.reference.build_reference) in ``con``. Raises
    DeliveryError for a delivery refused as a whole; the warehouse is then unchanged.
    """
    delivery = locate_delivery(raw_dir, wave)
    states = delivery_states(raw_dir, wave)
    read_from = delivery_fingerprints(raw_dir, wave)
    book = codebook.load(wave)
    _require_reference(con)
    responses_name = delivery.name(delivery.responses)
    run_model(con, "warehouse/macros")
    run_model(con, "ingest/macros")
    if delivery.format == "sav":
        check_sav_labels(delivery.responses, book)
    params = {"wave": wave, "file": responses_name, "numbering": book.municipality_numbering}
    try:
        frame_landed = frame.stage_frame(con, delivery.frame, book)
        landed = land_responses(con, delivery.responses, book.raw_for["resp_id"])
        _require_columns(delivery.responses, book, landed)
        rows_read = _stage_raw(con, book)
        validate_delivery(con, book)
        _quarantine(con, delivery.responses, book, params, rows_read)
        _accept(con, delivery, book, params)
        _check_unchanged(raw_dir, wave, states)
        load.create_tables(con)
        load.replace_wave(con, wave, responses_name, read_from)
        return _summary(con, book, responses_name, landed, frame_landed, rows_read)
    finally:
        load.drop_staging(con)


def _require_columns(responses: Path, book: codebook.Codebook, landed: Landed) -> None:
    missing = [raw for raw in book.columns if raw not in landed.columns]
    if missing:
        raise DeliveryError(
            responses,
            f"required column(s) missing: {', '.join(missing)} "
            f"(every column of the codebook {book.path.name} is required)",
            row=1,
            column=missing[0],
        )


def _stage_raw(con: duckdb.DuckDBPyConnection, book: codebook.Codebook) -> int:
    """The view ingest_raw of the landed rows; how many rows the delivery has, landed or not."""
    run_sql(con, responses_table.raw_sql(book))
    # a row that is not landed may have several records (formula cells): rows count once
    (not_landed,) = con.execute(f"SELECT count(DISTINCT source_row) FROM {MALFORMED}").fetchone()
    return _count(con, LANDING) + not_landed


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    responses: Path,
    book: codebook.Codebook,
    params: dict,
    rows_read: int,
) -> None:
    """Quarantine the rows that fail a check; refuse the wave if too many do."""
    run_sql(con, responses_table.quarantine_sql(book), params, strict=False)
    (rows_quarantined,) = con.execute(
        'SELECT count(DISTINCT "row") FROM ingest_quarantine'
    ).fetchone()
    _check_quarantine_share(con, responses, rows_read, rows_quarantined)


def _accept(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, book: codebook.Codebook, params: dict
) -> None:
    """Type the rows that passed into the staged responses, the frame covering their cells."""
    run_sql(con, responses_table.accepted_sql(book), {"numbering": book.municipality_numbering})
    frame.check_cells_covered(con, delivery.frame, book, delivery.name(delivery.responses))
    run_sql(con, responses_table.routing_warnings_sql(book), params, strict=False)
    run_sql(con, responses_table.responses_sql(book))


def _summary(
    con: duckdb.DuckDBPyConnection,
    book: codebook.Codebook,
    responses_name: str,
    landed: Landed,
    frame_landed: Landed,
    rows_read: int,
) -> ingest_summary.IngestReport:
    """The wave's report, with the columns either file has beyond what is required."""
    frame_extra = [c for c in frame_landed.columns if c not in frame.required_columns(book)]
    return ingest_summary.build(
        con,
        book,
        responses_name,
        landed,
        extra_columns=[c for c in landed.columns if c not in book.columns]
        + [f"{FRAME_FILE}:{c}" for c in frame_extra],
        rows_read=rows_read,
    )


def _check_unchanged(raw_dir: Path, wave: int, before: dict[str, tuple]) -> None:
    """The files as they were before hashing and reading must be unchanged after reading:
    then the fingerprints stored with the wave are those of the bytes read."""
    after = delivery_states(raw_dir, wave)
    changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    if changed:
        raise DeliveryError(
            Path(raw_dir) / str(wave),
            f"{', '.join(changed)} changed while the wave was being read; "
            "wait until the delivery is complete, then run the wave again",
        )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    [(rows,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    return rows


def _require_reference(con: duckdb.DuckDBPyConnection) -> None:
    (found,) = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ref_municipality'"
    ).fetchone()
    if not found:
        raise RuntimeError(
            "the warehouse has no ref_municipality: build the reference tables first "
            "(pipelines.ingest.reference.build_reference)"
        )


def _shown_value(column: str | None, rule: str, value: object) -> object:
    """The value an error message may show for a quarantine record: None (left out) for a
    malformed row, whose value is the whole line, and for a respondent id or free text,
    which never leave the warehouse. Codes, municipality numbers and timestamps are shown."""
    if rule == "malformed_row" or column is None:
        return None
    variable = questionnaire.BY_NAME.get(column)
    if variable is not None and variable.kind in ("id", "text"):
        return None
    return value


def _check_quarantine_share(
    con: duckdb.DuckDBPyConnection, responses: Path, rows_read: int, rows_quarantined: int
) -> None:
    if rows_quarantined == 0:
        return
    by_rule = ", ".join(
        f"{rule} {n}"
        for rule, n in con.execute(
            "SELECT rule, count(*) FROM ingest_quarantine GROUP BY rule ORDER BY rule"
        ).fetchall()
    )
    first = con.execute(
        'SELECT "row", "column", value, rule FROM ingest_quarantine '
        'ORDER BY "row", "column", rule LIMIT 1'
    ).fetchone()
    row, column, value, rule = first
    value = _shown_value(column, rule, value)
    if rule == "malformed_row":
        rule += " (its fields do not line up with the header's columns)"
    if rows_quarantined == rows_read:
        raise DeliveryError(
            responses,
            f"no rows left after quarantine: all {rows_read} rows failed a check "
            f"({by_rule}); the first failed {rule}",
            row=row,
            column=column,
            value=value,
        )
    if rows_quarantined > MAX_QUARANTINED_SHARE * rows_read:
        raise DeliveryError(
            responses,
            f"{rows_quarantined} of {rows_read} rows ({rows_quarantined / rows_read:.1%}) "
            f"failed a check, more than the {MAX_QUARANTINED_SHARE:.0%} a wave may lose "
            f"({by_rule}); the first failed {rule}",
            row=row,
            column=column,
            value=value,
        )
