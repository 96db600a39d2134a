"""The published columns of every mart (marts.md §1, §6, §7): their types, descriptions,
keys and the Arrow schema a release is written in."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.marts.measures import MARTS

# --- the published columns (marts.md §1, §6, §7) ------------------------------------------

ARROW_TYPES = {
    "INTEGER": pa.int32(),
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = False


@dataclass(frozen=True)
class MartShape:
    # in the order of the spec
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # the column that names the wave a release holds the row in
    wave_column: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def nullable(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.nullable)

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in self.columns])


_WHERE_SHOWN = "; NULL when suppressed"
_WHERE_SHOWN_NOT_WITHHELD = "; NULL when suppressed or withheld (marts.md §8)"
ESTIMATES = MartShape(
    columns=(
        Column("wave", "INTEGER", "survey wave (publication year)"),
        Column("measure", "VARCHAR", "what is estimated (the measures of the mart)"),
        Column(
            "item",
            "VARCHAR",
            "factor, reason, statement or category; '' where the measure has none",
        ),
        Column("item_label", "VARCHAR", "Norwegian label of the item; '' where none"),
        Column("breakdown", "VARCHAR", "how respondents are grouped: " + ", ".join(BREAKDOWNS)),
        Column("group_code", "VARCHAR", "the group within the breakdown (all for total)"),
        Column("group_label", "VARCHAR", "Norwegian label of the group"),
        Column("n", "INTEGER", "unweighted respondents in the denominator"),
        Column(
            "estimate",
            "DOUBLE",
            "weighted share in [0, 1], or a weighted mean for mean_* measures" + _WHERE_SHOWN,
            nullable=True,
        ),
        Column(
            "ci_lower",
            "DOUBLE",
            "lower bound of the 95 % interval: for shares Wilson's on the effective size "
            "n / deff, for means estimate − 1.96·se" + _WHERE_SHOWN,
            nullable=True,
        ),
        Column(
            "ci_upper", "DOUBLE", "upper bound of the 95 % interval" + _WHERE_SHOWN, nullable=True
        ),
        Column(
            "se",
            "DOUBLE",
            "design-based standard error: the survey is a stratified sample without replacement "
            "from the frame (strata = weighting cells, with finite population correction), "
            "linearised as R's survey package does for a domain mean" + _WHERE_SHOWN_NOT_WITHHELD,
            nullable=True,
        ),
        Column(
            "deff",
            "DOUBLE",
            "design effect: se² over the variance of a simple random sample of n"
            + _WHERE_SHOWN_NOT_WITHHELD,
            nullable=True,
        ),
        Column(
            "suppression",
            "VARCHAR",
            "none; primary when n is below the minimum cell size; secondary when the group has "
            "enough answers but is hidden because it is the smallest other group of a table "
            "(one measure and item by one breakdown) in which exactly one group is "
            "primary-suppressed: the total, the other groups and the public frame counts would "
            "otherwise give the hidden group away",
        ),
        Column(
            "suppressed",
            "BOOLEAN",
            "suppression is not none: no estimate, interval, se or deff is published, n is",
        ),
    ),
    key=("wave", "measure", "item", "breakdown", "group_code"),
    wave_column="wave",
)
_WHEN_EITHER_HIDDEN = "; NULL when either side is suppressed"
# A change into a wave is published with that wave (`wave_to`): a new or corrected wave
# republishes the changes into it from every earlier one.
CHANGES = MartShape(
    columns=(
        Column("wave_from", "INTEGER", "the earlier wave"),
        Column("wave_to", "INTEGER", "the later wave, with which the row is published"),
        Column("mart", "VARCHAR", "the mart of the row compared"),
        Column("measure", "VARCHAR", "the measure of the row compared"),
        Column("item", "VARCHAR", "the item of the row compared"),
        Column("breakdown", "VARCHAR", "the breakdown of the row compared"),
        Column("group_code", "VARCHAR", "the group of the row compared"),
        Column("item_label", "VARCHAR", "Norwegian label of the item, as in wave_to"),
        Column("group_label", "VARCHAR", "Norwegian label of the group, as in wave_to"),
        Column("estimate_from", "DOUBLE", "the estimate in wave_from" + _WHEN_EITHER_HIDDEN, True),
        Column("estimate_to", "DOUBLE", "the estimate in wave_to" + _WHEN_EITHER_HIDDEN, True),
        Column("difference", "DOUBLE", "estimate_to − estimate_from" + _WHEN_EITHER_HIDDEN, True),
        Column(
            "se",
            "DOUBLE",
            "√(se_from² + se_to²), the waves being independent samples"
            + _WHEN_EITHER_HIDDEN
            + " or withheld (marts.md §8)",
            True,
        ),
        Column("ci_lower", "DOUBLE", "difference − 1.96·se" + _WHEN_EITHER_HIDDEN, nullable=True),
        Column("ci_upper", "DOUBLE", "difference + 1.96·se" + _WHEN_EITHER_HIDDEN, nullable=True),
        Column(
            "p_value",
            "DOUBLE",
            "two-sided normal p-value of the difference; NULL when suppressed, withheld or se = 0",
            nullable=True,
        ),
        Column("suppressed", "BOOLEAN", "either side is suppressed"),
    ),
    key=("wave_from", "wave_to", "mart", "measure", "item", "breakdown", "group_code"),
    wave_column="wave_to",
)
DIFFERENCES = MartShape(
    columns=(
        Column("wave", "INTEGER", "survey wave"),
        Column("mart", "VARCHAR", "the mart of the table tested"),
        Column("measure", "VARCHAR", "the measure of the table tested"),
        Column("item", "VARCHAR", "the item of the table tested"),
        Column("item_label", "VARCHAR", "Norwegian label of the item"),
        Column(
            "breakdown",
            "VARCHAR",
            "the breakdown whose groups are compared (total: the bands of innovative_by_index)",
        ),
        Column("groups", "INTEGER", "k, the published groups tested"),
        Column(
            "groups_left_out",
            "VARCHAR",
            "suppressed group codes, ','-joined in the breakdown's order; '' if none",
        ),
        Column(
            "statistic",
            "DOUBLE",
            "Wald statistic that the k groups are equal; NULL when singular",
            nullable=True,
        ),
        Column("df", "INTEGER", "degrees of freedom, k − 1"),
        Column("p_value", "DOUBLE", "P(χ²_df > statistic)", nullable=True),
        Column(
            "q_value",
            "DOUBLE",
            "Benjamini–Hochberg adjusted p_value over the tests of the wave",
            nullable=True,
        ),
        Column(
            "trend_z",
            "DOUBLE",
            "trend statistic along ordered groups; NULL for unordered breakdowns",
            nullable=True,
        ),
        Column("trend_p", "DOUBLE", "two-sided p-value of trend_z", nullable=True),
    ),
    key=("wave", "mart", "measure", "item", "breakdown"),
    wave_column="wave",
)
SHAPES = {**dict.fromkeys(MARTS, ESTIMATES), "changes": CHANGES, "differences": DIFFERENCES}
# The estimate columns that are NULL exactly when a row is suppressed (§5).
VALUE_COLUMNS = ESTIMATES.nullable
# marts.md §5: why a row is hidden ('none' = published).
SUPPRESSION_KINDS = ("none", "primary", "secondary")
