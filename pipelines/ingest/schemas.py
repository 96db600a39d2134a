"""The pandera schema of a wave's typed delivery, generated from the questionnaire, the
wave's codebook and the municipalities of its numbering: the row rules of delivery
contract §5 and routing.

``delivery_schema(book, municipalities)`` validates the rows of
``staging.delivery_rows_sql`` (index = source_row). Each check is named by the rule a
failure of it breaks -- ``<rule>`` on a column, ``<rule>:<column>`` over several columns --
so that ``rule_of`` can turn what pandera reports into quarantine records and routing
warnings (validation.py). The checks collect no failure cases (``n_failure_cases=0``);
the failing rows are read from each check's boolean output instead. pandera would render
every failing value into a message (a few microseconds a value, and a free text or id in
a string), and for a check over several columns repeat it for every column of the row: a
routing answer given in every row of a batch of 100 000 took 40 s and 0.8 GB.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipelines.ingest.responses_table import READ_KINDS, ROUTING, asked, routed
from pipelines.survey import questionnaire as q
from pipelines.survey.codebook import REQUIRED_VARIABLES, Codebook

# Codes are floats (NaN: empty; exact for every code a list can hold): numpy checks them
# several times faster than pandas' nullable integers.
DTYPES = {
    "id": "str",
    "municipality": "str",
    "code": "float64",
    "flag": "float64",
    "text": "str",
    "timestamp": "datetime64[us]",
}
# The rule an empty value of a variable that must be filled breaks, by the variable's kind.
EMPTY_RULES = {
    "id": "empty_resp_id",
    "municipality": "unknown_kommunenr",
    "code": "code_not_in_list",
}
UNREADABLE_RULES = {
    "code": "not_an_integer",
    "flag": "not_an_integer",
    "timestamp": "bad_timestamp",
}
# Not a rule of the delivery: the derived flag (sql/warehouse/macros.sql, which the marts
# share) must agree with the questionnaire's definition, or the pipeline is wrong.
INNOVATOR_DEFINITION = "innovator_definition"

# A check over several columns would by default also pass rows whose every column is null
# (a null scan of the whole batch per check; a delivered row always has values).
_OVER_ROWS = {"ignore_na": False, "n_failure_cases": 0}


def delivery_schema(book: Codebook, municipalities: Collection[str]) -> pa.DataFrameSchema:
    """The schema of wave ``book.wave``'s typed delivery; ``municipalities`` are the
    kommunenr of the wave's numbering (ref_municipality)."""
    columns: dict[str, pa.Column] = {}
    checks = []
    for v in asked(book):
        columns[v.name] = pa.Column(
            DTYPES[v.kind],
            _value_checks(v, book, municipalities),
            nullable=v.name not in REQUIRED_VARIABLES,
        )
        if v.kind in READ_KINDS:
            columns[f"delivered_{v.name}"] = pa.Column("bool")
            checks.append(_readable(v))
    columns |= {flag: pa.Column("boolean", nullable=True) for flag in q.DERIVED_FLAGS}
    if book.asked("startet") and book.asked("fullfort"):
        checks.append(_completed_after_started())
    checks += [_type_in_sector(book), _type_at_level(book)]
    checks += [_routing(v) for v in routed(book)]
    checks.append(_innovator_definition(book))
    return pa.DataFrameSchema(
        columns,
        checks=checks,
        index=pa.Index("int64", name="source_row"),
        strict=True,
        name=f"delivery {book.wave}",
    )


def rule_of(error: pa.errors.SchemaError) -> tuple[str, str]:
    """The (rule, column) of a failed check, or of an empty value that must be filled."""
    if isinstance(error.check, pa.Check):
        rule, _, column = error.check.name.partition(":")
        return rule, column or error.schema.name
    return EMPTY_RULES[q.variable(error.schema.name).kind], error.schema.name


def _value_checks(v: q.Variable, book: Codebook, municipalities: Collection[str]) -> list:
    # An empty value passes: whether it may be empty is nullability's to judge.
    if v.kind in ("code", "flag"):
        codes = book.allowed_codes(v.name)

        def on_the_list(values: pd.Series) -> pd.Series:
            return values.isna() | pd.Series(_isin(values, codes), index=values.index)

        return [_column_check(on_the_list, "code_not_in_list", codes)]
    if v.kind == "municipality":
        known = list(municipalities)

        def known_municipality(values: pd.Series) -> pd.Series:
            return values.isna() | values.isin(known)

        return [_column_check(known_municipality, "unknown_kommunenr", known)]
    return []


