"""The per-wave HTML report, written from small hand-made releases: it shows the version
LATEST names, as its Parquet files hold it, and says which in its footer."""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from pipelines import paths
from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.report import charts, write_report
from pipelines.report import page as page_module
from pipelines.report.charts import SHARE_COLOR, draw_bars
from pipelines.report.published import UnpublishedError
from pipelines.report.rows import MartRow
from pipelines.warehouse import label_tables
from tests.mart_fixtures import write_release

NBSP = "\xa0"
HALF_WIDTH = 0.03
MIN_CELL_SIZE = 10


def mart_row(
    wave: int,
    measure: str,
    item: str,
    breakdown: str,
    group: str,
    estimate: float,
    n: int = 300,
) -> tuple:
    """A row in the shape of marts.md §1, its numbers rounded as published; n below
    MIN_CELL_SIZE makes it suppressed, below 100 withholds its se and deff (marts.md §8)."""
    shown = n >= MIN_CELL_SIZE
    detailed = n >= 100
    label = {i: lab for m, i, lab, _ in label_tables.item_rows() if m == measure}[item]
    return (
        wave,
        measure,
        item,
        label,
        breakdown,
        group,
        BREAKDOWNS[breakdown].groups[group],
        n,
        estimate if shown else None,
        estimate - HALF_WIDTH if shown else None,
        estimate + HALF_WIDTH if shown else None,
        HALF_WIDTH / 2 if detailed else None,
        1.0 if detailed else None,
        "none" if shown else "primary",
        not shown,
    )


def wave_2020() -> dict[str, list[tuple]]:
    w = 2020
    innovation = [mart_row(w, "innovative", "", "total", "all", 0.75)]
    innovation += [
        mart_row(w, "innovative", "", "sector", g, e, n)
        for g, e, n in [("1", 0.70, 120), ("2", 0.80, 90), ("3", 0.90, 7), ("5", 0.68, 60)]
    ]
    innovation += [
        mart_row(w, "innovative", "", "municipality_size", g, e, 100)
        for g, e in [("<5k", 0.71), ("50k+", 0.79), ("county", 0.83)]
    ]
    factors = []
    # inserted out of order: the chart puts the most often promoted factor first
    for item, promoted, inhibited in [
        ("okonomi", 0.22, 0.40),
        ("medarbeidere", 0.85, 0.03),
        ("ny_teknologi", 0.65, 0.10),
    ]:
        for breakdown, group, n in [
            ("total", "all", 250),
            ("sector", "1", 100),
            ("sector", "2", 8),
        ]:
            factors.append(mart_row(w, "promoted", item, breakdown, group, promoted, n))
            factors.append(mart_row(w, "inhibited", item, breakdown, group, inhibited, n))
    failures = [
        mart_row(w, "failure_type", item, breakdown, group, e, 80)
        for breakdown, group in [("total", "all"), ("sector", "1")]
        for item, e in [
            ("tjeneste", 0.19), ("produkt", 0.16), ("prosess", 0.55), ("kommunikasjon", 0.10)
        ]
    ]  # fmt: skip
    culture = [
        mart_row(w, "innovative_by_index", band, "total", "all", e)
        for band, e in [("0-2", 0.50), ("3", 0.64), ("4", 0.76), ("5", 0.87)]
    ]
    reform = [mart_row(w, "in_merging_unit", "", "total", "all", 0.32)]
    reform += [
        mart_row(w, "pressure", item, "total", "all", e, 96)
        for item, e in [("more", 0.39), ("same", 0.38), ("less", 0.10), ("dont_know", 0.13)]
    ]
    return {
        "innovation": innovation,
        "factors": factors,
        "failures": failures,
        "culture_index": culture,
        "reform_pressure": reform,
    }


