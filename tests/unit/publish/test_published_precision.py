"""Published precision (marts.md §8): what leaves the warehouse is rounded half away from
zero to §8's decimals, or coarser where the reconstruction audit set a level for a group,
which also withholds se and deff; the warehouse keeps full precision; a number with more
decimals than §8 allows blocks publication."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipelines.marts.disclosure_rules import (
    COARSEST_LEVEL,
    PUBLISHED_DECIMALS,
    Decimals,
    published_rounding,
)
from pipelines.marts.shapes import SHAPES
from pipelines.orchestration.metadata import mart_result
from pipelines.publish import publish_wave, read_wave
from pipelines.publish import release as release_module
from pipelines.publish.layout import versions
from pipelines.quality import QualityGateError, run_gate
from pipelines.warehouse.mart_tables import mart_tables_sql
from pipelines.warehouse.sql_runner import run_sql
from tests.mart_fixtures import MIN_CELL_SIZE, planting, write_warehouse

# marts.md §8's table, copied by hand: (columns, decimals for shares, for means).
SECTION_8 = [
    (("estimate", "ci_lower", "ci_upper"), 3, 2),
    (("se",), 4, 3),
    (("deff",), 2, 2),
    (("estimate_from", "estimate_to", "difference"), 3, 2),
    (("p_value",), 4, 4),
    (("statistic", "trend_z"), 2, 2),
    (("q_value", "trend_p"), 4, 4),
]


def test_the_vocabulary_holds_section_8s_table_for_every_published_number():
    section_8 = {
        column: Decimals(share, mean) for columns, share, mean in SECTION_8 for column in columns
    }
    assert section_8 == PUBLISHED_DECIMALS
    doubles = {c.name for shape in SHAPES.values() for c in shape.columns if c.type == "DOUBLE"}
    assert doubles == set(PUBLISHED_DECIMALS)
    assert COARSEST_LEVEL == 5


# --- a hand-made warehouse ---------------------------------------------------------------


def warehouse() -> duckdb.DuckDBPyConnection:
    """An empty warehouse with the mart tables and published_precision, as the pipeline
    makes them."""
    con = duckdb.connect()
    run_sql(con, mart_tables_sql())
    return con


def add_estimate(con, mart, measure, breakdown, group_code, numbers, *, wave=2020, n=100):
    """One unsuppressed row; ``numbers``: estimate, ci_lower, ci_upper, se, deff."""
    con.execute(
        "INSERT INTO mart_estimates VALUES "
        "(?, ?, ?, 'x', '', ?, ?, 'Gruppe', ?, ?, ?, ?, ?, ?, 'none', false)",
        [mart, wave, measure, breakdown, group_code, n, *numbers],
    )


def set_level(con, mart, wave, measure, breakdown, group_code, level):
    """What the reconstruction audit writes for a group it flags."""
    con.execute(
        "INSERT INTO published_precision VALUES (?, ?, ?, ?, ?, ?)",
        [mart, wave, measure, breakdown, group_code, level],
    )


def published(con, mart, wave=2020) -> dict[tuple, dict]:
    """The rows of ``mart`` as published, by (measure, breakdown, group_code) or, for changes,
    (wave_from, measure, breakdown, group_code)."""
    rows = read_wave(con, mart, wave).to_pylist()
    if mart == "changes":
        return {(r["wave_from"], r["measure"], r["breakdown"], r["group_code"]): r for r in rows}
    return {(r["measure"], r["breakdown"], r["group_code"]): r for r in rows}


def numbers(row: dict, columns: tuple[str, ...] | None = None) -> tuple:
    """``columns`` of a published row; by default an estimate's numbers, or a change's."""
    if columns is None:
        columns = CHANGE_NUMBERS if "difference" in row else ESTIMATE_NUMBERS
    return tuple(row[c] for c in columns)


ESTIMATE_NUMBERS = ("estimate", "ci_lower", "ci_upper", "se", "deff")
CHANGE_NUMBERS = ("estimate_from", "estimate_to", "difference", "se", "ci_lower", "ci_upper",
                  "p_value")  # fmt: skip


def test_estimates_are_rounded_half_away_from_zero_to_section_8s_decimals():
    con = warehouse()
    # a share: 3 decimals, se 4, deff 2
    add_estimate(con, "innovation", "innovative", "total", "all",
                 (0.0005, 0.00049999, 0.0125, 0.01234567, 1.23456))  # fmt: skip
    # a mean: 2 decimals, se 3, deff 2
    add_estimate(con, "factors", "mean_score", "total", "all",
                 (3.145, 3.0449, 3.2551, 0.0456789, 1.995001))  # fmt: skip
    # exact binary halves go away from zero (Python's round would give 3.12, 0.062, 1.12)
    add_estimate(con, "factors", "mean_score", "sector", "1", (3.125, 3.0, 3.25, 0.0625, 1.125))
    innovation = published(con, "innovation")[("innovative", "total", "all")]
    assert numbers(innovation) == (0.001, 0.0, 0.013, 0.0123, 1.23)
    means = published(con, "factors")
    mean = means[("mean_score", "total", "all")]
    assert numbers(mean) == (3.15, 3.04, 3.26, 0.046, 2.0)
    assert (mean["n"], mean["suppression"], mean["suppressed"]) == (100, "none", False)
    halves = means[("mean_score", "sector", "1")]
    assert numbers(halves) == (3.13, 3.0, 3.25, 0.063, 1.13)


def test_changes_and_differences_are_rounded_to_section_8s_decimals():
    con = warehouse()
    con.execute(
        "INSERT INTO mart_changes VALUES "
        "(2018, 2020, 'innovation', 'innovative', '', 'total', 'all', '', 'Alle', "
        " 0.7405001, 0.728, -0.0125, 0.02012345, -0.05195, 0.02695, 0.534567, false), "
        "(2018, 2020, 'factors', 'mean_score', 'okonomi', 'total', 'all', '', 'Alle', "
        " 3.145, 3.2, 0.055, 0.04567, -0.0345, 0.1445, 0.22814, false)"
    )
    con.execute(
        "INSERT INTO mart_differences VALUES "
        "(2020, 'factors', 'mean_score', 'okonomi', '', 'sector', 3, '', "
        " 12.3456, 2, 0.000123456, 0.000451, -2.3456, 0.01899)"
    )
    changes = published(con, "changes")
    share = changes[(2018, "innovative", "total", "all")]
    # a negative difference rounds away from zero: −0.0125 → −0.013
    assert numbers(share) == (0.741, 0.728, -0.013, 0.0201, -0.052, 0.027, 0.5346)
    mean = changes[(2018, "mean_score", "total", "all")]
    assert numbers(mean) == (3.15, 3.2, 0.06, 0.046, -0.03, 0.14, 0.2281)
    [test] = read_wave(con, "differences", 2020).to_pylist()
    tested = ("statistic", "p_value", "q_value", "trend_z", "trend_p")
    assert numbers(test, tested) == (12.35, 0.0001, 0.0005, -2.35, 0.019)
    assert (test["groups"], test["df"]) == (3, 2)


def test_level_2_rounds_a_group_to_whole_percent_and_withholds_se_and_deff():
    con = warehouse()
    for group in ("1", "2"):
        add_estimate(con, "factors", "promoted", "sector", group,
                     (0.5349, 0.4851, 0.5849, 0.0251, 1.1))  # fmt: skip
        add_estimate(con, "factors", "mean_score", "sector", group,
                     (3.26, 3.0449, 3.4751, 0.11, 1.3))  # fmt: skip
    set_level(con, "factors", 2020, "promoted", "sector", "1", 2)
    set_level(con, "factors", 2020, "mean_score", "sector", "1", 2)
    set_level(con, "factors", 2018, "promoted", "sector", "2", 3)  # another wave's: no effect
    rows = published(con, "factors")
    assert numbers(rows[("promoted", "sector", "1")]) == (0.53, 0.49, 0.58, None, None)
    assert numbers(rows[("mean_score", "sector", "1")]) == (3.3, 3.0, 3.5, None, None)
    # the other group of the table stays at §8's precision
    assert numbers(rows[("promoted", "sector", "2")]) == (0.535, 0.485, 0.585, 0.0251, 1.1)
    assert rows[("promoted", "sector", "1")]["n"] == 100
    assert len(rows) == 4  # every row and key is kept


def test_level_3_rounds_shares_to_steps_of_5_percent_and_means_to_halves():
    con = warehouse()
    add_estimate(con, "factors", "promoted", "sector", "1", (0.5349, 0.4851, 0.5849, 0.0251, 1.1))
    add_estimate(con, "factors", "mean_score", "sector", "1", (3.26, 2.74, 3.76, 0.26, 1.3))
    add_estimate(con, "innovation", "novelty", "sector", "1", (0.1749, 0.1251, 0.2249, 0.02, 1.0))
    set_level(con, "factors", 2020, "promoted", "sector", "1", 3)
    set_level(con, "factors", 2020, "mean_score", "sector", "1", 3)
    set_level(con, "innovation", 2020, "novelty", "sector", "1", 3)
    rows = published(con, "factors")
    assert numbers(rows[("promoted", "sector", "1")]) == (0.55, 0.5, 0.6, None, None)
    assert numbers(rows[("mean_score", "sector", "1")]) == (3.5, 2.5, 4.0, None, None)
    novelty = published(con, "innovation")[("novelty", "sector", "1")]
    # 0.1749 · 20 = 3.498 → 3 steps; 0.2249 · 20 = 4.498 → 4 steps: 0.15 and 0.2, exactly
    assert numbers(novelty) == (0.15, 0.15, 0.2, None, None)


def test_level_1_withholds_se_and_deff_and_keeps_section_8s_decimals():
    con = warehouse()
    add_estimate(con, "factors", "promoted", "sector", "1", (0.5349, 0.4851, 0.5849, 0.0251, 1.1))
    set_level(con, "factors", 2020, "promoted", "sector", "1", 1)
    rows = published(con, "factors")
    assert numbers(rows[("promoted", "sector", "1")]) == (0.535, 0.485, 0.585, None, None)


def test_the_last_level_withholds_the_interval_too():
    con = warehouse()
    add_estimate(con, "factors", "promoted", "sector", "1", (0.5349, 0.4851, 0.5849, 0.0251, 1.1))
    add_estimate(con, "factors", "mean_score", "sector", "1", (3.26, 2.74, 3.76, 0.26, 1.3))
    set_level(con, "factors", 2020, "promoted", "sector", "1", COARSEST_LEVEL)
    set_level(con, "factors", 2020, "mean_score", "sector", "1", COARSEST_LEVEL)
    rows = published(con, "factors")
    assert numbers(rows[("promoted", "sector", "1")]) == (0.5, None, None, None, None)
    assert numbers(rows[("mean_score", "sector", "1")]) == (3.0, None, None, None, None)


def test_a_change_with_one_coarsened_side_is_coarsened_and_withholds_se_and_p_value():
    con = warehouse()
    con.execute(
        "INSERT INTO mart_changes VALUES "
        "(2018, 2020, 'factors', 'promoted', 'x', 'sector', '1', '', 'Helse', "
        " 0.5349, 0.6012, 0.0663, 0.0301, 0.0073, 0.1253, 0.02761, false), "
        "(2018, 2020, 'factors', 'promoted', 'x', 'sector', '2', '', 'Oppvekst', "
        " 0.5349, 0.6012, 0.0663, 0.0301, 0.0073, 0.1253, 0.02761, false), "
        "(2018, 2020, 'factors', 'mean_score', 'x', 'sector', '1', '', 'Helse', "
        " 3.26, 3.74, 0.48, 0.2, 0.088, 0.872, 0.0164, false)"
    )
    # the earlier wave's share group is at level 2; the later wave's mean group at level 3
    set_level(con, "factors", 2018, "promoted", "sector", "1", 2)
    set_level(con, "factors", 2020, "mean_score", "sector", "1", 3)
    changes = published(con, "changes")
    share, mean = (changes[(2018, m, "sector", "1")] for m in ("promoted", "mean_score"))
    assert numbers(share) == (0.53, 0.6, 0.07, None, 0.01, 0.13, None)
    assert numbers(mean) == (3.5, 3.5, 0.5, None, 0.0, 1.0, None)
    level_0 = changes[(2018, "promoted", "sector", "2")]
    assert numbers(level_0) == (0.535, 0.601, 0.066, 0.0301, 0.007, 0.125, 0.0276)


def test_the_rounding_of_every_level_is_the_vocabularys():
    share, mean = "share", "mean"
    assert published_rounding("estimate", share, 1).decimals == 3
    assert published_rounding("estimate", share, 2).decimals == 2
    assert published_rounding("estimate", mean, 2).decimals == 1
    assert published_rounding("ci_upper", share, 3).unit == pytest.approx(0.05)
    assert published_rounding("difference", mean, 3).unit == pytest.approx(0.5)
    for level in (1, 2, 3):
        for column in ("se", "deff", "p_value"):
            assert published_rounding(column, share, level) is None
    assert published_rounding("q_value", share, 3).decimals == 4  # tests are not coarsened


def test_the_audits_levels_are_checked_where_it_writes_them():
    con = warehouse()
    with pytest.raises(duckdb.ConstraintException):
        set_level(con, "factors", 2020, "promoted", "sector", "1", COARSEST_LEVEL + 1)
    set_level(con, "factors", 2020, "promoted", "sector", "1", 2)
    run_sql(con, mart_tables_sql())  # creating the tables again keeps the audit's rows
    assert con.execute("SELECT level FROM published_precision").fetchall() == [(2,)]


def test_dagster_metadata_previews_the_published_rows():
    con = warehouse()
    add_estimate(con, "innovation", "innovative", "total", "all",
                 (0.12345, 0.10011, 0.14679, 0.012345, 1.2345))  # fmt: skip
    metadata = mart_result(con, "innovation", read_wave(con, "innovation", 2020)).metadata
    preview = metadata["preview"].value
    assert "0.123" in preview and "0.12345" not in preview
    assert "0.0123" in preview and "0.012345" not in preview
    assert metadata["dagster/row_count"] == 1


# --- publishing --------------------------------------------------------------------------


def publish(warehouse: Path, marts_dir: Path):
    with duckdb.connect(str(warehouse)) as con:
        return publish_wave(
            con,
            2020,
            marts_dir=marts_dir,
            inputs={"2020/frame.csv": "a" * 64},
            code_version="c" * 64,
            run_id="run",
            min_cell_size=MIN_CELL_SIZE,
            gate=functools.partial(run_gate, docs_dir=None),
        )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


TOTAL_INNOVATIVE = "measure = 'innovative' AND breakdown = 'total'"


def test_the_warehouse_keeps_full_precision_and_the_release_is_rounded(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    write_warehouse(path, waves=(2020,))
    full = (0.7512345, 0.7012345, 0.8012345, 0.02512345, 1.2345678)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "UPDATE mart_innovation SET estimate = ?, ci_lower = ?, ci_upper = ?, se = ?, "
            f"deff = ? WHERE {TOTAL_INNOVATIVE}",
            list(full),
        )
    release = publish(path, tmp_path / "marts")
    [row] = (
        pq.read_table(release.path / "innovation.parquet")
        .filter((pc.field("measure") == "innovative") & (pc.field("breakdown") == "total"))
        .to_pylist()
    )
    assert numbers(row) == (0.751, 0.701, 0.801, 0.0251, 1.23)
    with duckdb.connect(str(path)) as con:
        kept = con.execute(
            f"SELECT estimate, ci_lower, ci_upper, se, deff FROM mart_innovation "
            f"WHERE {TOTAL_INNOVATIVE}"
        ).fetchall()
    assert kept == [full]


def test_a_number_with_more_decimals_than_section_8_allows_blocks_publication(
    tmp_path, monkeypatch
):
    path, marts_dir = tmp_path / "warehouse.duckdb", tmp_path / "marts"
    write_warehouse(path, waves=(2020,))
    publish(path, marts_dir)
    before = snapshot(marts_dir)

    # one extra digit, as a rounding that missed would leave
    where = {"measure": "innovative", "breakdown": "total"}
    planted = planting("innovation", where, estimate=0.12345, ci_lower=0.1, ci_upper=0.15)
    monkeypatch.setattr(release_module, "read_wave", planted)
    with pytest.raises(QualityGateError) as raised:
        publish(path, marts_dir)
    message = str(raised.value)
    assert "innovation: 1 of 39 expectations failed" in message
    assert (
        "row (wave=2020, measure='innovative', item='', breakdown='total', group_code='all'): "
        "_gate_excess_decimals='estimate=0.12345 (3 decimals allowed)'" in message
    )
    assert [r.mart for r in raised.value.results] == ["innovation"]
    assert versions(marts_dir / "wave=2020") == ["v0001"]
    assert snapshot(marts_dir) == before


def test_every_number_of_the_sample_releases_has_at_most_section_8s_decimals(published):
    checked = 0
    for path in sorted(published.glob("wave=*/v*/*.parquet")):
        table = pq.read_table(path)
        means = [m.startswith("mean_") for m in table["measure"].to_pylist()]
        for column in set(table.column_names) & set(PUBLISHED_DECIMALS):
            allowed = PUBLISHED_DECIMALS[column]
            for mean, value in zip(means, table[column].to_pylist(), strict=True):
                if value is None:
                    continue
                decimals = allowed.mean if mean else allowed.share
                assert round(value, decimals) == value, (path, column, value, decimals)
                assert math.isfinite(value)
                checked += 1
    # 2018: innovation, factors and their tests; 2020: five marts, tests and changes; 2024:
    # four marts, tests and changes
    assert len(list(published.glob("wave=*/v*/*.parquet"))) == 3 + 7 + 6
    assert checked > 50_000
