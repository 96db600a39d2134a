"""Published statements: reading published-figures.csv and deciding every kind."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.marts.measures import MARTS
from pipelines.report.rows import MartRow
from pipelines.report.statements.base import Statement
from pipelines.report.statements.estimates import Close, Value
from pipelines.report.statements.evaluation import check, evaluate
from pipelines.report.statements.kinds import KINDS
from pipelines.report.statements.rankings import Top
from pipelines.report.statements.reading import StatementsFileError, load_statements
from tests.mart_fixtures import create_mart_table

PUBLISHED = Path(__file__).resolve().parents[3] / "data" / "published-figures.csv"
WAVE = 2020
HALF_WIDTH = 0.03


def mart_row(
    measure: str,
    item: str,
    group: str,
    estimate: float | None,
    breakdown: str = "total",
    n: int = 200,
) -> dict:
    return {
        "wave": WAVE,
        "measure": measure,
        "item": item,
        "item_label": f"Etikett {item}" if item else "",
        "breakdown": breakdown,
        "group_code": group,
        "group_label": BREAKDOWNS[breakdown].groups[group],
        "n": n,
        "estimate": estimate,
        "ci_lower": None if estimate is None else estimate - HALF_WIDTH,
        "ci_upper": None if estimate is None else estimate + HALF_WIDTH,
        "se": None if estimate is None else HALF_WIDTH / 2,
        "deff": None if estimate is None else 1.0,
        "suppression": "primary" if estimate is None else "none",
        "suppressed": estimate is None,
    }


def totals(measure: str, estimates: dict[str, float | None]) -> list[dict]:
    return [mart_row(measure, item, "all", e) for item, e in estimates.items()]


def groups(measure: str, item: str, breakdown: str, estimates: dict[str, float | None]):
    return [mart_row(measure, item, g, e, breakdown) for g, e in estimates.items()]


MART_ROWS = {
    "factors": [
        *totals(
            "promoted",
            {
                "medarbeidere": 0.85,
                "internt_samarbeid": 0.84,
                "ny_teknologi": 0.65,
                "offentlig_samarbeid": 0.55,
                "okonomi": 0.22,
            },
        ),
        *totals("inhibited", {"okonomi": 0.40, "lover_krav": 0.20, "politikk": 0.15}),
        *groups("inhibited", "okonomi", "sector", {"1": 0.35, "2": 0.38, "4": 0.46, "5": 0.28}),
        # the county group is lowest, but max_group / min_group leave it aside
        *groups(
            "inhibited",
            "okonomi",
            "municipality_size",
            {"<5k": 0.42, "5k-20k": 0.40, "20k-50k": 0.36, "50k+": 0.30, "county": 0.10},
        ),
        *groups("inhibited", "okonomi", "economy", {"low": 0.40, "medium": 0.37, "high": 0.38}),
        # a suppressed region: a ranking over regions cannot be decided
        *groups("inhibited", "okonomi", "region", {"NO02": 0.50, "NO06": 0.30, "NO07": None}),
    ],
    "failures": totals(
        "failure_reason",
        {
            "samarbeid": 0.40,
            "planlegging": 0.38,
            "okonomi": 0.30,
            "forankring": 0.28,
            "kompetanse": 0.20,
            "annet": 0.05,
        },
    ),
    "culture_index": [
        *totals("innovative_by_index", {"0-2": 0.50, "3": 0.65, "4": 0.75, "5": 0.85}),
        *totals("agree", {"ideer": 0.96, "nye_veier": 0.70, "pilot_til_drift": 0.40}),
    ],
    "reform_pressure": [
        *totals("pressure", {"more": 0.45, "same": 0.35, "less": 0.13, "dont_know": 0.07}),
        *totals("in_merging_unit", {"": None}),
    ],
    "innovation": totals("innovative", {"": 0.75}),
}


@pytest.fixture(scope="module")
def con():
    """The marts as a release opened for the report has them: a table per mart's name."""
    con = duckdb.connect()
    for mart in MARTS:
        create_mart_table(con, mart, [tuple(row.values()) for row in MART_ROWS[mart]], mart)
    con.execute(
        "CREATE TABLE differences (wave INTEGER, mart VARCHAR, measure VARCHAR, "
        "item VARCHAR, breakdown VARCHAR, groups INTEGER, groups_left_out VARCHAR, "
        "p_value DOUBLE, q_value DOUBLE, trend_z DOUBLE, trend_p DOUBLE)"
    )
    con.executemany(
        "INSERT INTO differences VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(WAVE, *row) for row in DIFFERENCES],
    )
    yield con
    con.close()


