"""The marts and their measures (marts.md §3): mart names, the measures of each mart, the
comparison marts, and what each published mart holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from pipelines.survey import questionnaire as q

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


def description(mart: str) -> str:
    """What a published mart holds, in a sentence."""
    if mart == "changes":
        return "Change of every estimate from every earlier published wave."
    if mart == "differences":
        return "Whether the groups of each table of the wave differ."
    return MART[mart].description
