"""The marts' vocabulary, defined once (marts.md §1, §3–§8).

Mart names, the measures of each mart, the breakdowns with their groups in order, the
published columns of every mart with their descriptions, the minimum cell size with its
floor, and the precision every published number is rounded to. As `questionnaire.py` is for
the survey's variables, this module is for the marts: the warehouse tables and views, the
label tables the SQL joins, the quality gate's rules, publishing, the catalog, the report
and the Dagster UI all take these from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import pyarrow as pa

from pipelines import questionnaire as q

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


# --- measures and marts (marts.md §3) ----------------------------------------------------


class Item(NamedTuple):
    """One item of a measure: a factor, reason, statement, category or band."""

    name: str
    # Norwegian, as the label tables and the report show it
    label: str
    # the answer code of the question the item stands for; the marts join on it
    code: int | None = None


# A measure without items has one row per group, its item ''.
NO_ITEMS = (Item("", ""),)


def _coded(labels: dict[int, str], items: dict[str, int]) -> tuple[Item, ...]:
    """Items that each stand for one answer code of a question, labelled as the code."""
    return tuple(Item(name, labels[code], code) for name, code in items.items())


def _labelled(labels: dict[str, str]) -> tuple[Item, ...]:
    return tuple(Item(name, label) for name, label in labels.items())


FACTOR_ITEMS = tuple(Item(item, label, code) for code, (item, label) in q.FACTORS.items())


@dataclass(frozen=True)
class Measure:
    name: str
    # Norwegian, as the report shows it
    label: str
    # denominator and what counts, in English (the Dagster UI and the docs)
    description: str
    # a share; a mean on a scale; or a share whose items split the denominator, so the
    # estimates of a group add up to 1
    kind: Literal["share", "mean", "distribution"] = "share"
    scale: tuple[int, int] | None = None
    # in the order of marts.md §3 (ties of secondary suppression go to the first)
    items: tuple[Item, ...] = NO_ITEMS
    # its items are the groups of its table (§5, §7): the measure is estimated for the total
    # only, and suppression and the tests compare its items as other tables compare groups
    items_are_groups: bool = False


@dataclass(frozen=True)
class Mart:
    name: str
    description: str
    measures: tuple[Measure, ...]

    @property
    def measure_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.measures)


ESTIMATE_MARTS = (
    Mart(
        "innovation",
        "Whether workplaces innovate, how, and how new their latest innovation is.",
        (
            Measure(
                "innovative",
                "Har innført innovasjon",
                "all workplaces: introduced at least one innovation in the last two years",
            ),
            Measure(
                "innovation_type",
                "Type innovasjon",
                "all workplaces: introduced an innovation of the item's type",
                items=_labelled(q.INNOVATION_TYPES),
            ),
            Measure(
                "development_underway",
                "Har innovasjon under utvikling",
                "non-innovators: an innovation is being developed (utvikling = 1)",
            ),
            Measure(
                "multi_type",
                "Nyeste innovasjon er av flere typer",
                "innovators: the latest innovation is of two or more types",
            ),
            Measure(
                "core_task",
                "Nyeste innovasjon gjelder kjerneoppgaver",
                "innovators: the latest innovation concerns core tasks (kjerne 1 or 2)",
            ),
            Measure(
                "novelty",
                "Hvor ny den nyeste innovasjonen er",
                "innovators whose latest innovation concerns core tasks: how new it is",
                kind="distribution",
                items=_coded(q.NYHET, {"improvement": 1, "new_approach": 2, "dont_know": 9}),
            ),
        ),
    ),
    Mart(
        "factors",
        "What promoted and what inhibited the latest innovation.",
        (
            Measure(
                "promoted",
                "Fremmet i stor eller noen grad",
                "innovators: the factor promoted the latest innovation (answer 5 or 6)",
                items=FACTOR_ITEMS,
            ),
            Measure(
                "inhibited",
                "Hemmet i stor eller noen grad",
                "innovators: the factor inhibited the latest innovation (answer 1 or 2)",
                items=FACTOR_ITEMS,
            ),
            Measure(
                "mean_score",
                "Gjennomsnittlig vurdering av faktoren (1–6)",
                "innovators answering 1–6: the mean answer",
                kind="mean",
                scale=(1, 6),
                items=FACTOR_ITEMS,
            ),
            Measure(
                "biggest_inhibitor",
                "Største hemmer",
                "non-innovators developing an innovation: the factor is the biggest inhibitor",
                items=FACTOR_ITEMS,
            ),
        ),
    ),
    Mart(
        "failures",
        "Attempts at innovation that did not give the improvement hoped for.",
        (
            Measure(
                "failed_attempt",
                "Har hatt et resultatløst innovasjonsforsøk",
                "all workplaces: had an attempt that failed (mislykket = 1)",
            ),
            Measure(
                "failure_type",
                "Type resultatløst forsøk",
                "workplaces with a failed attempt: its type",
                kind="distribution",
                items=_coded(
                    q.MISLYKKET_TYPE,
                    {"tjeneste": 1, "produkt": 2, "prosess": 3, "kommunikasjon": 4},
                ),
            ),
            Measure(
                "failure_reason",
                "Årsak til at forsøket var resultatløst",
                "workplaces with a failed attempt: the item was a reason",
                items=_labelled(q.REASONS),
            ),
        ),
    ),
    Mart(
        "culture_index",
        "The culture index: how many of five statements on innovation culture a leader "
        "agrees with.",
        (
            Measure(
                "agree",
                "Helt eller delvis enig i utsagnet",
                "all workplaces: agrees with the statement (answer 1 or 2)",
                items=_labelled(q.CULTURE_STATEMENTS),
            ),
            Measure(
                "index_distribution",
                "Kulturindeks, fordeling",
                "workplaces with an index: the index equals the item",
                kind="distribution",
                items=tuple(Item(str(k), f"{k} av 5 utsagn", k) for k in range(6)),
            ),
            Measure(
                "mean_index",
                "Kulturindeks, gjennomsnitt",
                "workplaces with an index: the mean index",
                kind="mean",
                scale=(0, 5),
            ),
            Measure(
                "innovative_by_index",
                "Har innført innovasjon",
                "workplaces whose index is in the item's band: introduced an innovation",
                items=_labelled(
                    {"0-2": "0–2 utsagn", "3": "3 utsagn", "4": "4 utsagn", "5": "5 utsagn"}
                ),
                items_are_groups=True,
            ),
        ),
    ),
    Mart(
        "reform_pressure",
        "The 2020 municipal reform: pressure to innovate in merging units (2020 only).",
        (
            Measure(
                "in_merging_unit",
                "I kommune eller fylkeskommune som slo seg sammen 1.1.2020",
                "all workplaces: the municipality (or county) merged on 1 Jan 2020",
            ),
            Measure(
                "pressure",
                "Innovasjonstrykk etter sammenslåingen",
                "workplaces in merging units: more, the same or less pressure to innovate",
                kind="distribution",
                items=_coded(q.REFORM_TRYKK, {"more": 1, "same": 2, "less": 3, "dont_know": 9}),
            ),
        ),
    ),
)
MARTS = tuple(m.name for m in ESTIMATE_MARTS)
MART = {m.name: m for m in ESTIMATE_MARTS}
MEASURES = {measure.name: measure for mart in ESTIMATE_MARTS for measure in mart.measures}
MEAN_RANGES = {name: m.scale for name, m in MEASURES.items() if m.kind == "mean"}
DISTRIBUTIONS = tuple(name for name, m in MEASURES.items() if m.kind == "distribution")
# The measures whose items are the groups of their table.
ITEMS_ARE_GROUPS = tuple(name for name, m in MEASURES.items() if m.items_are_groups)

# The marts that compare the estimates: of a wave with earlier waves (§6), and of the groups
# of a wave with each other (§7).
COMPARISON_MARTS = ("changes", "differences")
PUBLISHED_MARTS = (*MARTS, *COMPARISON_MARTS)

# --- breakdowns (marts.md §4) -------------------------------------------------------------

COUNTY = "county"


@dataclass(frozen=True)
class Breakdown:
    name: str
    description: str
    # group code -> Norwegian label, in the spec's order (ties of secondary suppression go
    # to the first)
    groups: dict[str, str]
    # the groups are ordered, so a trend along them is tested (§7); fylkeskommuner (county)
    # are outside the order
    ordered: bool = False

    @property
    def trend_order(self) -> tuple[str, ...] | None:
        if not self.ordered:
            return None
        return tuple(code for code in self.groups if code != COUNTY)


BREAKDOWN_LIST = (
    Breakdown("total", "all respondents", {"all": "Alle"}),
    Breakdown(
        "sector",
        "sector of the workplace (sektor)",
        {str(code): label for code, label in q.SEKTORER.items()},
    ),
    Breakdown(
        "municipality_size",
        "population of the municipality; fylkeskommune workplaces are county",
        {
            "<5k": "Under 5 000 innbyggere",
            "5k-20k": "5 000–19 999 innbyggere",
            "20k-50k": "20 000–49 999 innbyggere",
            "50k+": "50 000 innbyggere eller flere",
            COUNTY: "Fylkeskommune",
        },
        ordered=True,
    ),
    Breakdown(
        "centrality",
        "SSB centrality class of the municipality",
        {
            "central": "Sentrale kommuner (sentralitetsklasse 1–2)",
            "intermediate": "Mellomsentrale kommuner (sentralitetsklasse 3–4)",
            "peripheral": "Minst sentrale kommuner (sentralitetsklasse 5–6)",
            COUNTY: "Fylkeskommune",
        },
        ordered=True,
    ),
    Breakdown(
        "region",
        "landsdel (NUTS 2) of the municipality",
        {
            "NO02": "Innlandet",
            "NO06": "Trøndelag",
            "NO07": "Nord-Norge",
            "NO08": "Oslo og Viken",
            "NO09": "Agder og Sør-Østlandet",
            "NO0A": "Vestlandet",
        },
    ),
    Breakdown(
        "employees",
        "employees of the workplace (ansatte)",
        {str(code): label for code, label in q.ANSATTE.items()},
        ordered=True,
    ),
    Breakdown(
        "economy",
        "free disposable income of the municipality (KOSTRA group)",
        {
            "low": "Lave frie disponible inntekter",
            "medium": "Middels frie disponible inntekter",
            "high": "Høye frie disponible inntekter",
            COUNTY: "Fylkeskommune",
        },
        ordered=True,
    ),
    Breakdown(
        "innovation_status",
        "introduced an innovation, developing one, or neither",
        {
            "innovator": "Har innført innovasjon",
            "developing": "Ikke innført, men utvikling pågår",
            "neither": "Verken innført eller under utvikling",
        },
    ),
    Breakdown(
        "merger",
        "the municipality or county merged on 1 Jan 2020 (2020 only)",
        {
            "merging": "I kommune eller fylkeskommune som slo seg sammen 1.1.2020",
            "not_merging": "Ikke i sammenslått kommune eller fylkeskommune",
        },
    ),
    Breakdown(
        "government_level",
        "kommune or fylkeskommune (forvaltningsnivå)",
        {str(code): label for code, label in q.FORVALTNINGSNIVAER.items()},
    ),
)
BREAKDOWNS = {b.name: b for b in BREAKDOWN_LIST}


def trend_order(measure: str, breakdown: str) -> tuple[str, ...] | None:
    """The groups of a table in the order its trend is tested along (§7); None: no trend."""
    if MEASURES[measure].items_are_groups:
        return tuple(i.name for i in MEASURES[measure].items)
    return BREAKDOWNS[breakdown].trend_order


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


def description(mart: str) -> str:
    """What a published mart holds, in a sentence."""
    if mart == "changes":
        return "Change of every estimate from every earlier published wave."
    if mart == "differences":
        return "Whether the groups of each table of the wave differ."
    return MART[mart].description