# (mart, measure, item, breakdown, groups, groups_left_out, p, q, trend_z, trend_p)
DIFFERENCES = [
    ("factors", "inhibited", "okonomi", "sector", 5, "", 0.001, 0.01, None, None),
    ("factors", "inhibited", "okonomi", "economy", 3, "county", 0.6, 0.9, 0.4, 0.69),
    ("factors", "inhibited", "okonomi", "municipality_size", 5, "", 0.01, 0.05, -3.0, 0.0027),
    ("culture_index", "innovative_by_index", "", "total", 4, "", 1e-9, 1e-8, 6.0, 2e-9),
]


def statement(
    kind: str,
    mart: str,
    measure: str,
    items: str,
    breakdown: str = "total",
    group_codes: str = "all",
    target: float | None = None,
    tolerance: float | None = None,
    wave: int = WAVE,
) -> Statement:
    numbers = {"target": target, "tolerance": tolerance}
    return KINDS[kind](
        id="T",
        wave=wave,
        mart=mart,
        measure=measure,
        items=tuple(items.split("|")),
        breakdown=breakdown,
        group_codes=tuple(group_codes.split("|")) if group_codes else (),
        text="Et publisert utsagn.",
        source="test",
        **{name: number for name, number in numbers.items() if number is not None},
    )


# (statement, holds, the estimates it names, the rivals that decide it)
CASES = [
    # value: |0.65 - 0.62| is 0.03 on paper and a hair above it in binary
    (statement("value", "factors", "promoted", "ny_teknologi", target=0.62, tolerance=0.03),
     True, [0.65], []),
    (statement("value", "factors", "promoted", "ny_teknologi", target=0.60, tolerance=0.03),
     False, [0.65], []),
    (statement("value", "factors", "inhibited", "okonomi", "sector", "4", 0.46, 0.06),
     True, [0.46], []),
    (statement("value", "innovation", "innovative", "", target=0.75, tolerance=0.0),
     True, [0.75], []),
    # sum: 0.13 + 0.07 = 0.20
    (statement("sum", "reform_pressure", "pressure", "less|dont_know", target=0.23,
               tolerance=0.05), True, [0.13, 0.07], []),
    (statement("sum", "reform_pressure", "pressure", "less|dont_know", target=0.30,
               tolerance=0.05), False, [0.13, 0.07], []),
    # close: 0.45 and 0.35 differ by 0.10
    (statement("close", "reform_pressure", "pressure", "more|same", target=0.10),
     True, [0.45, 0.35], []),
    (statement("close", "reform_pressure", "pressure", "more|same", target=0.09),
     False, [0.45, 0.35], []),
    # top: both above the best other item, in any order
    (statement("top", "factors", "promoted", "internt_samarbeid|medarbeidere"),
     True, [0.84, 0.85], [0.65]),
    (statement("top", "factors", "promoted", "medarbeidere|ny_teknologi"),
     False, [0.85, 0.65], [0.84]),
    (statement("top", "factors", "inhibited", "okonomi"), True, [0.40], [0.20]),
    (statement("top", "factors", "inhibited", "lover_krav"), False, [0.20], [0.40]),
    # next_after_top: right below samarbeid and planlegging, above kompetanse
    (statement("next_after_top", "failures", "failure_reason", "okonomi|forankring"),
     True, [0.30, 0.28], [0.40, 0.38, 0.20]),
    (statement("next_after_top", "failures", "failure_reason", "forankring|kompetanse"),
     False, [0.28, 0.20], [0.40, 0.38, 0.30]),
    (statement("next_after_top", "failures", "failure_reason", "planlegging|okonomi"),
     False, [0.38, 0.30], [0.40, 0.28, 0.20]),
    # bottom
    (statement("bottom", "culture_index", "agree", "pilot_til_drift"), True, [0.40], [0.70]),
    (statement("bottom", "culture_index", "agree", "nye_veier"), False, [0.70], [0.40]),
    # max_group / min_group: county aside
    (statement("max_group", "factors", "inhibited", "okonomi", "sector", "4"),
     True, [0.46], [0.38]),
    (statement("max_group", "factors", "inhibited", "okonomi", "sector", "2"),
     False, [0.38], [0.46]),
    (statement("min_group", "factors", "inhibited", "okonomi", "sector", "5"),
     True, [0.28], [0.35]),
    (statement("min_group", "factors", "inhibited", "okonomi", "municipality_size", "50k+"),
     True, [0.30], [0.36]),
    (statement("min_group", "factors", "inhibited", "okonomi", "municipality_size", "20k-50k"),
     False, [0.36], [0.30]),
    # first_gt_last: only the first and last listed groups count
    (statement("first_gt_last", "factors", "inhibited", "okonomi", "municipality_size",
               "<5k|50k+"), True, [0.42, 0.30], []),
    (statement("first_gt_last", "factors", "inhibited", "okonomi", "municipality_size",
               "50k+|5k-20k|<5k"), False, [0.30, 0.40, 0.42], []),
    # increasing
    (statement("increasing", "culture_index", "innovative_by_index", "0-2|3|4|5"),
     True, [0.50, 0.65, 0.75, 0.85], []),
    (statement("increasing", "culture_index", "innovative_by_index", "0-2|4|3|5"),
     False, [0.50, 0.75, 0.65, 0.85], []),
    # range_below: 0.40 - 0.37 = 0.03
    (statement("range_below", "factors", "inhibited", "okonomi", "economy", "low|medium|high",
               target=0.06), True, [0.40, 0.37, 0.38], []),
    (statement("range_below", "factors", "inhibited", "okonomi", "economy", "low|medium|high",
               target=0.03), False, [0.40, 0.37, 0.38], []),
    # the test kinds read the differences mart: p < 0.05, and the sign of a significant trend
    (statement("difference", "factors", "inhibited", "okonomi", "sector", ""), True, [], []),
    (statement("difference", "factors", "inhibited", "okonomi", "economy", ""), False, [], []),
    (statement("no_difference", "factors", "inhibited", "okonomi", "economy", ""),
     True, [], []),
    (statement("no_difference", "factors", "inhibited", "okonomi", "sector", ""),
     False, [], []),
    (statement("trend_up", "culture_index", "innovative_by_index", "", "total", ""),
     True, [], []),
    (statement("trend_up", "factors", "inhibited", "okonomi", "municipality_size", ""),
     False, [], []),
    (statement("trend_down", "factors", "inhibited", "okonomi", "municipality_size", ""),
     True, [], []),
    # economy has a trend, but it is no significant one
    (statement("trend_down", "factors", "inhibited", "okonomi", "economy", ""),
     False, [], []),
    # no test of employees: nothing to decide on
    (statement("difference", "factors", "inhibited", "okonomi", "employees", ""),
     False, [], []),
]  # fmt: skip


