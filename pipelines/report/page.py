"""One wave's report: a self-contained HTML page of charts and the published statements.

Nothing on the page is fetched at view time (charts are inline SVG, styles inline), and
the page depends only on the marts and the statements file, so the same marts give the
same bytes. The page carries a digest of what it was made from; `write_report` leaves a
page with the same digest as it is, since drawing the charts is most of a warm
`make run`'s report step (bench/, issue 7).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from importlib.metadata import version
from pathlib import Path

import duckdb

from pipelines import labels
from pipelines.publish.fingerprint import code_version
from pipelines.publish.marts import warehouse_table
from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.rows import MartRow, has_wave, read_rows, read_test
from pipelines.report.statements import (
    SIGNIFICANCE,
    TOP_BEFORE_NEXT,
    Result,
    Statement,
    check,
    load_statements,
)
from pipelines.significance import benjamini_hochberg
from pipelines.vocabulary import BREAKDOWNS, PUBLISHED_MARTS, SHAPES

Con = duckdb.DuckDBPyConnection
DRAWN_WITH = ("matplotlib", "numpy")
_INPUTS_TAG = '<meta name="inputs-sha256" content="{}">'
_INPUTS = re.compile(r'<meta name="inputs-sha256" content="([0-9a-f]{64})">')

MEASURE_LABELS = {
    "innovative": "Har innført innovasjon",
    "innovation_type": "Type innovasjon",
    "failed_attempt": "Har hatt et resultatløst innovasjonsforsøk",
    "agree": "Helt eller delvis enig i utsagnet",
    "mean_index": "Kulturindeks, gjennomsnitt",
    "promoted": "Fremmet i stor eller noen grad",
    "inhibited": "Hemmet i stor eller noen grad",
    "failure_type": "Type resultatløst forsøk",
    "innovative_by_index": "Har innført innovasjon",
    "in_merging_unit": "I kommune eller fylkeskommune som slo seg sammen 1.1.2020",
    "pressure": "Innovasjonstrykk etter sammenslåingen",
}
SIZE_BREAKDOWN = "municipality_size"

_ITEM_ORDER = {(m, item): i for i, (m, item, _, _) in enumerate(labels.item_rows())}


def _ordered(rows: list[MartRow], measure: str, breakdown: str) -> list[MartRow]:
    """Rows in codebook order: items as labels.py lists them, groups as marts.md §4 does."""
    groups = list(BREAKDOWNS[breakdown].groups)
    return sorted(rows, key=lambda r: (_ITEM_ORDER[(measure, r.item)], groups.index(r.group_code)))


def _rows(con: Con, mart: str, wave: int, measure: str, breakdown: str) -> list[MartRow]:
    return _ordered(read_rows(con, mart, wave, measure, breakdown), measure, breakdown)


@dataclass(frozen=True)
class Chart:
    svg: str
    # (measure, row) behind the chart, in the order of its table
    data: list[tuple[str, MartRow]]
    note: str = ""


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str
    mart: str
    about: str
    build: Callable[[Con, int], Chart | None]


BREAKDOWN_WORDS = {
    "sector": "sektorene",
    "municipality_size": "kommunestørrelsene",
    "centrality": "sentralitetsgruppene",
    "region": "landsdelene",
    "employees": "antall ansatte",
    "economy": "kommuneøkonomiene",
    "total": "verdiene av kulturindeksen",
}


def _group_tests(con: Con, wave: int, mart: str, tables: list[tuple[str, str, str]]) -> str:
    """In words, whether the groups of each (measure, item, breakdown) differ (marts.md §7);
    a table without a test (fewer than two published groups) is left out."""
    sentences = []
    for measure, item, breakdown in tables:
        test = read_test(con, wave, mart, measure, item, breakdown)
        if test is None or test.p_value is None or test.q_value is None:
            continue
        name = f"{item_label(con, measure, item)}: " if item else ""
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
        sentences.append(escape(verdict[0].upper() + verdict[1:] + ")."))
    if not sentences:
        return ""
    return (
        "Forskjeller mellom gruppene (test av at alle viste grupper er like; q er p-verdien "
        "justert for at mange tester gjøres samtidig, og under 0,05 er forskjellen sikker "
        "også da): " + " ".join(sentences)
    )


def item_label(con: Con, measure: str, item: str) -> str:
    [(label,)] = con.execute(
        "SELECT item_label FROM label_item WHERE measure = $measure AND item = $item",
        {"measure": measure, "item": item},
    ).fetchall()
    return label


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
    svg = charts.factor_chart(
        "factors",
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
    return Chart(svg, data, _sector_differences(con, wave, order))


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
                    f"{item_label(con, measure, item)} (p {fmt.p_value(test.p_value)}, "
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
    return escape(" ".join(sentences))


def _by_groups(con: Con, wave: int, mart: str, measure: str, breakdown: str) -> list[MartRow]:
    """The measure's total row(s) followed by those of the breakdown."""
    return _rows(con, mart, wave, measure, "total") + _rows(con, mart, wave, measure, breakdown)


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
    svg = charts.share_chart(
        "innovation",
        "Andel virksomheter som har innført minst én innovasjon, etter sektor og kommunestørrelse",
        panels,
    )
    data = total + [r for group_rows in by.values() for r in group_rows]
    note = _group_tests(
        con, wave, "innovation", [("innovative", "", b) for b in ("sector", SIZE_BREAKDOWN)]
    )
    return Chart(svg, [("innovative", r) for r in data], note)


