"""The disclosure rules (marts.md §2, §5, §8): the minimum cell size with its floor, and the
precision every published number is rounded to, at each level the reconstruction audit may
set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from pipelines.marts.measures import MEASURES

# --- the minimum cell size (marts.md §2, §5) ---------------------------------------------

MIN_CELL_SIZE = 10
# No setting may publish an estimate behind fewer respondents than this.
MIN_CELL_SIZE_FLOOR = 5


class MinCellSizeError(ValueError):
    pass


def check_min_cell_size(value: object) -> int:
    """``value`` if it is a minimum cell size the disclosure rules allow, else an error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MinCellSizeError(f"the minimum cell size must be an integer, got {value!r}")
    if value < MIN_CELL_SIZE_FLOOR:
        raise MinCellSizeError(
            f"minimum cell size {value} is below the floor of {MIN_CELL_SIZE_FLOOR}, "
            "the smallest the disclosure rules allow (marts.md §5)"
        )
    return value


# --- published precision (marts.md §8) ----------------------------------------------------


class Decimals(NamedTuple):
    """The decimals a published number keeps: for a share, and for a mean (mean_*)."""

    share: int
    mean: int


# marts.md §8's table. A column name means the same number in every mart that has it
# (`se`, `ci_lower`, `ci_upper` of a change are rounded as an estimate's, `p_value` of a
# change as a test's); `n`, `groups` and `df` are integers.
PUBLISHED_DECIMALS = {
    "estimate": Decimals(share=3, mean=2),
    "ci_lower": Decimals(share=3, mean=2),
    "ci_upper": Decimals(share=3, mean=2),
    "se": Decimals(share=4, mean=3),
    "deff": Decimals(share=2, mean=2),
    "estimate_from": Decimals(share=3, mean=2),
    "estimate_to": Decimals(share=3, mean=2),
    "difference": Decimals(share=3, mean=2),
    "p_value": Decimals(share=4, mean=4),
    "statistic": Decimals(share=2, mean=2),
    "trend_z": Decimals(share=2, mean=2),
    "q_value": Decimals(share=4, mean=4),
    "trend_p": Decimals(share=4, mean=4),
}
NumberKind = Literal["share", "mean"]


def number_kind(measure: str) -> NumberKind:
    """Whether the numbers of ``measure`` are rounded as a share's or as a mean's."""
    return "mean" if MEASURES[measure].kind == "mean" else "share"


@dataclass(frozen=True)
class Rounding:
    """How one number is published: to the nearest 1/``steps`` where a coarser level sets
    steps, then half away from zero to ``decimals`` (DuckDB ``round``)."""

    decimals: int
    steps: int | None = None

    @property
    def unit(self) -> float:
        """The distance between two neighbouring published values."""
        return 1 / self.steps if self.steps else 10.0**-self.decimals


# marts.md §8, last paragraph: publish less about a group the reconstruction audit flags.
# The audit writes a level per (mart, wave, measure, breakdown, group_code) into the private
# table `published_precision`; a group without a row is at level 0, §8's table. A level
# withholds (NULL) se and deff, and from level 2 on coarsens the estimate, its interval and a
# change's numbers; the se and p_value of a change are withheld with them, since they would
# give a withheld se back; the last level withholds the intervals too. Every row and key
# stays, and `n`. Level COARSEST_LEVEL is the last resort: there is none coarser.
COARSER_LEVELS = {
    # §8's decimals, se and deff withheld: where they, a function of the split over the
    # weighting cells, are what pins it down (docs/disclosure.md)
    1: {"share": Rounding(3), "mean": Rounding(2)},
    # whole percent; means to one decimal
    2: {"share": Rounding(2), "mean": Rounding(1)},
    # steps of 0.05 for shares, of 0.5 for means
    3: {"share": Rounding(2, steps=20), "mean": Rounding(1, steps=2)},
    # one decimal for shares, whole numbers for means: for the small distributions over
    # many answers (the biggest inhibitor of a group of twenty) that the audit still splits
    # at 0.05 (docs/disclosure.md)
    4: {"share": Rounding(1), "mean": Rounding(0)},
    # the same, and the interval withheld as well: it carries the design effect, which can
    # still pin down the smallest distributions at one decimal (docs/disclosure.md)
    5: {"share": Rounding(1), "mean": Rounding(0)},
}
PRECISION_LEVELS = (0, *COARSER_LEVELS)
COARSEST_LEVEL = PRECISION_LEVELS[-1]
COARSENED_COLUMNS = (
    "estimate",
    "ci_lower",
    "ci_upper",
    "estimate_from",
    "estimate_to",
    "difference",
)
WITHHELD_COLUMNS = ("se", "deff", "p_value")
# the interval of an estimate, or of a change, from this level on
INTERVAL_COLUMNS = ("ci_lower", "ci_upper")
INTERVAL_WITHHELD_FROM = 5


def published_rounding(column: str, kind: NumberKind, level: int = 0) -> Rounding | None:
    """How ``column`` of a row whose numbers are of ``kind`` is published at ``level``;
    None where the level withholds it. The differences mart tests whole tables, not one
    group, and is published at level 0."""
    if level == 0 or column not in (*COARSENED_COLUMNS, *WITHHELD_COLUMNS):
        return Rounding(getattr(PUBLISHED_DECIMALS[column], kind))
    if column in WITHHELD_COLUMNS:
        return None
    if column in INTERVAL_COLUMNS and level >= INTERVAL_WITHHELD_FROM:
        return None
    return COARSER_LEVELS[level][kind]