def wave_2018() -> dict[str, list[tuple]]:
    """Innovation only, and factors without the measures the chart draws."""
    return {
        "innovation": [
            mart_row(2018, "innovative", "", "total", "all", 0.74, 1794),
            mart_row(2018, "innovative", "", "sector", "2", 0.80, 1077),
        ],
        "factors": [mart_row(2018, "mean_score", "okonomi", "total", "all", 3.2, 1300)],
    }


STATEMENTS = """\
id,wave,mart,measure,item,breakdown,group_code,kind,target,tolerance,statement_no,source
F01,2020,innovation,innovative,,total,all,value,0.75,0.03,"Tre av fire virksomheter har innført en innovasjon.",seed
F02,2020,innovation,innovative,,sector,3,max_group,,,"Mest aktivitet er det i sosial sektor.",ks.no
F44,2018,innovation,innovative,,total,all,value,0.80,0.03,"Åtte av ti.",ks.no
"""  # noqa: E501


def wave_2024() -> dict[str, list[tuple]]:
    """The innovation total only: nothing the charts draw."""
    return {"innovation": [mart_row(2024, "innovative", "", "total", "all", 0.81)]}


@pytest.fixture(scope="module")
def marts(tmp_path_factory) -> Path:
    """Releases of 2018, 2020 and 2024 (v0001 each), as publishing leaves them."""
    marts = tmp_path_factory.mktemp("marts")
    write_release(marts, 2018, wave_2018(), "v0001")
    write_release(
        marts, 2020, {**wave_2020(), "differences": DIFFERENCES, "changes": CHANGES}, "v0001"
    )
    write_release(marts, 2024, wave_2024(), "v0001")
    return marts


