"""Validating a wave's typed delivery with its pandera schema (schemas.py), in batches.

``validate_delivery(con, book)`` streams the typed delivery (``responses_table.delivery_rows_sql``)
out of DuckDB as Arrow record batches, validates each lazily and writes every failure into
the temporary table ``ingest_failures(source_row, column, rule)``, from which SQL makes
the quarantine records and routing warnings (responses_table.py). One batch is in memory at a
time, and of each failure three small values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow

from pipelines.ingest import responses_table
from pipelines.ingest.schemas import INNOVATOR_DEFINITION, delivery_schema, rule_of
from pipelines.survey import questionnaire as q
from pipelines.survey.codebook import Codebook
from pipelines.warehouse.sql_runner import run_model, run_sql

BATCH_ROWS = 100_000
FAILURES = pyarrow.schema(
    [("source_row", pyarrow.int64()), ("column", pyarrow.string()), ("rule", pyarrow.string())]
)
# What a rule of the delivery reports: a failed check, an empty value that must be filled.
# Anything else (a missing column, a wrong type, a check that raised) is the pipeline's.
_CHECK = pa.errors.SchemaErrorReason.DATAFRAME_CHECK
_EMPTY = pa.errors.SchemaErrorReason.SERIES_CONTAINS_NULLS


def validate_delivery(
    con: duckdb.DuckDBPyConnection, book: Codebook, batch_rows: int = BATCH_ROWS
) -> None:
    """Validate the wave's typed delivery (``ingest_raw``) and fill ``ingest_failures``.

    Raises RuntimeError when the typed delivery does not have the schema's columns and
    types, or its derived flag disagrees with the questionnaire: errors of the pipeline,
    not of the delivery. Their messages name columns, checks and rows, never a value."""
    numbering = book.municipality_numbering
    municipalities = [
        kommunenr
        for (kommunenr,) in run_model(con, "ingest/municipalities", numbering=numbering).fetchall()
    ]
    schema = delivery_schema(book, municipalities)
    # Collected here and written once: a statement on the connection would end the stream.
    # Closed however validation ends: an open stream would refuse the statements after it.
    with closing(delivery_frames(con, book, batch_rows)) as frames:
        found = [failures(schema, rows) for rows in frames]
    # Arrow's allocator keeps what the batches used for reuse; DuckDB's steps to come
    # need it more (about 0.2 GiB at a million rows, the margin of the memory target).
    pyarrow.default_memory_pool().release_unused()
    con.register("delivery_failures", pyarrow.concat_tables([FAILURES.empty_table(), *found]))
    try:
        run_model(con, "ingest/failures")
    finally:
        con.unregister("delivery_failures")


def delivery_frames(
    con: duckdb.DuckDBPyConnection, book: Codebook, batch_rows: int = BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """The typed delivery as the schema validates it, ``batch_rows`` rows at a time (Arrow
    record batches from DuckDB), indexed by source_row."""
    rows = run_sql(
        con, responses_table.delivery_rows_sql(book), {"numbering": book.municipality_numbering}
    )
    with rows.to_arrow_reader(batch_rows) as reader:
        for batch in reader:
            frame = batch.drop_columns(["source_row"]).to_pandas()
            frame.index = pd.Index(batch.column("source_row").to_numpy(), name="source_row")
            # the derived flags may be unknown: nullable booleans, where Arrow makes objects
            for flag in q.DERIVED_FLAGS:
                frame[flag] = frame[flag].astype("boolean")
            yield frame


def failures(schema: pa.DataFrameSchema, rows: pd.DataFrame) -> pyarrow.Table:
    """Every (source_row, column, rule) of ``rows`` (index = source_row) that fails
    ``schema``, from what pandera reports of each failed check."""
    try:
        # in place: the checks change nothing, and a copy of every batch would cost time
        schema.validate(rows, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as errors:
        return pyarrow.concat_tables([_failed(error, rows) for error in errors.schema_errors])
    return FAILURES.empty_table()


def _failed(error: pa.errors.SchemaError, rows: pd.DataFrame) -> pyarrow.Table:
    if error.reason_code not in (_CHECK, _EMPTY):
        raise RuntimeError(
            f"{error.schema.name}: the typed delivery does not fit its schema "
            f"({error.reason_code.name}, check {error.check}); pipelines/ingest/schemas.py "
            "and responses_table.delivery_rows_sql must agree"
        ) from None
    rule, column = rule_of(error)
    if error.reason_code == _EMPTY:
        failing = pd.Index(error.failure_cases["index"], dtype="int64")
        delivered = f"delivered_{column}"
        if delivered in rows:
            # a value that could not be read is empty too: its own rule reports it
            failing = failing[~rows.loc[failing, delivered].to_numpy(dtype=bool)]
    else:
        output = error.check_output
        failing = output.index[~output.to_numpy(dtype=bool)]
    if rule == INNOVATOR_DEFINITION:
        raise RuntimeError(
            "the derived flag innovator (sql/warehouse/macros.sql) disagrees with the "
            f"questionnaire's definition at row {failing[0]} and {len(failing) - 1} more "
            "row(s) of its batch"
        )
    return pyarrow.table(
        [
            pyarrow.array(failing.to_numpy(dtype=np.int64)),
            pyarrow.array([column] * len(failing), pyarrow.string()),
            pyarrow.array([rule] * len(failing), pyarrow.string()),
        ],
        schema=FAILURES,
    )
