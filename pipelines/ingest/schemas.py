"""pandera schemas of a wave's typed ``responses`` rows, generated from the questionnaire.

``responses_schema(book)`` checks dtypes, nullability, the wave's code lists, the form of
``kommunenr``, unique ids, that a variable the wave did not ask is empty, and -- at the
level of the data frame -- that no answer sits outside its routing (the questionnaire's
own Condition objects, evaluated in pandas, independently of the SQL that applied them).
``validate_wave_schema(con, wave)`` runs it over the warehouse in batches, so memory stays
flat however large the wave; this is what the blocking asset check calls.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from pipelines import codebook
from pipelines import questionnaire as q
from pipelines.codebook import REQUIRED_VARIABLES, Codebook
from pipelines.sql_runner import run_model

BATCH_ROWS = 100_000
KOMMUNENR_PATTERN = r"^\d{4}$"
# Free text never leaves the warehouse, not even as a failure case.
FREE_TEXT = "<free text>"
RESPONDENT_ID = "<respondent id>"
# What a failure shows instead of the value, by variable kind: these never leave the warehouse.
MASKED = {"text": FREE_TEXT, "id": RESPONDENT_ID}

_DTYPES = {
    "id": "str",
    "municipality": "str",
    "code": "Int16",
    "flag": "Int16",
    "text": "str",
    "timestamp": "datetime64[us]",
}
_PANDAS_TYPES = {
    pa_arrow.int16(): pd.Int16Dtype(),
    pa_arrow.int32(): pd.Int32Dtype(),
    pa_arrow.int64(): pd.Int64Dtype(),
    pa_arrow.bool_(): pd.BooleanDtype(),
}


def responses_schema(book: Codebook) -> pa.DataFrameSchema:
    """The schema of wave ``book.wave``'s ``responses`` rows, plus the derived flags
    ``innovator`` and ``in_merging_unit`` that routing refers to (sql/ingest/schema_rows.sql)."""
    columns = {
        "wave": pa.Column("Int32", pa.Check.eq(book.wave)),
        "source_file": pa.Column("str"),
        "source_row": pa.Column("Int64", pa.Check.ge(2)),
    }
    columns |= {v.name: _column(v, book) for v in q.VARIABLES}
    columns |= {flag: pa.Column("boolean", nullable=True) for flag in q.DERIVED_FLAGS}
    checks = [_innovator_check()] + [
        _routing_check(v) for v in q.VARIABLES if book.asked(v.name) and v.routed
    ]
    return pa.DataFrameSchema(columns, checks=checks, strict=True, name=f"responses {book.wave}")


def _column(v: q.Variable, book: Codebook) -> pa.Column:
    dtype = _DTYPES[v.kind]
    if not book.asked(v.name):
        return pa.Column(dtype, pa.Check(pd.isna, name="not_asked_this_wave"), nullable=True)
    checks = []
    if v.kind in ("code", "flag"):
        checks.append(pa.Check.isin(book.allowed_codes(v.name)))
    elif v.kind == "municipality":
        checks.append(pa.Check.str_matches(KOMMUNENR_PATTERN))
    elif v.kind == "id":
        checks.append(pa.Check.str_length(min_value=1))
    return pa.Column(
        dtype, checks, nullable=v.name not in REQUIRED_VARIABLES, unique=v.kind == "id"
    )


def _routed(df: pd.DataFrame, v: q.Variable) -> pd.Series:
    """Whether each respondent was routed to ``v``: every Condition holds (unknown = no)."""
    routed = np.ones(len(df), dtype=bool)
    for condition in v.routing:
        # As floats a missing answer is NaN, which is in no list: unknown is not routed.
        # numpy, not the nullable column's own isin: a sixth of the time on a million rows
        # (bench/, issue 7).
        answers = df[condition.variable].to_numpy(dtype="float64", na_value=np.nan)
        routed &= np.isin(answers, condition.values)
    return pd.Series(routed, index=df.index)


# A data-frame check by default also passes rows whose every column is null, which costs a
# null scan of the whole batch per check (0.4 of the 2.5 s the schema check took on a
# million rows, bench/, issue 7); a responses row always has its wave and source row, so
# there are no such rows.
_ROWS_NEVER_ALL_NULL = {"ignore_na": False}


def _routing_check(v: q.Variable) -> pa.Check:
    # named routing_<variable>: _failures() reads the variable back from the name
    return pa.Check(
        lambda df: df[v.name].isna() | _routed(df, v),
        name=f"routing_{v.name}",
        **_ROWS_NEVER_ALL_NULL,
    )


def _innovator_check() -> pa.Check:
    """``innovator`` is any innov_* = 1, unknown when none of them was answered."""

    def agrees(df: pd.DataFrame) -> pd.Series:
        answers = df[list(q.INNOVATION_COLUMNS)]
        expected = answers.eq(1).fillna(False).any(axis=1).astype("boolean")
        expected[answers.isna().all(axis=1)] = pd.NA
        return (df["innovator"] == expected).fillna(df["innovator"].isna() & expected.isna())

    return pa.Check(agrees, name="innovator_definition", **_ROWS_NEVER_ALL_NULL)


def wave_frames(
    con: duckdb.DuckDBPyConnection, wave: int, batch_rows: int = BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """The wave's ``responses`` rows with the derived flags, ``batch_rows`` at a time, as
    the schema expects them (nullable integer dtypes, index = source_row)."""
    run_model(con, "warehouse/macros")
    reader = run_model(
        con,
        "ingest/schema_rows",
        wave=wave,
        numbering=codebook.load(wave).municipality_numbering,
    ).to_arrow_reader(batch_rows)
    for batch in reader:
        df = batch.to_pandas(types_mapper=_PANDAS_TYPES.get)
        df.index = df["source_row"].astype("int64")
        yield df


def validate_wave_schema(
    con: duckdb.DuckDBPyConnection, wave: int, batch_rows: int = BATCH_ROWS
) -> list[dict[str, object]]:
    """Every failure of the wave's rows against ``responses_schema``, as dicts with
    ``column``, ``check``, ``row`` (source_row), ``resp_id`` and ``failure_case``
    (free text masked); empty when the wave passes."""
    schema = responses_schema(codebook.load(wave))
    failures: dict[tuple, dict[str, object]] = {}
    for df in wave_frames(con, wave, batch_rows):
        try:
            schema.validate(df, lazy=True)
        except pa.errors.SchemaErrors as errors:
            for failure in _failures(errors.failure_cases, df):
                failures.setdefault((failure["column"], failure["check"], failure["row"]), failure)
    duplicates = run_model(con, "ingest/duplicate_resp_ids", wave=wave).fetchall()
    for row, resp_id in duplicates:
        failures.setdefault(
            ("resp_id", "field_uniqueness", row),
            {
                "column": "resp_id",
                "check": "field_uniqueness",
                "row": row,
                "resp_id": resp_id,
                "failure_case": _shown("resp_id", resp_id),
            },
        )
    return sorted(
        failures.values(), key=lambda f: (f["row"] is None, f["row"] or 0, str(f["column"]))
    )


def _failures(cases: pd.DataFrame, df: pd.DataFrame) -> list[dict[str, object]]:
    """pandera's failure cases, one per (column, check, row). A data-frame check reports
    every column of a failing row; it is reported once, for the variable it is about."""
    out = []
    for case in cases.itertuples(index=False):
        row = None if pd.isna(case.index) else int(case.index)
        column = case.column
        if case.schema_context == "DataFrameSchema":
            column = case.check.removeprefix("routing_").replace(
                "innovator_definition", "innovator"
            )
        value = df.at[row, column] if row is not None and column in df else case.failure_case
        out.append(
            {
                "column": column,
                "check": case.check,
                "row": row,
                "resp_id": df.at[row, "resp_id"] if row is not None else None,
                "failure_case": _shown(column, value),
            }
        )
    return out


def _shown(column: str, value: object) -> object:
    """The value as a Dagster check may show it: ids and free text are masked."""
    kind = q.BY_NAME[column].kind if column in q.BY_NAME else None
    if kind in MASKED and not pd.isna(value):
        return MASKED[kind]
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value