def _failures(con: Con, wave: int) -> Chart | None:
    rows = _by_groups(con, wave, "failures", "failure_type", "sector")
    if not rows:
        return None
    titles = {r.item: r.item_label for r in rows}
    panels = [
        charts.Panel(label, tuple(charts.Bar(r.group_label, r) for r in rows if r.item == item))
        for item, label in titles.items()
    ]
    svg = charts.share_chart(
        "failures",
        "Fordeling av de resultatløse innovasjonsforsøkene på type, i alt og etter sektor",
        panels,
        columns=2,
        share_y=True,
    )
    by_type = [r for item in titles for r in rows if r.item == item]
    note = _group_tests(con, wave, "failures", [("failure_type", i, "sector") for i in titles])
    return Chart(svg, [("failure_type", r) for r in by_type], note)


def _culture(con: Con, wave: int) -> Chart | None:
    rows = _rows(con, "culture_index", wave, "innovative_by_index", "total")
    if not rows:
        return None
    panel = charts.Panel(
        "Kulturindeks: antall av fem utsagn lederen er helt eller delvis enig i",
        tuple(charts.Bar(r.item_label, r) for r in rows),
    )
    svg = charts.share_chart(
        "culture",
        "Andel virksomheter som har innført innovasjon, etter verdien av kulturindeksen",
        [panel],
        x_label="Andel som har innført innovasjon, med 95 % konfidensintervall",
    )
    note = _group_tests(con, wave, "culture_index", [("innovative_by_index", "", "total")])
    return Chart(svg, [("innovative_by_index", r) for r in rows], note)


def _reform(con: Con, wave: int) -> Chart | None:
    rows = _rows(con, "reform_pressure", wave, "pressure", "total")
    merging = _rows(con, "reform_pressure", wave, "in_merging_unit", "total")
    if not rows:
        return None
    panel = charts.Panel(
        "Virksomheter i kommuner og fylkeskommuner som slo seg sammen",
        tuple(charts.Bar(r.item_label, r) for r in rows),
    )
    svg = charts.share_chart(
        "reform",
        "Om sammenslåingen 1.1.2020 ga mer, like mye eller mindre innovasjonstrykk",
        [panel],
    )
    note = "".join(
        f"{escape(MEASURE_LABELS['in_merging_unit'])}: {_estimate_text('in_merging_unit', r)}."
        for r in merging
    )
    data = [("in_merging_unit", r) for r in merging] + [("pressure", r) for r in rows]
    return Chart(svg, data, note)


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


def _estimate_text(measure: str, row: MartRow) -> str:
    if row.estimate is None:
        return escape(charts.suppressed_text(row))
    assert row.ci_lower is not None and row.ci_upper is not None
    value = fmt.value(measure, row.estimate)
    return f"{value} (95 % KI {fmt.interval(measure, row.ci_lower, row.ci_upper)}, n = {row.n})"


