"""The chart sections of a wave's page: one chart of a mart each, the figures behind it and,
in words, whether its groups differ (marts.md §7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.marts.measures import MEASURES
from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.rows import MartRow, has_wave, read_rows, read_test
from pipelines.report.statements.significance import SIGNIFICANCE
from pipelines.warehouse import label_tables

Con = duckdb.DuckDBPyConnection

SIZE_BREAKDOWN = "municipality_size"
BREAKDOWN_WORDS = {
    "sector": "sektorene",
    "municipality_size": "kommunestørrelsene",
    "centrality": "sentralitetsgruppene",
    "region": "landsdelene",
    "employees": "antall ansatte",
    "economy": "kommuneøkonomiene",
    "total": "verdiene av kulturindeksen",
}

_ITEM_ORDER = {(m, item): i for i, (m, item, _, _) in enumerate(label_tables.item_rows())}
_ITEM_LABELS = {(m, item): label for m, item, label, _ in label_tables.item_rows()}


@dataclass(frozen=True)
class Chart:
    drawing: charts.Drawing
    # (measure, row) behind the chart, in the order of its table
    data: list[tuple[str, MartRow]]
    note: str = ""


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str
    mart: str
    about: str
    # the chart of a wave; None when the mart has no rows of the measures and groups it draws
    build: Callable[[Con, int], Chart | None]


@dataclass(frozen=True)
class DataRow:
    """A row of the table behind a chart, as written."""

    measure: str
    item: str
    group: str
    n: str
    estimate: str
    interval: str


@dataclass(frozen=True)
class ShownSection:
    """A section as the page shows it: its chart, or why it has none."""

    section: Section
    # the chart as inline SVG, its ids prefixed with the section's anchor; "" for none
    svg: str = ""
    table: tuple[DataRow, ...] = ()
    note: str = ""
    missing: str = ""


def _ordered(rows: list[MartRow], measure: str, breakdown: str) -> list[MartRow]:
    """Rows in codebook order: items as label_tables.py lists them, groups as marts.md §4 does."""
    groups = list(BREAKDOWNS[breakdown].groups)
    return sorted(rows, key=lambda r: (_ITEM_ORDER[(measure, r.item)], groups.index(r.group_code)))


def _rows(con: Con, mart: str, wave: int, measure: str, breakdown: str) -> list[MartRow]:
    return _ordered(read_rows(con, mart, wave, measure, breakdown), measure, breakdown)


def _group_tests(con: Con, wave: int, mart: str, tables: list[tuple[str, str, str]]) -> str:
    """In words, whether the groups of each (measure, item, breakdown) differ (marts.md §7);
    a table without a test (fewer than two published groups) is left out."""
    sentences = []
    for measure, item, breakdown in tables:
        test = read_test(con, wave, mart, measure, item, breakdown)
        if test is None or test.p_value is None or test.q_value is None:
            continue
        name = f"{_ITEM_LABELS[(measure, item)]}: " if item else ""
        among = BREAKDOWN_WORDS[breakdown]
        if test.p_value < SIGNIFICANCE:
            verdict = f"{name}forskjellen mellom {among} er statistisk sikker"
        else:
            verdict = f"{name}ingen statistisk sikker forskjell mellom {among}"
        verdict += f" (p {fmt.p_value(test.p_value)}, q {fmt.p_value(test.q_value)}"
        if test.trend_z is not None and test.trend_p is not None:
            direction = "stigende" if test.trend_z > 0 else "synkende"
            if test.trend_p < SIGNIFICANCE:
                verdict += f"; {direction} trend, p {fmt.p_value(test.trend_p)}"
            else:
                verdict += f"; ingen sikker trend, p {fmt.p_value(test.trend_p)}"
        if test.groups_left_out:
            verdict += f"; skjulte grupper holdt utenfor: {test.groups_left_out}"
        sentences.append(verdict[0].upper() + verdict[1:] + ").")
    if not sentences:
        return ""
    return (
        "Forskjeller mellom gruppene (test av at alle viste grupper er like; q er p-verdien "
        "justert for at mange tester gjøres samtidig, og under 0,05 er forskjellen sikker "
        "også da): " + " ".join(sentences)
    )


def _factors(con: Con, wave: int) -> Chart | None:
    by_measure = {
        measure: {
            (r.item, r.group_code): r
            for breakdown in ("total", "sector")
            for r in _rows(con, "factors", wave, measure, breakdown)
        }
        for measure in ("promoted", "inhibited")
    }
    promoted, inhibited = by_measure["promoted"], by_measure["inhibited"]
    panels = []
    for code in ("all", *BREAKDOWNS["sector"].groups):
        rows = {
            item: (promoted[(item, g)], inhibited[(item, g)])
            for item, g in promoted
            if g == code and (item, g) in inhibited
        }
        if rows:
            label = next(iter(rows.values()))[0].group_label
            panels.append(charts.FactorPanel(label, rows))
    if not panels:
        return None
    items = {item: row.item_label for (item, _), row in promoted.items()}

    def most_promoted_first(item: str) -> tuple[bool, float, str]:
        # a factor without a total estimate goes last
        row = promoted.get((item, "all"))
        estimate = row.estimate if row is not None else None
        return (estimate is None, -(estimate or 0.0), item)

    order = sorted(items, key=most_promoted_first)
    factors = [(item, items[item]) for item in order]
    drawing = charts.Drawing.of(
        charts.factor_chart,
        "Andel ledere som sier at hver faktor fremmet og hemmet den nyeste innovasjonen, "
        "i alt og etter sektor",
        factors,
        panels,
    )
    data = [
        (measure, row)
        for panel in panels
        for item in order
        if item in panel.rows
        for measure, row in zip(("promoted", "inhibited"), panel.rows[item], strict=True)
    ]
    return Chart(drawing, data, _sector_differences(con, wave, order))


def _sector_differences(con: Con, wave: int, factors: list[str]) -> str:
    """Which factors the sectors see differently (marts.md §7), in one sentence per measure."""
    sentences = []
    for measure, verb in (("promoted", "fremmet"), ("inhibited", "hemmet")):
        differing = []
        for item in factors:
            test = read_test(con, wave, "factors", measure, item, "sector")
            if test is not None and test.p_value is not None and test.p_value < SIGNIFICANCE:
                assert test.q_value is not None
                differing.append(
                    f"{_ITEM_LABELS[(measure, item)]} (p {fmt.p_value(test.p_value)}, "
                    f"q {fmt.p_value(test.q_value)})"
                )
        if differing:
            sentences.append(
                f"Sektorene skiller seg statistisk sikkert fra hverandre i hvor mange som sier "
                f"at faktoren {verb} innovasjonen for: {'; '.join(differing)}. For de øvrige "
                "faktorene er forskjellen mellom sektorene ikke statistisk sikker."
            )
        else:
            sentences.append(
                f"Ingen statistisk sikker forskjell mellom sektorene i hvilke faktorer som {verb} "
                "innovasjonen."
            )
    return " ".join(sentences)


def _innovation(con: Con, wave: int) -> Chart | None:
    total = _rows(con, "innovation", wave, "innovative", "total")
    by = {
        "Etter sektor": _rows(con, "innovation", wave, "innovative", "sector"),
        "Etter kommunestørrelse": _rows(con, "innovation", wave, "innovative", SIZE_BREAKDOWN),
    }
    # the total leads each panel as the yardstick for its groups
    panels = [
        charts.Panel(title, tuple(charts.Bar(r.group_label, r) for r in total + rows))
        for title, rows in by.items()
        if rows
    ]
    if not panels:
        return None
    drawing = charts.Drawing.of(
        charts.share_chart,
        "Andel virksomheter som har innført minst én innovasjon, etter sektor og kommunestørrelse",
        panels,
    )
    data = total + [r for group_rows in by.values() for r in group_rows]
    note = _group_tests(
        con, wave, "innovation", [("innovative", "", b) for b in ("sector", SIZE_BREAKDOWN)]
    )
    return Chart(drawing, [("innovative", r) for r in data], note)


def _failures(con: Con, wave: int) -> Chart | None:
    rows = [r for b in ("total", "sector") for r in _rows(con, "failures", wave, "failure_type", b)]
    if not rows:
        return None
    titles = {r.item: r.item_label for r in rows}
    panels = [
        charts.Panel(label, tuple(charts.Bar(r.group_label, r) for r in rows if r.item == item))
        for item, label in titles.items()
    ]
    drawing = charts.Drawing.of(
        charts.share_chart,
        "Fordeling av de resultatløse innovasjonsforsøkene på type, i alt og etter sektor",
        panels,
        columns=2,
        share_y=True,
    )
    by_type = [r for item in titles for r in rows if r.item == item]
    note = _group_tests(con, wave, "failures", [("failure_type", i, "sector") for i in titles])
    return Chart(drawing, [("failure_type", r) for r in by_type], note)


def _items_chart(title: str, panel: str, rows: list[MartRow], **options) -> charts.Drawing:
    """One panel with a bar per item of ``rows``."""
    bars = tuple(charts.Bar(r.item_label, r) for r in rows)
    return charts.Drawing.of(charts.share_chart, title, [charts.Panel(panel, bars)], **options)


def _culture(con: Con, wave: int) -> Chart | None:
    rows = _rows(con, "culture_index", wave, "innovative_by_index", "total")
    if not rows:
        return None
    drawing = _items_chart(
        "Andel virksomheter som har innført innovasjon, etter verdien av kulturindeksen",
        "Kulturindeks: antall av fem utsagn lederen er helt eller delvis enig i",
        rows,
        x_label="Andel som har innført innovasjon, med 95 % konfidensintervall",
    )
    note = _group_tests(con, wave, "culture_index", [("innovative_by_index", "", "total")])
    return Chart(drawing, [("innovative_by_index", r) for r in rows], note)


def _reform(con: Con, wave: int) -> Chart | None:
    rows = _rows(con, "reform_pressure", wave, "pressure", "total")
    merging = _rows(con, "reform_pressure", wave, "in_merging_unit", "total")
    if not rows:
        return None
    drawing = _items_chart(
        "Om sammenslåingen 1.1.2020 ga mer, like mye eller mindre innovasjonstrykk",
        "Virksomheter i kommuner og fylkeskommuner som slo seg sammen",
        rows,
    )
    note = "".join(
        f"{MEASURES['in_merging_unit'].label}: {fmt.estimate('in_merging_unit', r)}."
        for r in merging
    )
    data = [("in_merging_unit", r) for r in merging] + [("pressure", r) for r in rows]
    return Chart(drawing, data, note)


SECTIONS = (
    Section(
        "faktorer",
        "Hva fremmet og hva hemmet den nyeste innovasjonen",
        "factors",
        "Ledere i virksomheter som har innført innovasjon, om hver faktor fremmet eller "
        "hemmet den nyeste innovasjonen (i stor eller noen grad).",
        _factors,
    ),
    Section(
        "innovasjon",
        "Innovasjon etter sektor og kommunestørrelse",
        "innovation",
        "Andel virksomheter som har innført minst én innovasjon de to siste årene.",
        _innovation,
    ),
    Section(
        "mislykket",
        "Resultatløse innovasjonsforsøk etter type og sektor",
        "failures",
        "Blant virksomheter med forsøk som ikke ga ønsket forbedring: hvilken type forsøket var.",
        _failures,
    ),
    Section(
        "kultur",
        "Kulturindeks og innovasjon",
        "culture_index",
        "Kulturindeksen teller hvor mange av fem utsagn om arbeidsplassens kultur lederen er "
        "helt eller delvis enig i.",
        _culture,
    ),
    Section(
        "reform",
        "Kommunereformen og innovasjonstrykket",
        "reform_pressure",
        "Virksomheter i kommuner og fylkeskommuner som slo seg sammen 1. januar 2020.",
        _reform,
    ),
)


def _data_row(measure: str, row: MartRow) -> DataRow:
    if row.estimate is None:
        estimate, interval = fmt.suppressed(row), ""
    else:
        estimate = fmt.value(measure, row.estimate)
        interval = (
            "ikke publisert"
            if row.ci_lower is None or row.ci_upper is None
            else fmt.interval(measure, row.ci_lower, row.ci_upper)
        )
    return DataRow(
        MEASURES[measure].label, row.item_label, row.group_label, str(row.n), estimate, interval
    )


def show(con: Con, wave: int, section: Section, drawn: charts.Drawn) -> ShownSection:
    """The section of `wave`: its chart (taken from ``drawn`` where it was drawn before),
    the table behind it and what the tests say."""
    no_figures = f"Ingen tall for {wave}: martet {section.mart} har ingen rader"
    if not has_wave(con, section.mart, wave):
        return ShownSection(section, missing=f"{no_figures} for denne bølgen.")
    chart = section.build(con, wave)
    if chart is None:
        return ShownSection(
            section, missing=f"{no_figures} for målene og gruppene i denne figuren."
        )
    return ShownSection(
        section,
        # the anchors differ from section to section, and so, prefixed, do the charts' ids
        svg=drawn.svg(chart.drawing, section.anchor),
        table=tuple(_data_row(m, r) for m, r in chart.data),
        note=chart.note,
    )
