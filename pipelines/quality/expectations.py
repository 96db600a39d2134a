"""The rules of the quality gate, as Great Expectations expectations per mart.

What a mart may contain (measures, breakdowns, mean ranges, distributions) and its
shape are the vocabulary's (`pipelines.marts`). GX is imported inside `expectations_for`
only: importing it takes seconds.
"""

from __future__ import annotations

from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.marts.disclosure_rules import INTERVAL_COLUMNS, WITHHELD_COLUMNS
from pipelines.marts.measures import DISTRIBUTIONS, MART, MARTS, MEAN_RANGES
from pipelines.marts.shapes import (
    CHANGES,
    ESTIMATES,
    SHAPES,
    SUPPRESSION_KINDS,
    VALUE_COLUMNS,
    MartShape,
)
from pipelines.quality.helper_columns import (
    DISTRIBUTION_GAP,
    DISTRIBUTION_SLACK,
    EXCESS_DECIMALS,
    gate_columns,
)

# The columns that are shares (or share bounds) for every measure but a mean.
_SHARE_COLUMNS = ("estimate", "ci_lower", "ci_upper")


def expectations_for(mart: str, min_cell_size: int) -> list:
    """The expectations of `mart`'s suite, each with its rule in words as description."""
    if mart == "changes":
        return _changes_rules()
    if mart == "differences":
        return _differences_rules()
    return _estimate_rules(mart, min_cell_size)


def _never_null(gxe, shape: MartShape) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never NULL")
        for c in shape.names
        if c not in shape.nullable
    ]


def _unique_key(gxe, shape: MartShape) -> object:
    return gxe.ExpectCompoundColumnsToBeUnique(
        column_list=list(shape.key), description="the key (" + ", ".join(shape.key) + ") is unique"
    )


def _precision(gxe) -> object:
    return gxe.ExpectColumnValuesToBeNull(
        column=EXCESS_DECIMALS,
        description=(
            "no number has more decimals than marts.md §8 allows for its column and measure"
        ),
    )


def _common_rules(gxe, mart: str) -> list:
    shape = SHAPES[mart]
    return [
        gxe.ExpectTableColumnsToMatchOrderedList(
            column_list=list(gate_columns(mart)),
            description=f"exactly the mart's columns, in order (plus the gate's {EXCESS_DECIMALS})",
        ),
        _unique_key(gxe, shape),
        *_never_null(gxe, shape),
        gxe.ExpectColumnValuesToBeInSet(
            column="mart", value_set=list(MARTS), description="an estimate mart"
        ),
        _precision(gxe),
    ]


def _probability(gxe, column: str) -> object:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=0, max_value=1, description=f"{column} is in [0, 1]"
    )


def _ordered(gxe, low: str, high: str, *, strictly: bool = False) -> object:
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=high,
        column_B=low,
        or_equal=not strictly,
        ignore_row_if="either_value_is_missing",
        description=f"{low} {'<' if strictly else '<='} {high}",
    )


def _hidden_and_shown() -> tuple:
    """The GX row conditions of a suppressed row and of a shown one."""
    from great_expectations.expectations.row_conditions import Column

    hidden = Column("suppressed") == True  # noqa: E712 (a GX row condition, not a test)
    shown = Column("suppressed") == False  # noqa: E712
    return hidden, shown


# changes: the numbers of a change, NULL exactly when either side is suppressed; se and
# p_value may also be NULL where withheld (marts.md §8), p_value where se is 0, and the
# interval with se at the last level.
CHANGE_NUMBERS = tuple(
    c for c in CHANGES.nullable if c not in (*WITHHELD_COLUMNS, *INTERVAL_COLUMNS)
)


def _changes_rules() -> list:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    hidden, shown = _hidden_and_shown()
    return [
        *_common_rules(gxe, "changes"),
        _ordered(gxe, "wave_from", "wave_to", strictly=True),
        _ordered(gxe, "ci_lower", "difference"),
        _ordered(gxe, "difference", "ci_upper"),
        gxe.ExpectColumnValuesToBeBetween(column="se", min_value=0, description="se >= 0"),
        _probability(gxe, "p_value"),
        *(
            gxe.ExpectColumnValuesToBeNull(
                column=c, row_condition=hidden, description=f"{c} is NULL when suppressed"
            )
            for c in CHANGES.nullable
        ),
        *(
            gxe.ExpectColumnValuesToNotBeNull(
                column=c, row_condition=shown, description=f"{c} is present when not suppressed"
            )
            for c in CHANGE_NUMBERS
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="p_value",
            row_condition=Column("se").is_null(),
            description="p_value is NULL where se is (suppressed or withheld)",
        ),
        *(
            gxe.ExpectColumnValuesToNotBeNull(
                column=c,
                row_condition=shown & Column(other).is_not_null(),
                description=f"{c} is present when not suppressed, unless withheld with {other}",
            )
            for c, other in (("ci_lower", "se"), ("ci_upper", "ci_lower"), ("ci_lower", "ci_upper"))
        ),
    ]


def _differences_rules() -> list:
    import great_expectations.expectations as gxe

    return [
        *_common_rules(gxe, "differences"),
        gxe.ExpectColumnValuesToBeBetween(
            column="groups", min_value=2, description="at least two published groups"
        ),
        gxe.ExpectColumnValuesToBeBetween(column="df", min_value=1, description="df >= 1"),
        gxe.ExpectColumnValuesToBeBetween(
            column="statistic", min_value=0, description="the Wald statistic is not negative"
        ),
        *(_probability(gxe, c) for c in ("p_value", "q_value", "trend_p")),
        _ordered(gxe, "p_value", "q_value"),
    ]


