"""Numbers as the report writes them: Norwegian decimal comma, shares as percent."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.report.rows import MartRow

NBSP = "\u00a0"


def is_mean(measure: str) -> bool:
    """A `mean_*` measure holds a mean on its scale; every other measure a share (marts.md §1)."""
    return measure.startswith("mean_")


def _decimal(x: float, places: int) -> str:
    return f"{x:.{places}f}".replace(".", ",").replace("-", "−")


def value(measure: str, x: float) -> str:
    """An estimate or bound: a share as percent with one decimal, a mean with two."""
    if is_mean(measure):
        return _decimal(x, 2)
    return f"{_decimal(100 * x, 1)}{NBSP}%"


def difference(measure: str, x: float) -> str:
    """A difference of two estimates: percentage points for shares, scale units for means."""
    if is_mean(measure):
        return _decimal(x, 2)
    return f"{_decimal(100 * x, 1)}{NBSP}prosentpoeng"


def interval(measure: str, lower: float, upper: float) -> str:
    """A 95 % interval, e.g. `62,1–68,0 %`."""
    if is_mean(measure):
        return f"{_decimal(lower, 2)}–{_decimal(upper, 2)}"
    return f"{_decimal(100 * lower, 1)}–{_decimal(100 * upper, 1)}{NBSP}%"


def interval_of_difference(measure: str, lower: float, upper: float) -> str:
    """A 95 % interval of a difference, in percentage points for shares."""
    if is_mean(measure):
        return f"{_decimal(lower, 2)} til {_decimal(upper, 2)}"
    return f"{_decimal(100 * lower, 1)} til {_decimal(100 * upper, 1)}"


def p_value(p: float) -> str:
    """A p- or q-value as a reader of KS' reports reads it: three decimals, or `< 0,001`."""
    return f"<{NBSP}0,001" if p < 0.001 else f"={NBSP}{_decimal(p, 3)}"


def z(x: float) -> str:
    return _decimal(x, 2)


def suppressed(row: MartRow) -> str:
    """In place of a suppressed estimate. Primary: too few answers; secondary: hidden to
    protect another hidden group."""
    if row.suppression == "secondary":
        return f"skjult, sekundært (n = {row.n})"
    return f"skjult (n = {row.n})"


def estimate(measure: str, row: MartRow) -> str:
    """An estimate with its interval and n, e.g. `75,0 % (95 % KI 72,0–78,0 %, n = 300)`."""
    if row.estimate is None:
        return suppressed(row)
    shown = value(measure, row.estimate)
    if row.ci_lower is None or row.ci_upper is None:
        return f"{shown} (n = {row.n}, intervall ikke publisert)"
    return f"{shown} (95 % KI {interval(measure, row.ci_lower, row.ci_upper)}, n = {row.n})"
