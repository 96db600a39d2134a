"""The marts on a dozen hand-made respondents, against values worked out by hand (marts.md §2)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import transform
from pipelines.marts.disclosure_rules import MinCellSizeError
from pipelines.marts.measures import MARTS
from tests.hand_formulas import Z, stratified_se, wilson
from tests.warehouse_fixtures import warehouse

AGREE_ALL = dict.fromkeys(
    (
        "kultur_ideer",
        "kultur_laere_av_feil",
        "kultur_gjenbruk",
        "kultur_nye_veier",
        "kultur_pilot_til_drift",
    ),
    1,
)


def culture(*answers):
    return dict(zip(AGREE_ALL, answers, strict=True))


def innovator(**answers):
    return {
        "innov_tjeneste": 2,
        "innov_produkt": 2,
        "innov_prosess": 1,
        "innov_kommunikasjon": 2,
        "nyeste_prosess": 1,
        "nyeste_tjeneste": 0,
        "nyeste_produkt": 0,
        "nyeste_kommunikasjon": 0,
        **answers,
    }


def non_innovator(**answers):
    return {
        "innov_tjeneste": 2,
        "innov_produkt": 2,
        "innov_prosess": 2,
        "innov_kommunikasjon": 2,
        **answers,
    }


def in_sector_1(resp_id, kommunenr="0301", **answers):
    return {
        "wave": 2020,
        "resp_id": resp_id,
        "kommunenr": kommunenr,
        "forvaltningsniva": 1,
        "sektor": 1,
        "virksomhetstype": 11,
        "ansatte": 3,
        "mislykket": 2,
        **answers,
    }


def in_sector_2(resp_id, kommunenr="1103", level=1, **answers):
    return {
        "wave": 2020,
        "resp_id": resp_id,
        "kommunenr": kommunenr,
        "forvaltningsniva": level,
        "sektor": 2,
        "virksomhetstype": 21 if level == 1 else 24,
        "ansatte": 2,
        "mislykket": 2,
        **answers,
    }


# Sector 1 (frame 600, 8 respondents: w = 75) in Oslo, but R07 and R08 in Trondheim (merged
# 2020); sector 2 (frame 200, 4 respondents: w = 50) in Stavanger (merged), R12 a county
# workplace in Oslo (county not merged).
RESPONDENTS_2020 = [
    in_sector_1(
        "R01",
        **innovator(
            kjerne=1, nyhet=1, f_okonomi=6, mislykket=1, mislykket_type=3, arsak_samarbeid=1
        ),
        **culture(1, 1, 1, 1, 1),
    ),
    in_sector_1(
        "R02",
        **innovator(
            kjerne=2, nyhet=2, f_okonomi=5, mislykket=1, mislykket_type=3, arsak_samarbeid=0
        ),
        **culture(1, 1, 1, 1, 3),
    ),
    in_sector_1("R03", **innovator(kjerne=1, nyhet=1, f_okonomi=1), **culture(2, 2, 2, 3, 3)),
    in_sector_1("R04", **innovator(kjerne=3, f_okonomi=7), **culture(1, 3, 3, 3, 9)),
    in_sector_1("R05", **innovator(kjerne=9, f_okonomi=9), **culture(4, 4, 4, 4, 4)),
    in_sector_1("R06", **innovator(kjerne=1, f_okonomi=2), **culture(1, 1, 1, 1, 1)),
    in_sector_1(
        "R07", "5001", **non_innovator(utvikling=1, reform_trykk=1), **culture(3, 3, 3, 3, 3)
    ),
    in_sector_1(
        "R08", "5001", **non_innovator(utvikling=2, reform_trykk=2), **culture(1, 2, 3, 4, 9)
    ),
    in_sector_2(
        "R09",
        **innovator(
            innov_tjeneste=1,
            innov_prosess=2,
            kjerne=1,
            nyhet=1,
            f_okonomi=4,
            mislykket=1,
            mislykket_type=1,
            arsak_samarbeid=1,
            reform_trykk=1,
        ),
        **culture(1, 1, 1, 1, 2),
    ),
    in_sector_2("R10", **non_innovator(utvikling=1, reform_trykk=9), **culture(1, 1, 1, 2, 4)),
    in_sector_2("R11", **non_innovator(utvikling=9), **culture(1, 1, 3, 3, 3)),
    in_sector_2("R12", "0301", level=2, **non_innovator(mislykket=9), **culture(1, 1, 1, 1, None)),
]
# Every respondent counts five times (R01-1 ... R01-5), so that cells reach the smallest
# minimum cell size (5) while the shares stay those of the dozen: weights become 600/40 = 15
# and 200/20 = 10, in the same 3:2 ratio as 75:50, and n and n_eff are five times larger.
CLONES = 5
FRAME_2020 = [
    {"wave": 2020, "sektor": 1, "n_population": 600},
    {"wave": 2020, "sektor": 2, "n_population": 200},
]


@pytest.fixture(scope="module")
def marts_2020():
    cloned = [
        {**answers, "resp_id": f"{answers['resp_id']}-{k}"}
        for answers in RESPONDENTS_2020
        for k in range(1, CLONES + 1)
    ]
    con = warehouse(cloned, FRAME_2020, waves=(2020,))
    for mart in MARTS:
        transform.build_mart(con, mart, 2020, min_cell_size=5)
        settle_precision(con, mart, 2020, 5)
    return con


def row(con, measure, item="", breakdown="total", group_code="all"):
    rows = con.execute(
        "SELECT n, estimate, ci_lower, ci_upper, suppressed FROM mart_estimates "
        "WHERE wave = 2020 AND measure = ? AND item = ? AND breakdown = ? AND group_code = ?",
        [measure, item, breakdown, group_code],
    ).fetchall()
    assert len(rows) == 1, (measure, item, breakdown, group_code, rows)
    return rows[0]


def design(con, measure, item=""):
    [(se, deff)] = con.execute(
        "SELECT se, deff FROM mart_estimates WHERE wave = 2020 AND measure = ? AND item = ? "
        "AND breakdown = 'total'",
        [measure, item],
    ).fetchall()
    return se, deff


def test_weighted_share_with_design_based_wilson_interval(marts_2020):
    n, estimate, lower, upper, suppressed = row(marts_2020, "innovative")
    # innovators: R01-R06 (w 75) and R09 (w 50) of all 12 (Σw = 800), each five times: 30 of
    # the 40 in sector 1 (frame 600), 5 of the 20 in sector 2 (frame 200)
    assert n == 12 * CLONES
    assert estimate == pytest.approx(500 / 800, abs=1e-12)
    _, expected_se = stratified_se([(600, [1] * 30 + [0] * 10), (200, [1] * 5 + [0] * 15)])
    se, deff = design(marts_2020, "innovative")
    assert se == pytest.approx(expected_se, abs=1e-12)
    assert deff == pytest.approx(expected_se**2 / (0.625 * 0.375 / n), abs=1e-12)
    assert (lower, upper) == pytest.approx(wilson(0.625, n / deff), abs=1e-12)
    assert not suppressed


def test_cells_below_the_minimum_are_suppressed_and_a_lone_one_gets_a_partner(marts_2020):
    transform.build_mart(marts_2020, "innovation", 2020, min_cell_size=25)
    settle_precision(marts_2020, "innovation", 2020, 25)
    try:
        kinds = dict(
            marts_2020.execute(
                "SELECT group_code, suppression FROM mart_estimates WHERE wave = 2020 "
                "AND measure = 'innovative' AND breakdown = 'sector'"
            ).fetchall()
        )
        # sector 2 (n = 20) is below 25; sector 1 (n = 40) would give it away with the total
        assert kinds == {"1": "secondary", "2": "primary"}
        for group in ("1", "2"):
            assert row(marts_2020, "innovative", breakdown="sector", group_code=group)[1:] == (
                None,
                None,
                None,
                True,
            )
        assert row(marts_2020, "innovative")[:2] == (60, pytest.approx(0.625, abs=1e-12))
    finally:
        transform.build_mart(marts_2020, "innovation", 2020, min_cell_size=5)
        settle_precision(marts_2020, "innovation", 2020, 5)


def test_item_non_response_leaves_the_denominator(marts_2020):
    # non-innovators who answered utvikling: R07 (1), R08, R10 (1), R11 (Vet ikke); R12 did not
    n, estimate, *_ = row(marts_2020, "development_underway")
    assert (n, estimate) == (4 * CLONES, pytest.approx(125 / 250, abs=1e-12))


def test_every_listed_item_has_a_row_even_when_nobody_chose_it(marts_2020):
    # innovators with kjerne 1-2 who answered nyhet: R01 (1), R02 (2), R03 (1), R09 (1)
    assert row(marts_2020, "novelty", "improvement")[1] == pytest.approx(200 / 275, abs=1e-12)
    assert row(marts_2020, "novelty", "new_approach")[1] == pytest.approx(75 / 275, abs=1e-12)
    n, estimate, lower, upper, _ = row(marts_2020, "novelty", "dont_know")
    # nobody chose it: no variance, and deff = 1 by definition, so Wilson on n itself
    assert (n, estimate) == (4 * CLONES, 0.0)
    assert design(marts_2020, "novelty", "dont_know") == (0.0, 1.0)
    assert (lower, upper) == pytest.approx(wilson(0.0, n), abs=1e-12)


def test_core_task_counts_dont_know_in_the_denominator(marts_2020):
    assert row(marts_2020, "core_task")[:2] == (7 * CLONES, pytest.approx(350 / 500, abs=1e-12))


def test_factor_shares_and_weighted_mean_score(marts_2020):
    # f_okonomi of the innovators: R01 6, R02 5, R03 1, R04 7, R05 9, R06 2, R09 4
    assert row(marts_2020, "promoted", "okonomi")[:2] == (
        7 * CLONES,
        pytest.approx(150 / 500, abs=1e-12),
    )
    assert row(marts_2020, "inhibited", "okonomi")[1] == pytest.approx(150 / 500, abs=1e-12)
    n, mean, lower, upper, _ = row(marts_2020, "mean_score", "okonomi")
    # 7 and 9 are not on the scale; R07, R08 and R10-R12 are no innovators
    sector_1 = [6, 5, 1, None, None, 2, None, None] * CLONES
    sector_2 = [4, None, None, None] * CLONES
    expected_mean, expected_se = stratified_se([(600, sector_1), (200, sector_2)])
    assert (n, mean) == (5 * CLONES, pytest.approx(1250 / 350, abs=1e-12))
    assert mean == pytest.approx(expected_mean, abs=1e-12)
    assert design(marts_2020, "mean_score", "okonomi")[0] == pytest.approx(expected_se, abs=1e-12)
    half = Z * expected_se
    assert (lower, upper) == pytest.approx((mean - half, mean + half), abs=1e-12)


def test_failures(marts_2020):
    assert row(marts_2020, "failed_attempt")[:2] == (
        12 * CLONES,
        pytest.approx(200 / 800, abs=1e-12),
    )
    assert row(marts_2020, "failure_type", "prosess")[:2] == (
        3 * CLONES,
        pytest.approx(0.75, abs=1e-12),
    )
    assert row(marts_2020, "failure_type", "produkt")[1] == 0.0
    assert row(marts_2020, "failure_reason", "samarbeid")[1] == pytest.approx(0.625, abs=1e-12)


def test_culture_index(marts_2020):
    assert row(marts_2020, "agree", "ideer")[:2] == (
        12 * CLONES,
        pytest.approx(650 / 800, abs=1e-12),
    )
    # R12 left a statement unanswered and has no index
    assert row(marts_2020, "mean_index")[:2] == (11 * CLONES, pytest.approx(2050 / 750, abs=1e-12))
    assert row(marts_2020, "index_distribution", "5")[1] == pytest.approx(200 / 750, abs=1e-12)
    assert row(marts_2020, "innovative_by_index", "0-2")[:2] == (
        5 * CLONES,
        pytest.approx(150 / 350, abs=1e-12),
    )
    bands = marts_2020.execute(
        "SELECT DISTINCT breakdown FROM mart_culture_index WHERE measure = 'innovative_by_index'"
    ).fetchall()
    assert bands == [("total",)]


def test_reform_pressure_in_merged_municipalities_and_counties(marts_2020):
    # merging: R07, R08 (Trondheim), R09-R11 (Stavanger); R12 is in Oslo's county, unchanged
    assert row(marts_2020, "in_merging_unit")[:2] == (
        12 * CLONES,
        pytest.approx(300 / 800, abs=1e-12),
    )
    assert row(marts_2020, "pressure", "more")[:2] == (
        4 * CLONES,
        pytest.approx(125 / 250, abs=1e-12),
    )
    assert row(marts_2020, "pressure", "less")[1] == 0.0
    assert row(marts_2020, "pressure", "dont_know")[1] == pytest.approx(50 / 250, abs=1e-12)


def test_breakdown_groups_and_exclusions(marts_2020):
    groups = dict(
        marts_2020.execute(
            "SELECT group_code, n FROM mart_innovation "
            "WHERE measure = 'innovative' AND breakdown = 'municipality_size'"
        ).fetchall()
    )
    assert groups == {"50k+": 11 * CLONES, "county": CLONES}
    breakdowns = {
        b
        for (b,) in marts_2020.execute(
            "SELECT DISTINCT breakdown FROM mart_estimates WHERE mart IN ('innovation', 'factors')"
        ).fetchall()
    }
    assert "innovation_status" not in breakdowns
    assert (
        row(marts_2020, "failed_attempt", breakdown="innovation_status", group_code="innovator")[0]
        == 7 * CLONES
    )


def test_the_key_is_unique(marts_2020):
    duplicates = marts_2020.execute(
        "SELECT count(*) FROM (SELECT mart, wave, measure, item, breakdown, group_code "
        "FROM mart_estimates GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()
    assert duplicates == [(0,)]


def test_2018_weights_on_type_and_landsdel_and_has_no_rows_for_items_not_asked():
    # Rindal is 1567 in the 2018 numbering (Trøndelag, NO06)
    respondents = [
        {
            "wave": 2018,
            "resp_id": "A",
            "kommunenr": "0301",
            "forvaltningsniva": 1,
            "sektor": 1,
            "virksomhetstype": 11,
            **innovator(),
        },
        {
            "wave": 2018,
            "resp_id": "B",
            "kommunenr": "0301",
            "forvaltningsniva": 1,
            "sektor": 1,
            "virksomhetstype": 11,
            **non_innovator(utvikling=2),
        },
        {
            "wave": 2018,
            "resp_id": "C",
            "kommunenr": "1567",
            "forvaltningsniva": 1,
            "sektor": 2,
            "virksomhetstype": 22,
            **innovator(),
        },
        {
            "wave": 2018,
            "resp_id": "D",
            "kommunenr": "5001",
            "forvaltningsniva": 1,
            "sektor": 2,
            "virksomhetstype": 22,
            **innovator(),
        },
    ]
    frame = [
        {"wave": 2018, "virksomhetstype": 11, "landsdel": "NO08", "n_population": 100},
        {"wave": 2018, "virksomhetstype": 22, "landsdel": "NO06", "n_population": 300},
        {"wave": 2018, "virksomhetstype": 21, "landsdel": "NO02", "n_population": 50},
    ]
    con = warehouse(respondents, frame, waves=(2018,))
    counts = {}
    for m in MARTS:
        counts[m] = transform.build_mart(con, m, 2018, min_cell_size=5)
        settle_precision(con, m, 2018, 5)
    assert counts["culture_index"] == counts["reform_pressure"] == counts["failures"] == 0
    (estimate,) = con.execute(
        "SELECT estimate FROM mart_innovation WHERE wave = 2018 AND measure = 'innovative' "
        "AND breakdown = 'total'"
    ).fetchone()
    assert estimate is None  # n = 4 < 5
    weights = dict(con.execute("SELECT resp_id, weight FROM weights ORDER BY resp_id").fetchall())
    assert weights == {"A": 50.0, "B": 50.0, "C": 150.0, "D": 150.0}
    assert con.execute(
        "SELECT virksomhetstype, landsdel FROM frame_coverage WHERE n_respondents = 0"
    ).fetchall() == [(21, "NO02")]
    merger = con.execute("SELECT count(*) FROM respondents WHERE merger IS NOT NULL").fetchall()
    assert merger == [(0,)]


def test_minimum_cell_size_below_five_is_refused(marts_2020):
    with pytest.raises(MinCellSizeError, match="minimum cell size 4 is below the floor of 5"):
        transform.build_mart(marts_2020, "innovation", 2020, min_cell_size=4)


def test_a_respondent_outside_the_frame_stops_the_weights_without_naming_it():
    """Ingest refuses such a delivery; the weights' own guard says so without a respondent
    id, since its message reaches the terminal and the run's log."""
    respondents = [in_sector_1("R-4711", **non_innovator())]
    frame = [{"wave": 2020, "sektor": 2, "n_population": 100}]
    con = warehouse(respondents, frame, waves=())
    with pytest.raises(duckdb.Error) as stopped:
        transform.build_respondents(con, 2020)
    message = str(stopped.value)
    assert "wave 2020: a respondent is in no frame cell" in message
    assert "R-4711" not in message