def _data_table(chart: Chart) -> str:
    lines = []
    for measure, row in chart.data:
        if row.estimate is None:
            shown = (charts.suppressed_text(row), "")
        else:
            assert row.ci_lower is not None and row.ci_upper is not None
            shown = (
                fmt.value(measure, row.estimate),
                fmt.interval(measure, row.ci_lower, row.ci_upper),
            )
        words = (MEASURE_LABELS[measure], row.item_label, row.group_label)
        numbers = (str(row.n), *shown)
        lines.append(
            "<tr>"
            + "".join(f"<td>{escape(w)}</td>" for w in words)
            + "".join(f'<td class="num">{escape(x)}</td>' for x in numbers)
            + "</tr>"
        )
    return (
        "<details><summary>Tallene bak figuren</summary>\n<table>\n"
        "<thead><tr><th>Mål</th><th>Element</th><th>Gruppe</th><th>n</th>"
        "<th>Anslag</th><th>95 % intervall</th></tr></thead>\n<tbody>\n"
        + "\n".join(lines)
        + "\n</tbody></table></details>"
    )


def _section(con: Con, wave: int, section: Section) -> str:
    head = (
        f'<section id="{section.anchor}">\n<h2>{escape(section.heading)}</h2>\n'
        f"<p>{escape(section.about)}</p>\n"
    )
    if not has_wave(con, section.mart, wave):
        return (
            head + f'<p class="missing">Ingen tall for {wave}: martet {section.mart} har ingen '
            "rader for denne bølgen.</p>\n</section>"
        )
    chart = section.build(con, wave)
    if chart is None:
        return (
            head + f'<p class="missing">Ingen tall for {wave}: martet {section.mart} har ingen '
            "rader for målene og gruppene i denne figuren.</p>\n</section>"
        )
    note = f"<p>{chart.note}</p>\n" if chart.note else ""
    return head + f"<figure>\n{chart.svg}\n</figure>\n{note}{_data_table(chart)}\n</section>"


_PUBLISHED = {
    "top": "høyest av alle",
    "next_after_top": f"nærmest etter de {TOP_BEFORE_NEXT} høyeste",
    "bottom": "lavest av alle",
    "max_group": "høyest av gruppene (fylkeskommune unntatt)",
    "min_group": "lavest av gruppene (fylkeskommune unntatt)",
    "first_gt_last": "første gruppe over siste",
    "increasing": "stigende i oppgitt rekkefølge",
    "difference": "gruppene er forskjellige (p < 0,05)",
    "no_difference": "ingen forskjell mellom gruppene (p ≥ 0,05)",
    "trend_up": "stigende trend (p < 0,05)",
    "trend_down": "synkende trend (p < 0,05)",
}


def _published(s: Statement) -> str:
    m = s.measure
    if s.kind in ("value", "sum"):
        assert s.target is not None and s.tolerance is not None
        total = "sum " if s.kind == "sum" else ""
        return f"{total}{fmt.value(m, s.target)} ± {fmt.difference(m, s.tolerance)}"
    if s.kind == "close":
        assert s.target is not None
        return f"forskjell høyst {fmt.difference(m, s.target)}"
    if s.kind == "range_below":
        assert s.target is not None
        return f"spenn under {fmt.difference(m, s.target)}"
    return _PUBLISHED[s.kind]


def _row_name(measure: str, row: MartRow) -> str:
    name = row.item_label or MEASURE_LABELS.get(measure, measure)
    return name if row.group_code == "all" else f"{name}, {row.group_label}"


def _estimates(result: Result) -> str:
    m = result.statement.measure

    def lines(rows: tuple[MartRow, ...]) -> str:
        return "<br>".join(f"{escape(_row_name(m, r))}: {_estimate_text(m, r)}" for r in rows)

    if result.test is not None:
        return escape(f"test av {result.test.groups} publiserte grupper")
    shown = lines(result.estimates) or "ingen rader"
    if result.rivals:
        shown += f'<div class="rivals">Sammenlignet med:<br>{lines(result.rivals)}</div>'
    return shown


