"""The columns the gate adds to a mart before GX validates it.

GX has no expectation for a sum over a group of rows, nor for the decimals a number is
written with, so both are worked out per row here and GX checks the values of these
columns. A helper is NULL where its rule has nothing to say, which GX's column
expectations skip.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.marts.disclosure_rules import COARSEST_LEVEL, PUBLISHED_DECIMALS, published_rounding
from pipelines.marts.measures import DISTRIBUTIONS, MARTS, MEAN_RANGES
from pipelines.marts.shapes import ESTIMATES, SHAPES

# |Σ estimate − 1| over the items of a distribution's group, and what rounding can explain.
DISTRIBUTION_GAP = "_gate_distribution_gap"
DISTRIBUTION_SLACK = "_gate_distribution_slack"
# The numbers of a row written with more decimals than marts.md §8 allows, in words.
EXCESS_DECIMALS = "_gate_excess_decimals"
# Floating-point addition of the items, beyond their rounding.
DISTRIBUTION_TOLERANCE = 1e-9
# A distribution's group is published at level 0, or coarsened by the reconstruction audit
# to some level it does not say (se withheld); the coarsest level then bounds its rounding.
_LEVEL_0 = published_rounding("estimate", "share", 0)
_COARSEST = published_rounding("estimate", "share", COARSEST_LEVEL)


def gate_columns(mart: str) -> tuple[str, ...]:
    """The columns of one wave of ``mart`` as GX validates it: the mart's, then the helpers."""
    if mart in MARTS:
        return (*ESTIMATES.names, DISTRIBUTION_GAP, DISTRIBUTION_SLACK, EXCESS_DECIMALS)
    return (*SHAPES[mart].names, EXCESS_DECIMALS)


def with_helper_columns(mart: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame``, one wave of ``mart``, with the helpers of ``gate_columns``."""
    helpers = _distribution_sums(frame) if mart in MARTS else {}
    return frame.assign(**helpers, **{EXCESS_DECIMALS: excess_decimals(frame)})


def _distribution_sums(frame: pd.DataFrame) -> dict[str, pd.Series | float]:
    """For an unsuppressed row of a distribution measure: how far the estimates of its
    (wave, measure, breakdown, group_code) sum from 1, and the most that rounding them can
    explain — half a unit of the group's precision per item. A missing item lowers the sum
    (and the slack), so the rule catches it. A frame missing a column the sum needs gets
    all-NULL helpers, and the column-set expectation reports what is missing."""
    group = ["wave", "measure", "breakdown", "group_code"]
    if not {*group, "estimate", "se", "suppressed"} <= set(frame.columns):
        return {DISTRIBUTION_GAP: np.nan, DISTRIBUTION_SLACK: np.nan}
    rows = frame[frame["measure"].isin(DISTRIBUTIONS) & frame["suppressed"].eq(False)]
    groups = rows.assign(withheld=rows["se"].isna()).groupby(group, dropna=False)
    total = groups["estimate"].transform("sum")
    items = groups["estimate"].transform("size")
    half_unit = np.where(groups["withheld"].transform("any"), _COARSEST.unit, _LEVEL_0.unit) / 2
    return {
        DISTRIBUTION_GAP: (total - 1).abs().reindex(frame.index),
        DISTRIBUTION_SLACK: (items * half_unit + DISTRIBUTION_TOLERANCE).reindex(frame.index),
    }


def excess_decimals(frame: pd.DataFrame) -> pd.Series:
    """Per row, each number written with more decimals than marts.md §8 allows for its
    column and the row's measure (a mean_* measure's or a share's), as
    'column=value (d decimals allowed)'; None where there is none.

    A number rounded to d decimals is the double nearest some k / 10^d, which scaling by
    10^d, rounding and scaling back gives again exactly; any other number does not come back.
    """
    means = frame["measure"].isin(MEAN_RANGES) if "measure" in frame.columns else False
    found = pd.Series("", index=frame.index, dtype=object)
    for column, decimals in PUBLISHED_DECIMALS.items():
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        allowed = pd.Series(np.where(means, decimals.mean, decimals.share), index=frame.index)
        scale = 10.0**allowed
        excess = values.notna() & (np.rint(values * scale) / scale != values)
        found[excess] = found[excess] + [
            f"{column}={float(value)!r} ({d} decimals allowed); "
            for value, d in zip(values[excess], allowed[excess], strict=True)
        ]
    return found.str.removesuffix("; ").where(found != "", None)