def _estimate_rules(mart: str, min_cell_size: int) -> list:
    import great_expectations.expectations as gxe

    measures = MART[mart].measure_names
    return [
        *_estimate_shape(gxe, mart, measures),
        *_estimate_ranges(gxe, measures),
        *_suppression_kinds(gxe, min_cell_size),
        *_suppressed_values(gxe),
        _precision(gxe),
        *_distribution_sums(gxe, measures),
    ]


def _estimate_shape(gxe, mart: str, measures: tuple[str, ...]) -> list:
    """The columns, the key, the NULLs and the measures and breakdowns of an estimate mart."""
    return [
        gxe.ExpectTableColumnsToMatchOrderedList(
            column_list=list(gate_columns(mart)),
            description=(
                "exactly the mart columns of marts.md §1 in order (plus the gate's helpers "
                f"{DISTRIBUTION_GAP}, {DISTRIBUTION_SLACK}, {EXCESS_DECIMALS})"
            ),
        ),
        _unique_key(gxe, ESTIMATES),
        *_never_null(gxe, ESTIMATES),
        gxe.ExpectColumnValuesToBeInSet(
            column="measure", value_set=list(measures), description=f"a measure of {mart}"
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="breakdown", value_set=list(BREAKDOWNS), description="a breakdown of §4"
        ),
    ]


def _estimate_ranges(gxe, measures: tuple[str, ...]) -> list:
    """The range of each number: shares and means, se and deff, the interval around the
    estimate."""
    from great_expectations.expectations.row_conditions import Column

    shares = Column("measure").is_not_in(list(MEAN_RANGES))
    return [
        *(
            gxe.ExpectColumnValuesToBeBetween(
                column=c,
                min_value=0,
                max_value=1,
                row_condition=shares,
                description=f"{c} of a share is in [0, 1]",
            )
            for c in _SHARE_COLUMNS
        ),
        *(
            gxe.ExpectColumnValuesToBeBetween(
                column="estimate",
                min_value=low,
                max_value=high,
                row_condition=Column("measure") == measure,
                description=f"the {measure} estimate is in [{low}, {high}]",
            )
            for measure, (low, high) in MEAN_RANGES.items()
            if measure in measures
        ),
        *(
            gxe.ExpectColumnValuesToBeBetween(
                column=c, min_value=0, description=f"{c} is not negative"
            )
            for c in ("se", "deff")
        ),
        _ordered(gxe, "ci_lower", "estimate"),
        _ordered(gxe, "estimate", "ci_upper"),
    ]


def _suppression_kinds(gxe, min_cell_size: int) -> list:
    """Which suppression a row has: primary exactly below the minimum cell size, and
    `suppressed` agreeing with it."""
    from great_expectations.expectations.row_conditions import Column

    hidden, shown = _hidden_and_shown()
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="suppression",
            value_set=list(SUPPRESSION_KINDS),
            description="suppression is one of " + ", ".join(SUPPRESSION_KINDS),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="suppression",
            value_set=["primary"],
            row_condition=Column("n") < min_cell_size,
            description=f"primary suppression when n < {min_cell_size}",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="suppression",
            value_set=["none", "secondary"],
            row_condition=Column("n") >= min_cell_size,
            description=f"no primary suppression when n >= {min_cell_size}",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="suppression",
            value_set=["primary", "secondary"],
            row_condition=hidden,
            description="suppressed exactly when suppression is primary or secondary",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="suppression",
            value_set=["none"],
            row_condition=shown,
            description="not suppressed exactly when suppression is none",
        ),
    ]


def _suppressed_values(gxe) -> list:
    """The numbers of a suppressed row are NULL; those of a shown row are present, but for
    what the last level withholds (marts.md §8)."""
    from great_expectations.expectations.row_conditions import Column

    hidden, shown = _hidden_and_shown()
    return [
        *(
            gxe.ExpectColumnValuesToBeNull(
                column=c, row_condition=hidden, description=f"{c} is NULL when suppressed"
            )
            for c in VALUE_COLUMNS
        ),
        *(
            gxe.ExpectColumnValuesToNotBeNull(
                column=c, row_condition=shown, description=f"{c} is present when not suppressed"
            )
            for c in VALUE_COLUMNS
            if c not in (*WITHHELD_COLUMNS, *INTERVAL_COLUMNS)
        ),
        # the interval is withheld only with se and deff (the last level), both bounds at once
        *(
            gxe.ExpectColumnValuesToNotBeNull(
                column=c,
                row_condition=shown & Column(other).is_not_null(),
                description=f"{c} is present when not suppressed, unless withheld with {other}",
            )
            for c, other in (("ci_lower", "se"), ("ci_upper", "ci_lower"), ("ci_lower", "ci_upper"))
        ),
        # se and deff are withheld together, on a group the reconstruction audit coarsened
        *(
            gxe.ExpectColumnValuesToNotBeNull(
                column=c,
                row_condition=shown & Column(other).is_not_null(),
                description=f"{c} is present when not suppressed, unless withheld with {other}",
            )
            for c, other in (("se", "deff"), ("deff", "se"))
        ),
    ]


def _distribution_sums(gxe, measures: tuple[str, ...]) -> list:
    """The estimates of a distribution measure sum to 1; none for a mart without one."""
    distributions = [d for d in DISTRIBUTIONS if d in measures]
    if not distributions:
        return []
    return [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=DISTRIBUTION_SLACK,
            column_B=DISTRIBUTION_GAP,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description=(
                "the estimates of a distribution measure ("
                + ", ".join(distributions)
                + ") sum to 1 per (wave, breakdown, group_code), among unsuppressed "
                "groups, within what rounding explains: half a unit of the group's "
                "precision per item"
            ),
        )
    ]