def _column_check(
    check: Callable[[pd.Series], pd.Series], rule: str, allowed: Collection
) -> pa.Check:
    return pa.Check(
        check,
        name=rule,
        statistics={"allowed": tuple(allowed)},
        ignore_na=False,
        n_failure_cases=0,
    )


def _readable(v: q.Variable) -> pa.Check:
    """Delivered text must be readable as the variable's kind (SQL read it: NULL when not)."""

    def readable(df: pd.DataFrame) -> pd.Series:
        return df[v.name].notna() | ~df[f"delivered_{v.name}"]

    return pa.Check(readable, name=f"{UNREADABLE_RULES[v.kind]}:{v.name}", **_OVER_ROWS)


def _completed_after_started() -> pa.Check:
    def in_order(df: pd.DataFrame) -> pd.Series:
        # a missing or unreadable time has no order (NaT compares false)
        return ~(df["fullfort"] < df["startet"])

    return pa.Check(in_order, name="completed_before_started:fullfort", **_OVER_ROWS)


def _valid_codes(df: pd.DataFrame, book: Codebook, *names: str) -> np.ndarray:
    """Rows where every named code is on the wave's list (else code_not_in_list says so)."""
    valid = np.ones(len(df), dtype=bool)
    for name in names:
        valid &= _isin(df[name], book.allowed_codes(name))
    return valid


def _type_in_sector(book: Codebook) -> pa.Check:
    """The type's first digit is its sector."""

    def agrees(df: pd.DataFrame) -> pd.Series:
        valid = _valid_codes(df, book, "virksomhetstype", "sektor")
        types, sectors = (_floats(df[name]) for name in ("virksomhetstype", "sektor"))
        return pd.Series(~valid | (types // 10 == sectors), index=df.index)

    return pa.Check(agrees, name="type_sector_mismatch:virksomhetstype", **_OVER_ROWS)


def _type_at_level(book: Codebook) -> pa.Check:
    """The type's level (questionnaire VIRKSOMHETSTYPER) is the workplace's level."""
    types_at = {
        level: [code for code, (_, at) in q.VIRKSOMHETSTYPER.items() if at == level]
        for level in q.FORVALTNINGSNIVAER
    }

    def agrees(df: pd.DataFrame) -> pd.Series:
        valid = _valid_codes(df, book, "virksomhetstype", "forvaltningsniva")
        levels = _floats(df["forvaltningsniva"])
        same = np.zeros(len(df), dtype=bool)
        for level, types in types_at.items():
            same |= (levels == level) & _isin(df["virksomhetstype"], types)
        return pd.Series(~valid | same, index=df.index)

    return pa.Check(agrees, name="type_level_mismatch:virksomhetstype", **_OVER_ROWS)


def _routing(v: q.Variable) -> pa.Check:
    """An answer to ``v`` only from a respondent routed to it."""

    def answered_when_routed(df: pd.DataFrame) -> pd.Series:
        return df[v.name].isna() | _routed(df, v)

    return pa.Check(answered_when_routed, name=f"{ROUTING}:{v.name}", **_OVER_ROWS)


def _routed(df: pd.DataFrame, v: q.Variable) -> pd.Series:
    """Whether each respondent was routed to ``v``: every Condition holds (unknown = no)."""
    routed = np.ones(len(df), dtype=bool)
    for condition in v.routing:
        routed &= _isin(df[condition.variable], condition.values)
    return pd.Series(routed, index=df.index)


def _innovator_definition(book: Codebook) -> pa.Check:
    """``innovator`` is any innov_* = 1, unknown when none of them was answered."""
    items = [name for name in q.INNOVATION_COLUMNS if book.asked(name)]

    def agrees(df: pd.DataFrame) -> pd.Series:
        # one row per item (none when the wave asked none: then no one answered)
        answers = np.array([_floats(df[name]) for name in items]).reshape(len(items), len(df))
        answered = ~np.isnan(answers).all(axis=0)
        expected = (answers == 1).any(axis=0)
        flag = _floats(df["innovator"])
        return pd.Series(np.where(answered, flag == expected, np.isnan(flag)), index=df.index)

    return pa.Check(agrees, name=f"{INNOVATOR_DEFINITION}:innovator", **_OVER_ROWS)


def _floats(values: pd.Series) -> np.ndarray:
    """Codes or a flag (true = 1) as numpy floats: a missing value is NaN, which equals
    nothing and is in no list, as an unknown condition routes no one."""
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _isin(values: pd.Series, allowed: Collection) -> np.ndarray:
    return np.isin(_floats(values), list(allowed))
