"""The breakdowns (marts.md §4): how respondents are grouped, with their groups in order, and
the order a trend is tested along (§7)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.marts.measures import MEASURES
from pipelines.survey import questionnaire as q

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