@pytest.mark.parametrize(("s", "holds", "estimates", "rivals"), CASES)
def test_every_kind_decides_on_the_mart_rows(con, s, holds, estimates, rivals):
    result = check(con, s)
    assert result.holds is holds, result.explanation
    assert [r.estimate for r in result.estimates] == pytest.approx(estimates)
    assert [r.estimate for r in result.rivals] == pytest.approx(rivals)
    assert result.statement is s


def test_cases_cover_every_kind_both_ways():
    assert {(s.kind, holds) for s, holds, _, _ in CASES} == {
        (kind, holds) for kind in KINDS for holds in (True, False)
    }


def row(item: str, estimate: float | None, group: str = "all", n: int = 100) -> MartRow:
    low, high = (None, None) if estimate is None else (estimate - 0.05, estimate + 0.05)
    hidden = "primary" if estimate is None else "none"
    return MartRow(item, item, group, group, n, estimate, low, high, hidden)


def test_explanation_gives_the_figures():
    s = statement("value", "factors", "promoted", "ny_teknologi", target=0.60, tolerance=0.03)
    text = evaluate(s, [row("ny_teknologi", 0.65)]).explanation
    assert text == (
        "65,0\xa0% ligger 5,0\xa0prosentpoeng fra 60,0\xa0% "
        "(utenfor toleransen 3,0\xa0prosentpoeng)"
    )


def test_a_tie_is_no_ranking():
    s = statement("top", "factors", "promoted", "medarbeidere")
    # 0.1 + 0.2 is 0.30000000000000004: equal on paper, so not above
    tie = [row("medarbeidere", 0.1 + 0.2), row("ny_teknologi", 0.3)]
    assert not evaluate(s, tie).holds
    assert evaluate(s, [row("medarbeidere", 0.31), row("ny_teknologi", 0.3)]).holds


def test_strictly_below_a_range():
    s = statement("range_below", "factors", "inhibited", "okonomi", "economy", "low|high", 0.05)
    assert not evaluate(s, [row("okonomi", 0.30, "low"), row("okonomi", 0.25, "high")]).holds
    assert evaluate(s, [row("okonomi", 0.30, "low"), row("okonomi", 0.2501, "high")]).holds