# The measures whose change since the last survey the page lists (totals only).
HEADLINE_CHANGES = (
    ("innovation", "innovative"),
    ("innovation", "innovation_type"),
    ("factors", "promoted"),
    ("factors", "inhibited"),
    ("failures", "failed_attempt"),
    ("culture_index", "agree"),
    ("culture_index", "mean_index"),
)


def _changes(con: Con, wave: int) -> str:
    """Changes of the headline measures since the previous published wave with p < 0.05
    (marts.md §6), each with its q-value over the headline changes tested."""
    head = '<section id="endring">\n<h2>Endring siden forrige undersøkelse</h2>\n'
    [(previous,)] = con.execute(
        "SELECT max(wave_from) FROM mart_changes WHERE wave_to = $wave", {"wave": wave}
    ).fetchall()
    if previous is None:
        return (
            head
            + '<p class="missing">Ingen tidligere undersøkelse å sammenligne med.</p>\n</section>'
        )
    rows = con.execute(
        "SELECT mart, measure, item_label, estimate_from, estimate_to, difference, ci_lower, "
        "ci_upper, p_value FROM mart_changes WHERE wave_to = $wave AND wave_from = $previous "
        "AND breakdown = 'total' AND NOT suppressed AND p_value IS NOT NULL "
        "ORDER BY mart, measure, item",
        {"wave": wave, "previous": previous},
    ).fetchall()
    tested = [r for r in rows if (r[0], r[1]) in HEADLINE_CHANGES]
    q_values = benjamini_hochberg([r[8] for r in tested])
    lines = []
    for (_, measure, label, before, after, change, lower, upper, p), q in zip(
        tested, q_values, strict=True
    ):
        if p >= SIGNIFICANCE:
            continue
        assert q is not None
        interval = fmt.interval_of_difference(measure, lower, upper)
        cells = (
            MEASURE_LABELS[measure],
            label,
            fmt.value(measure, before),
            fmt.value(measure, after),
            f"{fmt.difference(measure, change)} ({interval})",
            fmt.p_value(p),
            fmt.p_value(q),
        )
        lines.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    intro = (
        f"<p>Hele landet, {previous} mot {wave}: endringer med p under 0,05, av "
        f"{len(tested)} testede hovedtall. q er p-verdien justert for at alle disse testes "
        "samtidig (Benjamini–Hochberg). Utvalgene er uavhengige, så usikkerheten i de to "
        "undersøkelsene legges sammen. Tall etter kommunestørrelse, sentralitet, landsdel og "
        "økonomi følger hver undersøkelses kommuneinndeling og SSBs indeksversjon og "
        "sammenlignes ikke her.</p>\n"
    )
    if not lines:
        return head + intro + '<p class="missing">Ingen statistisk sikre endringer.</p>\n</section>'
    return (
        head + intro + "<table>\n<thead><tr><th>Mål</th><th>Element</th>"
        f"<th>{previous}</th><th>{wave}</th><th>Endring (95 % intervall)</th><th>p</th>"
        "<th>q</th></tr></thead>\n<tbody>\n" + "\n".join(lines) + "\n</tbody></table>\n</section>"
    )


