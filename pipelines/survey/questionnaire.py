"""The canonical questionnaire: the single source for every survey variable.

Names, types, codes with their Norwegian labels and routing (who was asked) are
defined here once (delivery contract §2). The pandera schemas, the SQL checks of
ingest, the label tables that SQL joins and the data dictionary in the docs are
all derived from this module. Which wave asked what is not here: a wave's
codebook (``pipelines/survey/codebooks/<wave>.toml``) lists the variables it carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "municipality", "code", "flag", "text", "timestamp"]

YES_NO_DK = {1: "Ja", 2: "Nei", 9: "Vet ikke"}
FLAG = {0: "Nei", 1: "Ja"}


@dataclass(frozen=True)
class Condition:
    """Routing condition: ``variable`` takes one of ``values``.

    ``variable`` may be a canonical variable or a derived flag
    (``innovator``, ``in_merging_unit``), which both the SQL staging and the
    pandas side compute.
    """

    variable: str
    values: tuple

    def sql(self) -> str:
        listed = ", ".join(_sql_literal(v) for v in self.values)
        return f"{self.variable} IN ({listed})"


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(int(value))


@dataclass(frozen=True)
class Variable:
    name: str
    kind: Kind
    question: str
    codes: dict[int, str] = field(default_factory=dict)
    # Conditions that must all hold for a respondent to be asked; empty = everyone.
    routing: tuple[Condition, ...] = ()
    group: str = ""

    @property
    def routed(self) -> bool:
        return bool(self.routing)

    def routing_sql(self) -> str:
        return " AND ".join(c.sql() for c in self.routing) or "true"


INNOVATOR = Condition("innovator", (True,))
NON_INNOVATOR = Condition("innovator", (False,))
DEVELOPING = Condition("utvikling", (1,))
CORE_TASK = Condition("kjerne", (1, 2))
FAILED = Condition("mislykket", (1,))
MERGING = Condition("in_merging_unit", (True,))

VIRKSOMHETSTYPER: dict[int, tuple[str, int]] = {
    # code: (label, forvaltningsniva)
    11: ("Sykehjem / alders- og sykehjem", 1),
    12: ("Hjemmetjenester", 1),
    13: ("Helsestasjon og skolehelsetjeneste", 1),
    14: ("Legevakt og legetjenester", 1),
    21: ("Barnehage", 1),
    22: ("Grunnskole", 1),
    23: ("Skolefritidsordning (SFO)", 1),
    24: ("Videregående skole", 2),
    25: ("PP-tjeneste", 1),
    31: ("NAV-kontor, kommunal del", 1),
    32: ("Barnevern", 1),
    33: ("Rus og psykisk helse", 1),
    41: ("Bibliotek", 1),
    42: ("Kulturskole", 1),
    43: ("Kultur- og fritidstjenester", 1),
    44: ("Kulturarv og fylkesbibliotek", 2),
    51: ("Vann og avløp", 1),
    52: ("Vei og park", 1),
    53: ("Eiendom og bygg", 1),
    54: ("Fylkesvei", 2),
}

SEKTORER = {
    1: "Helse og omsorg",
    2: "Oppvekst og utdanning",
    3: "Sosial",
    4: "Kultur",
    5: "Teknisk",
}

FORVALTNINGSNIVAER = {1: "Kommune", 2: "Fylkeskommune"}

ANSATTE = {1: "Under 10", 2: "10–19", 3: "20–49", 4: "50–99", 5: "100 eller flere"}

# Innovation types: item code used in the marts -> label.
INNOVATION_TYPES = {
    "tjeneste": "Tjenester",
    "produkt": "Produkter",
    "prosess": "Prosesser eller organisering",
    "kommunikasjon": "Kommunikasjon med omverdenen",
}

FACTORS = {
    # factor code: (item, label)
    1: ("forsvarlig_drift", "Vårt fokus på forsvarlig drift"),
    2: ("feilhandtering", "Måten vi håndterer feil på"),
    3: ("internt_samarbeid", "Måten vi samarbeider internt på arbeidsplassen på"),
    4: ("ny_teknologi", "Ny teknologi"),
    5: ("okonomi", "Begrensede økonomiske ressurser"),
    6: ("medarbeidere", "Medarbeidernes medvirkning"),
    7: ("brukere", "Tjenestemottakeres og innbyggernes medvirkning"),
    8: ("politikk", "(Fylkes)kommunens politiske vedtak og prioriteringer"),
    9: ("offentlig_samarbeid", "Samarbeid med andre offentlige virksomheter"),
    10: ("lover_krav", "Lover og nasjonalt fastsatte krav"),
    11: ("organisasjon", "Organisasjonsforandringer"),
}

FACTOR_SCALE = {
    1: "Hemmet i stor grad",
    2: "Hemmet i noen grad",
    3: "Hemmet i liten grad",
    4: "Fremmet i liten grad",
    5: "Fremmet i noen grad",
    6: "Fremmet i stor grad",
    7: "Ikke relevant",
    9: "Vet ikke",
}

REASONS = {
    "samarbeid": "Sviktende samarbeid",
    "planlegging": "For dårlig planlegging internt",
    "okonomi": "Manglende økonomiske ressurser",
    "forankring": "Ikke god nok forankring internt",
    "kompetanse": "Manglende kompetanse",
    "teknologi": "Teknologien fungerte ikke som forventet",
    "annet": "Annet",
}

CULTURE_STATEMENTS = {
    "ideer": "Vi verdsetter personer som kommer med nye idéer, selv om de ikke kan brukes",
    "laere_av_feil": "Vi arbeider systematisk med å lære av egne feil",
    "gjenbruk": "Det er lett for oss å gjenbruke løsninger fra andre arbeidsplasser",
    "nye_veier": "Vi går gjerne nye veier, selv om det er en risiko for at vi gjør feil",
    "pilot_til_drift": "Det er lett for oss å ta pilotprosjekter inn i ordinær drift",
}

AGREEMENT = {1: "Helt enig", 2: "Delvis enig", 3: "Delvis uenig", 4: "Helt uenig", 9: "Vet ikke"}

KJERNE = {
    1: "Ja, nåværende kjerneoppgaver",
    2: "Ja, fremtidige kjerneoppgaver",
    3: "Nei",
    9: "Vet ikke",
}

NYHET = {
    1: "Forbedring av tidligere praksis",
    2: "Helt ny tilnærming som bryter med tidligere praksis",
    9: "Vet ikke",
}

MISLYKKET_TYPE = {
    1: "Tjeneste",
    2: "Produkt",
    3: "Prosess eller organisatorisk",
    4: "Kommunikasjon",
}

REFORM_TRYKK = {
    1: "Større innovasjonstrykk",
    2: "Omtrent som før",
    3: "Mindre innovasjonstrykk",
    9: "Vet ikke",
}


# In the questionnaire's order; a battery asks one variable per item.
VARIABLES: tuple[Variable, ...] = (
    Variable("resp_id", "id", "Respondent-ID", group="bakgrunn"),
    Variable("kommunenr", "municipality", "Kommunen arbeidsplassen ligger i", group="bakgrunn"),
    Variable("forvaltningsniva", "code", "Forvaltningsnivå", FORVALTNINGSNIVAER, group="bakgrunn"),
    Variable("sektor", "code", "Sektor", SEKTORER, group="bakgrunn"),
    Variable(
        "virksomhetstype",
        "code",
        "Type arbeidsplass",
        {code: label for code, (label, _) in VIRKSOMHETSTYPER.items()},
        group="bakgrunn",
    ),
    Variable("ansatte", "code", "Antall ansatte", ANSATTE, group="bakgrunn"),
    *(
        Variable(
            f"innov_{item}",
            "code",
            f"Innført nye eller vesentlig endrede {label.lower()} de to siste årene",
            YES_NO_DK,
            group="innovasjon",
        )
        for item, label in INNOVATION_TYPES.items()
    ),
    Variable(
        "utvikling",
        "code",
        "Har det pågått utvikling av nye løsninger?",
        YES_NO_DK,
        (NON_INNOVATOR,),
        group="innovasjon",
    ),
    Variable(
        "storste_hemmer",
        "code",
        "Hva var den største hemmeren?",
        {code: label for code, (_, label) in FACTORS.items()} | {99: "Vet ikke"},
        (NON_INNOVATOR, DEVELOPING),
        group="faktorer",
    ),
    *(
        Variable(
            f"nyeste_{item}",
            "flag",
            f"Den nyeste innovasjonen gjelder {label.lower()}",
            FLAG,
            (INNOVATOR,),
            group="innovasjon",
        )
        for item, label in INNOVATION_TYPES.items()
    ),
    Variable(
        "kjerne",
        "code",
        "Griper den nyeste innovasjonen direkte inn i arbeidsplassens kjerneoppgaver?",
        KJERNE,
        (INNOVATOR,),
        group="innovasjon",
    ),
    Variable(
        "nyhet",
        "code",
        "Er innovasjonen en forbedring eller en helt ny tilnærming?",
        NYHET,
        (INNOVATOR, CORE_TASK),
        group="innovasjon",
    ),
    *(
        Variable(
            f"f_{item}",
            "code",
            f"I hvilken grad fremmet eller hemmet faktoren den nyeste innovasjonen: {label}",
            FACTOR_SCALE,
            (INNOVATOR,),
            group="faktorer",
        )
        for item, label in FACTORS.values()
    ),
    Variable(
        "mislykket",
        "code",
        "Igangsatt innovasjon som ikke ga forventet forbedring de to siste årene?",
        YES_NO_DK,
        group="mislykkede forsøk",
    ),
    Variable(
        "mislykket_type",
        "code",
        "Type av det (siste) mislykkede forsøket",
        MISLYKKET_TYPE,
        (FAILED,),
        group="mislykkede forsøk",
    ),
    *(
        Variable(
            f"arsak_{item}",
            "flag",
            f"Hvorfor lyktes det ikke: {label}",
            FLAG,
            (FAILED,),
            group="mislykkede forsøk",
        )
        for item, label in REASONS.items()
    ),
    *(
        Variable(f"kultur_{item}", "code", label, AGREEMENT, group="kultur")
        for item, label in CULTURE_STATEMENTS.items()
    ),
    Variable(
        "reform_trykk",
        "code",
        "Har kommune-/regionreformen gitt større innovasjonstrykk?",
        REFORM_TRYKK,
        (MERGING,),
        group="reform",
    ),
    Variable(
        "fritekst_nyeste",
        "text",
        "Beskrivelse av den nyeste innovasjonen (fritekst, forlater aldri varehuset)",
        routing=(INNOVATOR,),
        group="innovasjon",
    ),
    Variable("startet", "timestamp", "Intervjuet startet", group="intervju"),
    Variable("fullfort", "timestamp", "Intervjuet fullført", group="intervju"),
)
BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}

INNOVATION_COLUMNS = tuple(f"innov_{item}" for item in INNOVATION_TYPES)

# Derived flags that routing refers to, with how SQL computes them from
# canonical columns (in_merging_unit needs the municipality dimension).
DERIVED_FLAGS = ("innovator", "in_merging_unit")


def variable(name: str) -> Variable:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a canonical variable of the questionnaire") from None
