"""What the JSON-stat datasets and the workbook show besides the Parquet's numbers.

Both formats say the same things in the same words: the Norwegian names of the marts,
breakdowns and columns, the method in one line per language, and the symbol that stands
where a number is not published. The symbols are SSB's (statbank, PxWebApi 2), so a reader
of SSB's tables reads ours the same way:

- `:` hidden for confidentiality: every number of a suppressed row (primary and secondary
  alike, so the symbol never tells which), and a number a published row withholds at a
  coarser precision level (marts.md §8: se, deff, a change's se and p_value, the interval);
- `..` no figure: a group with no respondents in the wave (it has no row), a p-value where
  the standard error is 0, a test where the covariance matrix is singular;
- `.` not applicable: the trend test of a breakdown whose groups have no order (§7).
"""

from __future__ import annotations

from pipelines.marts.breakdowns import BREAKDOWNS, trend_order
from pipelines.marts.disclosure_rules import COARSENED_COLUMNS, PUBLISHED_DECIMALS
from pipelines.marts.shapes import SHAPES

SOURCE = "KS – Innovasjonsbarometeret"
CONFIDENTIAL = ":"
NO_FIGURE = ".."
NOT_APPLICABLE = "."

LEGEND = {
    CONFIDENTIAL: (
        "Vises ikke av konfidensialitetshensyn (skjult eller holdt tilbake)",
        "Not shown for confidentiality (suppressed or withheld)",
    ),
    NO_FIGURE: (
        "Tall mangler (ingen respondenter i gruppen, eller tallet kan ikke beregnes)",
        "No figure (no respondents in the group, or the number cannot be computed)",
    ),
    NOT_APPLICABLE: (
        "Lar seg ikke føre opp (trendtest bare for ordnede grupper)",
        "Not applicable (trend test for ordered groups only)",
    ),
}

MART_LABELS = {
    "innovation": "Innovasjon",
    "factors": "Fremmende og hemmende faktorer",
    "failures": "Resultatløse innovasjonsforsøk",
    "culture_index": "Innovasjonskultur",
    "reform_pressure": "Kommunereformen",
    "changes": "Endring fra tidligere år",
    "differences": "Forskjeller mellom grupper",
}

# the same in English (DCAT-AP-NO's titles are in nb and en)
MART_LABELS_EN = {
    "innovation": "Innovation",
    "factors": "Factors that promoted and inhibited innovation",
    "failures": "Failed innovation attempts",
    "culture_index": "Innovation culture",
    "reform_pressure": "The municipal reform",
    "changes": "Change from earlier waves",
    "differences": "Differences between groups",
}

BREAKDOWN_LABELS = {
    "total": "I alt",
    "sector": "Sektor",
    "municipality_size": "Kommunestørrelse",
    "centrality": "Sentralitet",
    "region": "Landsdel",
    "employees": "Antall ansatte",
    "economy": "Kommuneøkonomi",
    "innovation_status": "Innovasjonsstatus",
    "merger": "Kommunesammenslåing",
    "government_level": "Forvaltningsnivå",
}
assert BREAKDOWN_LABELS.keys() == BREAKDOWNS.keys()

# One Norwegian heading per published column of every mart (English: vocabulary.Column).
HEADINGS = {
    "wave": "År (bølge)",
    "wave_from": "Fra år",
    "wave_to": "Til år",
    "mart": "Tema",
    "measure": "Mål",
    "item": "Element (kode)",
    "item_label": "Element",
    "breakdown": "Inndeling",
    "group_code": "Gruppe (kode)",
    "group_label": "Gruppe",
    "n": "Antall svar",
    "estimate": "Estimat",
    "ci_lower": "Nedre grense (95 %)",
    "ci_upper": "Øvre grense (95 %)",
    "se": "Standardfeil",
    "deff": "Designeffekt",
    "suppression": "Skjuling",
    "suppressed": "Skjult",
    "estimate_from": "Estimat fra",
    "estimate_to": "Estimat til",
    "difference": "Endring",
    "p_value": "p-verdi",
    "groups": "Antall grupper",
    "groups_left_out": "Skjulte grupper",
    "statistic": "Wald-observator",
    "df": "Frihetsgrader",
    "q_value": "q-verdi (Benjamini–Hochberg)",
    "trend_z": "Trend (z)",
    "trend_p": "p-verdi for trend",
}
assert HEADINGS.keys() == {c.name for shape in SHAPES.values() for c in shape.columns}

