"""The headline measures that changed since the previous published wave (marts.md §6)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.estimation.significance import benjamini_hochberg
from pipelines.marts.measures import MEASURES
from pipelines.report import formatting as fmt
from pipelines.report.statements.significance import SIGNIFICANCE

# The measures whose change since the last survey the page lists (totals only).
HEADLINE_CHANGES = (
    ("innovation", "innovative"),
    ("innovation", "innovation_type"),
    ("factors", "promoted"),
    ("factors", "inhibited"),
    ("failures", "failed_attempt"),
    ("culture_index", "agree"),
    ("culture_index", "mean_index"),
)


@dataclass(frozen=True)
class Change:
    """A row of the page's table of changes, as written."""

    measure: str
    item: str
    before: str
    after: str
    change: str  # with its 95 % interval
    p: str
    q: str


@dataclass(frozen=True)
class Changes:
    previous: int | None  # the wave compared with; None: the wave is the first
    tested: int  # how many headline changes were tested
    significant: tuple[Change, ...]


def changes(con: duckdb.DuckDBPyConnection, wave: int) -> Changes:
    """The changes of the headline measures with p < 0.05, each with its q-value over the
    headline changes tested."""
    [(previous,)] = con.execute(
        "SELECT max(wave_from) FROM changes WHERE wave_to = $wave", {"wave": wave}
    ).fetchall()
    if previous is None:
        return Changes(None, 0, ())
    rows = con.execute(
        "SELECT mart, measure, item_label, estimate_from, estimate_to, difference, ci_lower, "
        "ci_upper, p_value FROM changes WHERE wave_to = $wave AND wave_from = $previous "
        "AND breakdown = 'total' AND NOT suppressed AND p_value IS NOT NULL "
        "ORDER BY mart, measure, item",
        {"wave": wave, "previous": previous},
    ).fetchall()
    tested = [r for r in rows if (r[0], r[1]) in HEADLINE_CHANGES]
    q_values = benjamini_hochberg([r[8] for r in tested])
    significant = []
    for (_, measure, label, before, after, change, lower, upper, p), q in zip(
        tested, q_values, strict=True
    ):
        if p >= SIGNIFICANCE:
            continue
        assert q is not None
        interval = fmt.interval_of_difference(measure, lower, upper)
        significant.append(
            Change(
                MEASURES[measure].label,
                label,
                fmt.value(measure, before),
                fmt.value(measure, after),
                f"{fmt.difference(measure, change)} ({interval})",
                fmt.p_value(p),
                fmt.p_value(q),
            )
        )
    return Changes(previous, len(tested), tuple(significant))
