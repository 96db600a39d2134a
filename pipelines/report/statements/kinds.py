"""`KINDS` maps the `kind` column of `published-figures.csv` to the statement classes."""

from __future__ import annotations

from pipelines.report.statements.base import Statement
from pipelines.report.statements.estimates import Close, RangeBelow, Sum, Value
from pipelines.report.statements.rankings import (
    Bottom,
    FirstGtLast,
    Increasing,
    MaxGroup,
    MinGroup,
    NextAfterTop,
    Top,
)
from pipelines.report.statements.significance import (
    Difference,
    NoDifference,
    TrendDown,
    TrendUp,
)

KINDS: dict[str, type[Statement]] = {
    kind.kind: kind
    for kind in (
        Value, Sum, Close, Top, NextAfterTop, Bottom, MaxGroup, MinGroup, FirstGtLast,
        Increasing, RangeBelow, Difference, NoDifference, TrendUp, TrendDown,
    )
}  # fmt: skip