def _statements(wave: int, results: list[Result]) -> str:
    head = '<section id="utsagn">\n<h2>Publiserte tall, beregnet på nytt</h2>\n'
    if not results:
        return head + f'<p class="missing">Ingen publiserte tall for {wave}.</p>\n</section>'
    held = sum(r.holds for r in results)
    lines = []
    for r in results:
        s = r.statement
        verdict = '<td class="yes">✓ Ja</td>' if r.holds else '<td class="no">✗ Nei</td>'
        lines.append(
            f'<tr><td>{escape(s.id)}</td><td>{escape(s.text)}<div class="source">'
            f"{escape(s.source)}</div></td><td>{escape(_published(s))}</td>"
            f"<td>{_estimates(r)}</td>{verdict}<td>{escape(r.explanation)}</td></tr>"
        )
    return (
        head + f"<p>{held} av {len(results)} utsagn holder på disse dataene.</p>\n"
        "<table>\n<thead><tr><th>Nr.</th><th>Publisert utsagn</th><th>Publisert tall</th>"
        "<th>Beregnet (95 % intervall)</th><th>Holder</th><th>Forklaring</th></tr>"
        "</thead>\n<tbody>\n" + "\n".join(lines) + "\n</tbody></table>\n</section>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 78rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1, h2 { line-height: 1.2; }
section { margin-top: 2.5rem; }
figure { margin: 1rem 0; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.9rem; margin-top: 0.5rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; }
td.yes { color: #1a7f37; font-weight: bold; white-space: nowrap; }
td.no { color: #b42318; font-weight: bold; white-space: nowrap; }
.source, .rivals { color: #555; font-size: 0.85em; margin-top: 0.3rem; }
.missing { font-style: italic; color: #555; }
"""


def inputs_digest(con: Con, wave: int, published_figures: Path) -> str:
    """sha256 of everything the page of `wave` is made from: the wave's rows of every mart,
    the statements file, the code (pipelines/**/*.py draws and words it) and the libraries
    that draw the charts."""
    digest = hashlib.sha256()
    for mart in PUBLISHED_MARTS:
        wave_column = SHAPES[mart].wave_column
        rows = con.execute(
            f"SELECT * FROM {warehouse_table(mart)} WHERE {wave_column} = $wave ORDER BY ALL",
            {"wave": wave},
        ).fetchall()
        # repr round-trips every value exactly, floats included
        digest.update(f"{mart}\0{rows!r}\0".encode())
    digest.update(published_figures.read_bytes())
    libraries = ",".join(f"{name} {version(name)}" for name in DRAWN_WITH)
    digest.update(f"\0{code_version()}\0{libraries}".encode())
    return digest.hexdigest()


def render(con: Con, wave: int, published_figures: Path) -> str:
    """The page of one wave as HTML text."""
    inputs = inputs_digest(con, wave, published_figures)
    statements = [s for s in load_statements(published_figures) if s.wave == wave]
    results = [check(con, s) for s in statements]
    sections = "\n".join(_section(con, wave, s) for s in SECTIONS)
    contents = "".join(f'<li><a href="#{s.anchor}">{escape(s.heading)}</a></li>' for s in SECTIONS)
    return (
        '<!DOCTYPE html>\n<html lang="nb">\n<head>\n<meta charset="utf-8">\n'
        f"{_INPUTS_TAG.format(inputs)}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Innovasjonsbarometeret {wave}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<h1>Innovasjonsbarometeret {wave}</h1>\n"
        "<p>Vektede andeler fra analysemartene, hver med 95 % konfidensintervall som tar "
        "hensyn til utvalgsdesignet (stratifisert utvalg med endelig populasjon). Grupper med "
        "for få svar til å vises er merket «skjult» og er ikke tegnet. «Skjult, sekundært» "
        "betyr at gruppen har nok svar, men er skjult fordi en annen gruppe i samme tabell er "
        "skjult: ellers kunne den skjulte gruppens tall regnes ut fra totalen og de andre "
        "gruppene.</p>\n"
        f'<nav><ul>{contents}<li><a href="#endring">Endring siden forrige undersøkelse</a>'
        '</li><li><a href="#utsagn">Publiserte tall</a></li></ul></nav>\n'
        f"{sections}\n{_changes(con, wave)}\n{_statements(wave, results)}\n</body>\n</html>\n"
    )


def _made_from(path: Path) -> str | None:
    """The inputs digest of the page at `path`, if there is one."""
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", errors="replace") as f:
        found = _INPUTS.search(f.read(1024))
    return found.group(1) if found else None


def write_report(con: Con, wave: int, out_dir: Path, published_figures: Path) -> Path:
    """Write `<out_dir>/report-<wave>.html` from the marts of the wave and return its path;
    a page already there that was made from the same inputs is kept as it is."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"report-{wave}.html"
    if _made_from(path) != inputs_digest(con, wave, published_figures):
        path.write_text(render(con, wave, published_figures), encoding="utf-8", newline="\n")
    return path