# The numbers of each mart, in the order the JSON-stat metric dimension lists them.
VALUE_COLUMNS = {
    "estimates": ("estimate", "ci_lower", "ci_upper", "se", "deff", "n"),
    "changes": (
        "estimate_from",
        "estimate_to",
        "difference",
        "se",
        "ci_lower",
        "ci_upper",
        "p_value",
    ),
    "differences": ("statistic", "df", "p_value", "q_value", "trend_z", "trend_p", "groups"),
}
INTEGER_COLUMNS = ("n", "df", "groups")
# the columns that hold a share (or a difference of shares) where the row's measure is one:
# the columns on the estimate's scale, which §8's coarser levels coarsen
SHARE_COLUMNS = COARSENED_COLUMNS


def value_columns(mart: str) -> tuple[str, ...]:
    return VALUE_COLUMNS.get(mart, VALUE_COLUMNS["estimates"])


def decimals(column: str, kind: str) -> int:
    """The decimals §8 keeps for ``column`` in a row of ``kind``."""
    if column in INTEGER_COLUMNS:
        return 0
    return getattr(PUBLISHED_DECIMALS[column], kind)


def missing_symbol(mart: str, row: dict, column: str) -> str:
    """The symbol standing for the NULL ``column`` of ``row`` (see the module docstring)."""
    if mart == "differences":
        if column.startswith("trend_") and trend_order(row["measure"], row["breakdown"]) is None:
            return NOT_APPLICABLE
        return NO_FIGURE
    if mart == "changes" and column == "p_value" and row["se"] == 0:
        return NO_FIGURE
    # an estimate or change row leaves a number NULL only when it is suppressed or withholds it
    return CONFIDENTIAL


def _decimals_phrase(nb: bool) -> str:
    share, mean = PUBLISHED_DECIMALS["estimate"]
    se_share, se_mean = PUBLISHED_DECIMALS["se"]
    p = PUBLISHED_DECIMALS["p_value"].share
    if nb:
        return (
            f"andeler til {share} desimaler, gjennomsnitt til {mean}, standardfeil til "
            f"{se_share} og {se_mean}, p-verdier til {p}"
        )
    return (
        f"shares to {share} decimals, means to {mean}, standard errors to {se_share} and "
        f"{se_mean}, p-values to {p}"
    )


def method_lines(min_cell_size: int) -> tuple[str, str]:
    """The estimation method in one line, in Norwegian and in English."""
    nb = (
        "Vektede (poststratifiserte) estimater; designbasert varians (stratifisert enkelt "
        "tilfeldig utvalg uten tilbakelegging, Taylor-linearisering som Rs survey-pakke); "
        "Wilson-intervall på effektivt utvalg; grupper med færre enn "
        f"{min_cell_size} svar skjules, og en gruppe til der en tabell ellers ville hatt "
        f"nøyaktig én skjult gruppe (sekundær skjuling); tallene er avrundet "
        f"({_decimals_phrase(True)}), noen grupper grovere."
    )
    en = (
        "Weighted (post-stratified) estimates; design-based variance (stratified simple "
        "random sampling without replacement, Taylor linearisation as R's survey package); "
        "Wilson interval on the effective sample size; groups with fewer than "
        f"{min_cell_size} respondents are suppressed, and one more group where a table would "
        "otherwise have exactly one suppressed group (secondary suppression); numbers are "
        f"rounded ({_decimals_phrase(False)}), some groups more coarsely."
    )
    return nb, en