# innovative by sector differs in 2020; by municipality size it does not (a falling trend
# that is no significant one)
DIFFERENCES = [
    (2020, "innovation", "innovative", "", "", "sector", 5, "3", 25.0, 4, 0.00004, 0.0002,
     None, None),
    (2020, "innovation", "innovative", "", "", "municipality_size", 5, "", 6.1, 4, 0.19, 0.4,
     -1.5, 0.13),
]  # fmt: skip
# 2018 -> 2020: innovative fell 5 points (p 0.001); the process type rose 1 point (p 0.4)
CHANGES = [
    (2018, 2020, "innovation", "innovative", "", "total", "all", "", "Alle", 0.80, 0.75,
     -0.05, 0.015, -0.0794, -0.0206, 0.001, False),
    (2018, 2020, "innovation", "innovation_type", "prosess", "total", "all",
     "Prosess eller organisatorisk", "Alle", 0.60, 0.61, 0.01, 0.0125, -0.0145, 0.0345, 0.4,
     False),
]  # fmt: skip


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "published-figures.csv"
    path.write_text(STATEMENTS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page_2020(marts, figures, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report")
    path = write_report(marts, 2020, out, figures).path
    assert path == out / "report-2020.html"
    return path.read_text(encoding="utf-8")


def with_total_moved(marts: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of ``marts`` under ``tmp_path`` with a new version of 2020 (v0002) where the
    innovation total moved to 71.2 %: the copy, and the new version's folder."""
    copy = tmp_path / "marts"
    shutil.copytree(marts, copy)
    corrected = wave_2020()
    corrected["innovation"][0] = mart_row(2020, "innovative", "", "total", "all", 0.712)
    folder = write_release(
        copy, 2020, {**corrected, "differences": DIFFERENCES, "changes": CHANGES}, "v0002"
    )
    return copy, folder


def section(page: str, anchor: str) -> str:
    return re.search(rf'<section id="{anchor}">.*?</section>', page, re.S).group(0)


def data_rows(html: str) -> list[list[str]]:
    """The cells of the table rows in `html`, tags stripped."""
    return [
        [re.sub(r"<[^>]+>", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        for tr in re.findall(r"<tr><td.*?</tr>", html, re.S)
    ]


def test_a_chart_per_section_with_the_figures_behind_it(page_2020):
    for anchor in ("faktorer", "innovasjon", "mislykket", "kultur", "reform"):
        assert section(page_2020, anchor).count("<svg ") == 1, anchor
    assert "Ingen tall" not in page_2020
    innovation = data_rows(section(page_2020, "innovasjon"))
    assert innovation[0] == [
        "Har innført innovasjon", "", "Alle", "300", f"75,0{NBSP}%", f"72,0–78,0{NBSP}%"
    ]  # fmt: skip
    assert [r[2] for r in innovation] == [
        "Alle",
        "Helse og omsorg",
        "Oppvekst og utdanning",
        "Sosial",
        "Teknisk",
        "Under 5 000 innbyggere",
        "50 000 innbyggere eller flere",
        "Fylkeskommune",
    ]
    reform = data_rows(section(page_2020, "reform"))
    assert [r[1] for r in reform] == [
        "",
        "Større innovasjonstrykk",
        "Omtrent som før",
        "Mindre innovasjonstrykk",
        "Vet ikke",
    ]
    assert f"32,0{NBSP}% (95 % KI 29,0–35,0{NBSP}%, n = 300)" in section(page_2020, "reform")
    culture = data_rows(section(page_2020, "kultur"))
    assert [(r[1], r[4]) for r in culture] == [
        ("0–2 utsagn", f"50,0{NBSP}%"),
        ("3 utsagn", f"64,0{NBSP}%"),
        ("4 utsagn", f"76,0{NBSP}%"),
        ("5 utsagn", f"87,0{NBSP}%"),
    ]
    failures = data_rows(section(page_2020, "mislykket"))
    assert [(r[1], r[2], r[4]) for r in failures[:3]] == [
        ("Tjeneste", "Alle", f"19,0{NBSP}%"),
        ("Tjeneste", "Helse og omsorg", f"19,0{NBSP}%"),
        ("Produkt", "Alle", f"16,0{NBSP}%"),
    ]


def test_factors_diverge_most_promoted_first(page_2020):
    factors = data_rows(section(page_2020, "faktorer"))
    total = [(r[0], r[1], r[4]) for r in factors if r[2] == "Alle"]
    assert total == [
        ("Fremmet i stor eller noen grad", "Medarbeidernes medvirkning", f"85,0{NBSP}%"),
        ("Hemmet i stor eller noen grad", "Medarbeidernes medvirkning", f"3,0{NBSP}%"),
        ("Fremmet i stor eller noen grad", "Ny teknologi", f"65,0{NBSP}%"),
        ("Hemmet i stor eller noen grad", "Ny teknologi", f"10,0{NBSP}%"),
        ("Fremmet i stor eller noen grad", "Begrensede økonomiske ressurser", f"22,0{NBSP}%"),
        ("Hemmet i stor eller noen grad", "Begrensede økonomiske ressurser", f"40,0{NBSP}%"),
    ]
    assert {r[2] for r in factors} == {"Alle", "Helse og omsorg", "Oppvekst og utdanning"}


def test_suppressed_rows_are_marked_never_zero(page_2020):
    sosial = [r for r in data_rows(section(page_2020, "innovasjon")) if r[2] == "Sosial"]
    assert sosial == [["Har innført innovasjon", "", "Sosial", "7", "skjult (n = 7)", ""]]
    # the chart writes the words where the bar would be (matplotlib keeps drawn text as a
    # comment beside its outlines)
    assert "<!-- skjult (n = 7) -->" in section(page_2020, "innovasjon")
    # said once per factor where both sides of the diverging bar are suppressed
    assert section(page_2020, "faktorer").count("<!-- skjult (n = 8) -->") == 3


SUPPRESSED = MartRow("", "", "3", "Sosial", 7, None, None, None, "primary")
SHOWN = MartRow("", "", "1", "Helse", 70, 0.4, 0.3, 0.5, "none")
COARSER = MartRow("", "", "2", "Kultur", 40, 0.25, None, None, "none")  # interval withheld


def test_a_suppressed_row_draws_no_bar():
    ax = Figure().subplots()
    draw_bars(ax, [0], [SUPPRESSED], SHARE_COLOR)
    assert (len(ax.patches), [t.get_text() for t in ax.texts]) == (0, ["skjult (n = 7)"])
    draw_bars(ax, [1, 2], [SHOWN, COARSER], SHARE_COLOR)
    assert [p.get_width() for p in ax.patches] == [pytest.approx(0.4), pytest.approx(0.25)]


def _one_bar_at_a_time(ax, ys, rows, color, sign=1) -> None:
    """How a chart drew its bars before draw_bars: a bar and an interval of their own each."""
    for y, row in zip(ys, rows, strict=True):
        if row.estimate is None:
            charts._suppressed(ax, 0.01 * sign, y, row, "left" if sign > 0 else "right")
            continue
        ax.barh(y, sign * row.estimate, height=0.7, color=color)
        if row.ci_lower is not None and row.ci_upper is not None:
            error = [[row.estimate - row.ci_lower], [row.ci_upper - row.estimate]]
            ax.errorbar(
                sign * row.estimate,
                y,
                xerr=error,
                fmt="none",
                ecolor="black",
                elinewidth=1,
                capsize=2,
            )


def test_the_bars_drawn_together_are_the_picture_of_one_bar_at_a_time():
    """Rasterized, both ways give the same pixels: leftwards and rightwards, with a
    suppressed row, one whose interval is withheld, and intervals."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    rows = [SHOWN, SUPPRESSED, COARSER, MartRow("", "", "4", "Teknisk", 90, 0.6, 0.52, 0.69, "")]
    pictures = []
    for draw in (draw_bars, _one_bar_at_a_time):
        fig = Figure(figsize=(4, 2), dpi=100)
        ax = fig.subplots()
        draw(ax, [0, 1, 2, 3], rows, charts.INHIBITED_COLOR, sign=-1)
        draw(ax, [0, 1, 2, 3], rows[::-1], charts.PROMOTED_COLOR)
        ax.set_xlim(-1, 1)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        pictures.append(bytes(canvas.buffer_rgba()))
    assert pictures[0] == pictures[1]


def test_statements_beside_their_recomputed_estimates(page_2020):
    statements = section(page_2020, "utsagn")
    assert "1 av 2 utsagn holder på disse dataene." in statements
    f01, f02 = data_rows(statements)
    assert f01[:5] == [
        "F01",
        "Tre av fire virksomheter har innført en innovasjon. seed",
        f"75,0{NBSP}% ± 3,0{NBSP}prosentpoeng",
        f"Har innført innovasjon: 75,0{NBSP}% (95 % KI 72,0–78,0{NBSP}%, n = 300)",
        "✓ Ja",
    ]
    assert f02[0] == "F02" and f02[4] == "✗ Nei"
    assert "skjult (n = 7)" in f02[3] and "skjult" in f02[5]


def test_the_page_needs_nothing_at_view_time(page_2020):
    for outside in ("<script", "<link", "<img", "@import", "src=", "<iframe"):
        assert outside not in page_2020
    ids = re.findall(r' id="([^"]+)"', page_2020)
    assert len(ids) == len(set(ids))
    references = re.findall(r'href="([^"]*)"', page_2020) + re.findall(r"url\(([^)]*)\)", page_2020)
    assert references and all(r.startswith("#") and r[1:] in ids for r in references)
    assert page_2020.startswith('<!DOCTYPE html>\n<html lang="nb">')


def test_each_chart_of_a_sample_wave_has_ids_of_its_own(published, tmp_path):
    """The page of the 2020 sample delivery: matplotlib numbers the ids of every figure
    alike (figure_1, the glyphs of the font, …), yet no id is in two of its five charts and
    each chart refers only to its own."""
    report = write_report(published, 2020, tmp_path, paths.published_figures())
    page = report.path.read_text(encoding="utf-8")
    charts = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(charts) == 5
    ids = [re.findall(r' id="([^"]+)"', chart) for chart in charts]
    every_id = [i for chart_ids in ids for i in chart_ids]
    assert len(every_id) == len(set(every_id))
    for chart, chart_ids in zip(charts, ids, strict=True):
        references = set(re.findall(r'(?:href="#|url\(#)([^")]+)', chart))
        assert references and references <= set(chart_ids)
    # nor does a chart take an id of the page's own (its sections)
    outside = re.findall(r' id="([^"]+)"', re.sub(r"<svg .*?</svg>", "", page, flags=re.S))
    assert outside and not set(outside) & set(every_id)


def test_same_release_gives_the_same_bytes(marts, figures, page_2020, tmp_path):
    again = write_report(marts, 2020, tmp_path, figures).path
    assert again.read_text(encoding="utf-8") == page_2020


def test_the_statements_checked_come_with_the_page(marts, figures, tmp_path):
    """The report asset reports these: they are there when the page is written and when a
    page made from the same inputs is kept."""
    written = write_report(marts, 2020, tmp_path, figures)
    with written.path.open("a", encoding="utf-8") as page:
        page.write("<!-- kept -->")
    kept = write_report(marts, 2020, tmp_path, figures)
    assert kept.path.read_text(encoding="utf-8").endswith("<!-- kept -->")
    for report in (written, kept):
        checked = [(r.statement.id, r.holds) for r in report.results]
        assert checked == [("F01", True), ("F02", False)]


def test_a_run_stopped_while_writing_leaves_the_page_before_it(marts, figures, tmp_path):
    """A new page is written beside the old one and swapped in whole: stopped before the
    swap, the old page stays as it was, and the next run writes the new one."""
    old = write_report(marts, 2020, tmp_path, figures).path
    before = old.read_bytes()
    copy, _ = with_total_moved(marts, tmp_path)

    def stopped(*_):
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(page_module.os, "replace", stopped)
        with pytest.raises(KeyboardInterrupt):
            write_report(copy, 2020, tmp_path, figures)
    assert old.read_bytes() == before
    page = write_report(copy, 2020, tmp_path, figures).path.read_text(encoding="utf-8")
    assert "versjonen v0002 av bølge 2020" in footer(page) and page.endswith("</html>\n")


def test_a_new_page_draws_only_the_charts_whose_figures_moved(marts, figures, tmp_path):
    """A new version of 2020 where the innovation total moved: its page draws the innovation
    chart again and takes the others from the page it replaces, and is byte for byte the
    page drawn afresh."""
    before, afresh = tmp_path / "before", tmp_path / "afresh"
    write_report(marts, 2020, before, figures)
    copy, _ = with_total_moved(marts, tmp_path)
    drawn = []

    def counted(draw):
        @functools.wraps(draw)  # its name is part of what a chart is drawn from
        def drawing(description, *args, **kwargs):
            drawn.append(description)
            return draw(description, *args, **kwargs)

        return drawing

    with pytest.MonkeyPatch.context() as patch:
        for name in ("share_chart", "factor_chart"):
            patch.setattr(charts, name, counted(getattr(charts, name)))
        taken = write_report(copy, 2020, before, figures).path.read_text(encoding="utf-8")
        assert [d.split(",")[0] for d in drawn] == [
            "Andel virksomheter som har innført minst én innovasjon"
        ]
        drawn.clear()
        fresh = write_report(copy, 2020, afresh, figures).path.read_text(encoding="utf-8")
    assert len(drawn) == taken.count("<svg ") > 1
    assert taken == fresh


def test_a_wave_without_a_mart_says_so(marts, figures, tmp_path):
    page = write_report(marts, 2018, tmp_path, figures).path.read_text(encoding="utf-8")
    assert page.count("<svg ") == 1
    for anchor, mart in [
        ("mislykket", "failures"),
        ("kultur", "culture_index"),
        ("reform", "reform_pressure"),
    ]:
        assert f"Ingen tall for 2018: martet {mart} har ingen rader for denne bølgen." in section(
            page, anchor
        )
    assert "martet factors har ingen rader for målene og gruppene i denne figuren" in section(
        page, "faktorer"
    )
    [f44] = data_rows(section(page, "utsagn"))
    assert (f44[0], f44[4]) == ("F44", "✗ Nei")
    assert "0 av 1 utsagn holder" in page


def test_group_tests_stand_beside_the_chart_in_words(page_2020):
    innovation = section(page_2020, "innovasjon")
    assert (
        "Forskjellen mellom sektorene er statistisk sikker (p &lt;\xa00,001, q &lt;\xa00,001; "
        "skjulte grupper holdt utenfor: 3)." in innovation
    )
    assert (
        "Ingen statistisk sikker forskjell mellom kommunestørrelsene (p =\xa00,190, "
        "q =\xa00,400; ingen sikker trend, p =\xa00,130)." in innovation
    )


def test_changes_since_the_last_survey(page_2020, marts, figures, tmp_path):
    changes = section(page_2020, "endring")
    assert "Endring siden forrige undersøkelse" in changes and "2018 mot 2020" in changes
    [row] = data_rows(changes)  # the process type's change is no significant one
    assert row == ["Har innført innovasjon", "", "80,0\xa0%", "75,0\xa0%",
                   "−5,0\xa0prosentpoeng (−7,9 til −2,1)", "=\xa00,001", "=\xa00,002"]  # fmt: skip
    first = write_report(marts, 2018, tmp_path, figures).path.read_text(encoding="utf-8")
    assert "Ingen tidligere undersøkelse å sammenligne med." in section(first, "endring")


def test_a_wave_without_statements_says_so(marts, figures, tmp_path):
    page = write_report(marts, 2024, tmp_path, figures).path.read_text(encoding="utf-8")
    assert "Ingen publiserte tall for 2024." in page
    assert "<svg" not in page


def footer(page: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<footer>.*?</footer>", page, re.S).group(0))


def test_the_footer_names_the_version_and_its_manifest(marts, page_2020):
    manifest = marts / "wave=2020" / "v0001" / "manifest.json"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert (
        "Alle tall på siden er hentet fra den publiserte versjonen v0001 av bølge 2020 "
        f"(<code>wave=2020/v0001</code>), med manifest.json sha256 <code>{digest}</code>."
        in footer(page_2020)
    )


def test_the_page_shows_the_version_latest_names(marts, figures, tmp_path):
    """A new version of 2020 where the total moved: the page follows LATEST, figures and
    footer, and so do the statements."""
    copy, folder = with_total_moved(marts, tmp_path)
    report = write_report(copy, 2020, tmp_path / "reports", figures)
    page = report.path.read_text(encoding="utf-8")
    assert data_rows(section(page, "innovasjon"))[0][4:] == [f"71,2{NBSP}%", f"68,2–74,2{NBSP}%"]
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    assert "versjonen v0002 av bølge 2020" in footer(page) and digest in footer(page)
    assert (report.release.version, report.release.manifest_sha256) == ("v0002", digest)
    # F01 says 75 % ± 3: 71.2 % is outside
    assert [(r.statement.id, r.holds) for r in report.results] == [("F01", False), ("F02", False)]


def test_a_file_changed_after_publishing_is_refused(marts, figures, tmp_path):
    copy = tmp_path / "marts"
    shutil.copytree(marts, copy)
    with (copy / "wave=2020" / "v0001" / "innovation.parquet").open("ab") as parquet:
        parquet.write(b"\0")
    with pytest.raises(UnpublishedError, match=r"innovation\.parquet: its sha256 differs"):
        write_report(copy, 2020, tmp_path / "reports", figures)


def test_a_wave_without_a_release_has_no_page(marts, figures, tmp_path):
    with pytest.raises(UnpublishedError, match="wave 2016 has no release .* materialize release"):
        write_report(marts, 2016, tmp_path, figures)
    assert not list(tmp_path.iterdir())