def test_a_suppressed_estimate_is_never_reported_as_reproduced(con):
    value = check(con, statement("value", "reform_pressure", "in_merging_unit", "",
                                 target=0.32, tolerance=1.0))  # fmt: skip
    assert not value.holds
    assert value.estimates[0].suppressed
    assert "skjult" in value.explanation and "n = 200" in value.explanation
    # a suppressed rival hides the ranking even when the named group leads the others
    ranking = check(con, statement("max_group", "factors", "inhibited", "okonomi", "region",
                                   "NO02"))  # fmt: skip
    assert not ranking.holds
    assert "Nord-Norge" in ranking.explanation


def test_a_missing_row_does_not_hold(con):
    other_wave = statement("value", "innovation", "innovative", "", target=0.75, tolerance=0.03,
                           wave=2018)  # fmt: skip
    result = check(con, other_wave)
    assert (result.holds, result.estimates) == (False, ())
    assert result.explanation == "kan ikke avgjøres: ingen rad for innovative/all i 2018"
    missing_group = statement("first_gt_last", "factors", "inhibited", "okonomi", "sector", "3|5")
    result = check(con, missing_group)
    assert not result.holds
    assert [r.group_code for r in result.estimates] == ["5"]


def test_loads_the_published_figures():
    statements = load_statements(PUBLISHED)
    assert len(statements) == 60
    assert sum(s.wave == 2020 for s in statements) == 48
    by_id = {s.id: s for s in statements}
    assert by_id["F01"].items == ("",)
    f01 = by_id["F01"]
    assert type(f01) is Value and (f01.target, f01.tolerance) == (0.75, 0.03)
    assert by_id["F14"].items == ("medarbeidere", "internt_samarbeid")
    assert type(by_id["F14"]) is Top and not hasattr(by_id["F14"], "target")
    assert by_id["F22"].group_codes == ("low", "medium", "high")
    assert type(by_id["F43"]) is Close and by_id["F43"].target == 0.10
    assert by_id["F44"].text.startswith("Hele 74 % av virksomhetene")
    assert by_id["F02"].source.endswith("/hoyt-innovasjonstrykk-i-kommunesektoren")
    assert (by_id["F59"].items, by_id["F59"].group_codes) == (("",), ())
    assert by_id["F53"].kind == "trend_down" and by_id["F60"].kind == "difference"


HEADER = "id,wave,mart,measure,item,breakdown,group_code,kind,target,tolerance,statement_no,source"
GOOD = "F01,2020,innovation,innovative,,total,all,value,0.75,0.03,Tre av fire.,seed"


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("F01,2020,innovation,innovative,,total,all,biggest,0.75,0.03,Tre.,seed",
         "line 3, column kind: value 'biggest' is no kind"),
        ("F01,2020,innovation,innovative,,total,all,value,0.75,,Tre.,seed",
         "line 3, column tolerance: value '' is not a number"),
        ("F01,2020,innovation,innovative,,total,all,top,0.75,,Tre.,seed",
         "line 3, column target: value '0.75' is given, but kind top uses none"),
        ("F01,2020,reform_pressure,pressure,more|same|less,total,all,close,0.1,,Jevnt.,seed",
         "line 3, column item: value 'more|same|less' lists 3 value(s); kind needs 2"),
        ("F01,2020,factors,inhibited,okonomi,sector,9,max_group,,,Mest.,seed",
         "line 3, column group_code: value '9' has '9', unknown here"),
        ("F01,2020,factors,promoted,ny_tek,total,all,value,0.6,0.03,Ny.,seed",
         "line 3, column item: value 'ny_tek' has 'ny_tek', unknown here"),
        ("F01,20x0,innovation,innovative,,total,all,value,0.75,0.03,Tre.,seed",
         "line 3, column wave: value '20x0' is not a year"),
        ("F01,2020,innovation,innovative,,total,all,value,0.75,0.03,,seed",
         "line 3, column statement_no: value '' is empty"),
        ("F01,2020,innovation,innovative,,total,all,value,0.75,0.03,Tre.",
         "line 3: the row does not have 12 cells"),
        ("F01,2020,innovation,innovative,,total,all,value,nan,0.03,Tre.,seed",
         "line 3, column target: value 'nan' is not a finite number of at least 0"),
        (GOOD, "line 3, column id: value 'F01' repeats"),
    ],
)  # fmt: skip
def test_a_malformed_statement_names_file_line_column_and_value(tmp_path, line, where):
    path = tmp_path / "figures.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n{line}\n", encoding="utf-8")
    with pytest.raises(StatementsFileError) as error:
        load_statements(path)
    assert str(error.value).startswith(f"{path}: {where}")


def test_a_file_with_other_columns_is_refused(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(HEADER.replace("statement_no", "text") + "\n" + GOOD + "\n", encoding="utf-8")
    with pytest.raises(StatementsFileError, match=r"figures\.csv: line 1: columns"):
        load_statements(path)
