"""The quality gate: every rule passes a good mart and fails a mart that breaks it.

One GX context (per Data Docs folder) is shared by the whole module, so GX is
imported and set up once.
"""

from __future__ import annotations

import functools
import json
import re

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.marts.measures import MARTS
from pipelines.marts.shapes import CHANGES, DIFFERENCES, VALUE_COLUMNS
from pipelines.publish import code_version, publish_wave
from pipelines.publish.layout import release_dir, versions
from pipelines.quality import QualityGateError, run_gate
from pipelines.warehouse.mart_tables import warehouse_table
from tests.data_docs import validation_pages
from tests.mart_fixtures import MIN_CELL_SIZE, good_frame, write_warehouse

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

# Expectations per suite: 38 common ones, a mean range where the mart has a mean,
# the distribution sum where it has a distribution.
SUITE_SIZES = {
    "innovation": 39,
    "factors": 39,
    "failures": 39,
    "culture_index": 40,
    "reform_pressure": 39,
}


def gate(mart, frame, min_cell_size=MIN_CELL_SIZE):
    # Without Data Docs: rendering them takes longer than validating.
    return run_gate(mart, frame, min_cell_size, None)


def failed(result):
    return {(f.expectation, f.column) for f in result.failures}


def at(frame, **where):
    """Boolean mask of the rows matching all `where` column values."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() >= 1, where
    return mask


TOTAL_INNOVATIVE = {"measure": "innovative", "breakdown": "total"}
PUBLISHED_INNOVATIVE = {"measure": "innovative", "group_code": "1"}
SMALL_INNOVATIVE = {"measure": "innovative", "group_code": "5"}


def test_a_failure_is_rendered_at_once_and_a_pass_keeps_its_result(tmp_path):
    docs_dir = tmp_path / "quality-docs"
    passed = run_gate("factors", good_frame("factors"), MIN_CELL_SIZE, docs_dir)
    failing = good_frame("failures").assign(fritekst_nyeste="x")
    failed_result = run_gate("failures", failing, MIN_CELL_SIZE, docs_dir)
    assert passed.docs_index is None
    assert passed.validation["result"]["success"] is True
    assert passed.validation["key"][0] == f"factors_min_cell_size_{MIN_CELL_SIZE}"
    assert failed_result.validation is None
    assert failed_result.docs_index == docs_dir.resolve() / "index.html"
    index = failed_result.docs_index.read_text()
    assert f"failures_min_cell_size_{MIN_CELL_SIZE}" in index
    assert f"factors_min_cell_size_{MIN_CELL_SIZE}" not in index  # a pass is not rendered
    [page] = (docs_dir / "validations").rglob("*.html")
    assert page.name == "marts-failures.html"
    assert f"(Data Docs: {failed_result.docs_index})" in str(failed_result)
    # the page holds every rule of the suite, passed or not (only the failed one is validated
    # again for its detail), and what the failed one found
    assert len(failed_result.failures) == 1
    text = " ".join(page.read_text(encoding="utf-8").split())
    shown = dict(
        re.findall(
            r">(Evaluated|Successful) Expectations</div></td><td[^>]*><div[^>]*>(\d+)<", text
        )
    )
    assert shown == {
        "Evaluated": str(SUITE_SIZES["failures"]),
        "Successful": str(SUITE_SIZES["failures"] - 1),
    }
    assert "the key (wave, measure, item, breakdown, group_code) is unique" in text
    assert "fritekst_nyeste" in text


def _set(frame, where, **values):
    frame = frame.copy()
    mask = at(frame, **where)
    for column, value in values.items():
        frame.loc[mask, column] = value
    return frame


def _extra_column(frame):
    return frame.assign(fritekst_nyeste="navn og annet")


def _duplicate_key(frame):
    return pd.concat([frame, frame[at(frame, **TOTAL_INNOVATIVE)]], ignore_index=True)


def _index_sum_off(frame):
    where = {"measure": "index_distribution", "item": "5", "breakdown": "total"}
    return _set(frame, where, estimate=0.24)


BETWEEN = "expect_column_values_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
PAIR = "expect_column_pair_values_a_to_be_greater_than_b"
NULL = "expect_column_values_to_be_null"

# (case, mart, break the good frame, the failing (expectation, column)s, text in the message)
BAD = [
    (
        "column outside the spec",
        "innovation",
        _extra_column,
        {("expect_table_columns_to_match_ordered_list", "(table)")},
        "fritekst_nyeste",
    ),
    (
        "duplicate key",
        "innovation",
        _duplicate_key,
        {("expect_compound_columns_to_be_unique", "wave, measure, item, breakdown, group_code")},
        "measure='innovative'",
    ),
    (
        "NULL measure",
        "failures",
        lambda f: _set(f, {"measure": "failed_attempt", "breakdown": "total"}, measure=None),
        {(NOT_NULL, "measure")},
        "group_code='all'",
    ),
    (
        "NULL group_code",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, group_code=None),
        {(NOT_NULL, "group_code")},
        "measure='innovative'",
    ),
    (
        "NULL n",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, n=None),
        {(NOT_NULL, "n")},
        "measure='innovative'",
    ),
    (
        "measure of another mart",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, measure="agree"),
        {(IN_SET, "measure")},
        "'agree'",
    ),
    (
        "unknown breakdown",
        "factors",
        lambda f: _set(f, {"measure": "promoted", "breakdown": "total"}, breakdown="kommune"),
        {(IN_SET, "breakdown")},
        "breakdown='kommune'",
    ),
    (
        "share above 1",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, estimate=1.2, ci_lower=1.1, ci_upper=1.3),
        {(BETWEEN, "estimate"), (BETWEEN, "ci_lower"), (BETWEEN, "ci_upper")},
        "estimate=1.2",
    ),
    (
        "interval bound below 0",
        "failures",
        lambda f: _set(f, {"item": "produkt", "breakdown": "total"}, ci_lower=-0.01),
        {(BETWEEN, "ci_lower")},
        "ci_lower=-0.01",
    ),
    (
        "mean_score below its scale",
        "factors",
        lambda f: _set(
            f, {"measure": "mean_score", "breakdown": "total"}, estimate=0.5, ci_lower=0.2
        ),
        {(BETWEEN, "estimate")},
        "the mean_score estimate is in [1, 6]",
    ),
    (
        "mean_index above its scale",
        "culture_index",
        lambda f: _set(
            f, {"measure": "mean_index", "breakdown": "total"}, estimate=5.5, ci_upper=5.8
        ),
        {(BETWEEN, "estimate")},
        "the mean_index estimate is in [0, 5]",
    ),
    (
        "ci_lower above the estimate",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, ci_lower=0.8),
        {(PAIR, "estimate, ci_lower")},
        "estimate=0.75, ci_lower=0.8",
    ),
    (
        "ci_upper below the estimate",
        "culture_index",
        lambda f: _set(f, {"measure": "agree", "breakdown": "total"}, ci_upper=0.7),
        {(PAIR, "ci_upper, estimate")},
        "ci_upper=0.7, estimate=0.8",
    ),
    (
        "small cell not primary-suppressed",
        "innovation",
        lambda f: _set(f, SMALL_INNOVATIVE, suppression="secondary"),
        {(IN_SET, "suppression")},
        f"primary suppression when n < {MIN_CELL_SIZE}",
    ),
    (
        "large cell primary-suppressed",
        "innovation",
        lambda f: _set(f, PUBLISHED_INNOVATIVE, suppression="primary"),
        {(IN_SET, "suppression")},
        f"no primary suppression when n >= {MIN_CELL_SIZE}",
    ),
    (
        "suppressed flag without a kind of suppression",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, suppressed=True),
        {(IN_SET, "suppression"), *((NULL, c) for c in VALUE_COLUMNS)},
        "suppressed exactly when suppression is primary or secondary",
    ),
    (
        "negative standard error",
        "factors",
        lambda f: _set(f, {"measure": "promoted", "breakdown": "total"}, se=-0.01),
        {(BETWEEN, "se")},
        "se=-0.01",
    ),
    (
        "design effect missing for a published row",
        "culture_index",
        lambda f: _set(f, {"measure": "mean_index", "breakdown": "total"}, deff=None),
        {(NOT_NULL, "deff")},
        "deff is present when not suppressed",
    ),
    (
        "estimate shown for a small cell",
        "innovation",
        lambda f: _set(f, SMALL_INNOVATIVE, estimate=0.7),
        {(NULL, "estimate")},
        "group_code='5'",
    ),
    (
        "interval missing for a large cell",
        "reform_pressure",
        lambda f: _set(f, {"measure": "in_merging_unit", "breakdown": "total"}, ci_upper=None),
        {(NOT_NULL, "ci_upper")},
        "measure='in_merging_unit'",
    ),
    (
        "distribution not summing to 1",
        "culture_index",
        _index_sum_off,
        {(PAIR, "_gate_distribution_slack, _gate_distribution_gap")},
        "breakdown='total'",
    ),
    (
        "a share with a fourth decimal",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, estimate=0.12345, ci_lower=0.1, ci_upper=0.2),
        {(NULL, "_gate_excess_decimals")},
        "row (wave=2020, measure='innovative', item='', breakdown='total', group_code='all'): "
        "_gate_excess_decimals='estimate=0.12345 (3 decimals allowed)'",
    ),
    (
        "a mean with a third decimal",
        "factors",
        lambda f: _set(f, {"measure": "mean_score", "breakdown": "total"}, estimate=4.255),
        {(NULL, "_gate_excess_decimals")},
        "estimate=4.255 (2 decimals allowed)",
    ),
    (
        "the se of a mean with a fourth decimal",
        "culture_index",
        lambda f: _set(f, {"measure": "mean_index", "breakdown": "total"}, se=0.1234),
        {(NULL, "_gate_excess_decimals")},
        "se=0.1234 (3 decimals allowed)",
    ),
    (
        "a design effect with a third decimal",
        "reform_pressure",
        lambda f: _set(f, {"measure": "in_merging_unit", "breakdown": "total"}, deff=1.234),
        {(NULL, "_gate_excess_decimals")},
        "deff=1.234 (2 decimals allowed)",
    ),
    (
        "se withheld without deff",
        "innovation",
        lambda f: _set(f, TOTAL_INNOVATIVE, se=None),
        {(NOT_NULL, "se")},
        "se is present when not suppressed, unless withheld with deff",
    ),
    (
        "distribution short by more than rounding explains",
        "innovation",
        # three items at 3 decimals: rounding explains 0.0015 at most
        lambda f: _set(
            f,
            {"measure": "novelty", "item": "dont_know", "group_code": "1"},
            estimate=0.198,
            ci_lower=0.15,
        ),
        {(PAIR, "_gate_distribution_slack, _gate_distribution_gap")},
        "group_code='1'",
    ),
    (
        "distribution item missing",
        "innovation",
        lambda f: f[~at(f, measure="novelty", item="dont_know", group_code="1")],
        {(PAIR, "_gate_distribution_slack, _gate_distribution_gap")},
        "group_code='1'",
    ),
]


@pytest.mark.parametrize(
    ("mart", "breaking", "expected", "shown"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_each_rule_fails_the_mart_that_breaks_it(mart, breaking, expected, shown):
    result = gate(mart, breaking(good_frame(mart)))
    assert not result.success
    assert failed(result) == expected
    assert shown in str(result)


def test_missing_column_is_reported_by_the_column_rule():
    result = gate("innovation", good_frame("innovation").drop(columns="group_label"))
    assert not result.success
    assert ("expect_table_columns_to_match_ordered_list", "(table)") in failed(result)
    assert "group_label" in str(result)


def test_suppression_rules_follow_the_minimum_cell_size():
    frame = good_frame("innovation")  # the group of n = 7 is primary, right for 10
    assert gate("innovation", frame, min_cell_size=10).success
    result = gate("innovation", frame, min_cell_size=5)
    assert failed(result) == {(IN_SET, "suppression")}
    assert "no primary suppression when n >= 5" in str(result)


def test_good_marts_pass_every_rule_and_a_bad_one_is_not_published(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, waves=(2020,))
    marts_dir = tmp_path / "marts"
    publish = functools.partial(
        publish_wave,
        marts_dir=marts_dir,
        inputs={"2020/frame.csv": "a" * 64},
        code_version=code_version(),
        run_id="run-1",
        min_cell_size=MIN_CELL_SIZE,
        gate=functools.partial(run_gate, docs_dir=None),
    )
    with duckdb.connect(str(warehouse)) as con:
        release = publish(con, 2020)
        pages = release.path / "quality"
        assert validation_pages(pages) == {f"{mart}-wave-2020": "Succeeded" for mart in MARTS}
        rendered = {p: p.read_bytes() for p in pages.rglob("*") if p.is_file()}
        # validated again, at another time: the pages alone make no new version
        again = publish(con, 2020)
        assert (again.version, again.created_new) == ("v0001", False)
        assert {p: p.read_bytes() for p in pages.rglob("*") if p.is_file()} == rendered
        manifest = json.loads(release.manifest_path.read_text())
        assert manifest["quality_gate"] == {
            "passed": True,
            "marts": {
                mart: {"success": True, "expectations": SUITE_SIZES[mart], "failed": []}
                for mart in MARTS
            },
        }
        con.execute(
            f"UPDATE {warehouse_table('factors')} SET estimate = 7.5, ci_upper = 7.8 "
            "WHERE measure = 'mean_score' AND breakdown = 'total'"
        )
        with pytest.raises(QualityGateError) as raised:
            publish(con, 2020)
    message = str(raised.value)
    assert "factors: 1 of 39 expectations failed" in message
    assert "the mean_score estimate is in [1, 6]" in message
    assert "group_code='all'" in message and "estimate=7.5" in message
    assert [r.mart for r in raised.value.results] == ["factors"]
    assert versions(release_dir(marts_dir, 2020)) == ["v0001"]


def test_a_distribution_may_miss_1_by_what_rounding_explains():
    # three items at 3 decimals: up to 3 × 0.0005 from 1
    frame = _set(
        good_frame("innovation"),
        {"measure": "novelty", "item": "dont_know", "group_code": "1"},
        estimate=0.199,
    )
    assert gate("innovation", frame).success


def test_withheld_se_and_deff_pass_and_widen_the_distribution_rule():
    """A group the reconstruction audit coarsened publishes its estimate and interval,
    without se and deff (marts.md §8); its distribution may then miss 1 by what the
    coarsest level's steps of 0.05 explain: 3 items × 0.025."""
    novelty_1 = {"measure": "novelty", "group_code": "1"}
    frame = _set(good_frame("innovation"), novelty_1, se=None, deff=None)
    frame = _set(frame, {**novelty_1, "item": "dont_know"}, estimate=0.25, ci_upper=0.3)
    assert gate("innovation", frame).success
    # the same sum, 1.05, with se published: level 0, where rounding explains 0.0015
    frame = _set(frame, novelty_1, se=0.01, deff=1.2)
    assert failed(gate("innovation", frame)) == {
        (PAIR, "_gate_distribution_slack, _gate_distribution_gap")
    }


def change_rows(**numbers):
    """One published change of innovative, 2018 to 2020, with ``numbers`` replaced."""
    row = {
        "wave_from": 2018, "wave_to": 2020, "mart": "innovation", "measure": "innovative",
        "item": "", "breakdown": "total", "group_code": "all", "item_label": "",
        "group_label": "Alle", "estimate_from": 0.74, "estimate_to": 0.75, "difference": 0.01,
        "se": 0.0203, "ci_lower": -0.03, "ci_upper": 0.05, "p_value": 0.6217,
        "suppressed": False,
    }  # fmt: skip
    return pa.Table.from_pylist([{**row, **numbers}], schema=CHANGES.arrow_schema).to_pandas()


def test_a_change_may_withhold_se_and_p_value_together():
    assert gate("changes", change_rows()).success
    assert gate("changes", change_rows(se=None, p_value=None)).success
    result = gate("changes", change_rows(se=None))
    assert failed(result) == {(NULL, "p_value")}
    assert "p_value is NULL where se is (suppressed or withheld)" in str(result)


@pytest.mark.parametrize(
    ("mart", "frame", "shown"),
    [
        ("changes", change_rows(difference=0.0125), "difference=0.0125 (3 decimals allowed)"),
        ("changes", change_rows(p_value=0.62171), "p_value=0.62171 (4 decimals allowed)"),
        (
            "differences",
            pa.Table.from_pylist(
                [
                    {
                        "wave": 2020,
                        "mart": "factors",
                        "measure": "mean_score",
                        "item": "okonomi",
                        "item_label": "Økonomi",
                        "breakdown": "sector",
                        "groups": 3,
                        "groups_left_out": "",
                        "statistic": 4.567,
                        "df": 2,
                        "p_value": 0.1019,
                        "q_value": 0.2,
                        "trend_z": None,
                        "trend_p": None,
                    }  # fmt: skip
                ],
                schema=DIFFERENCES.arrow_schema,
            ).to_pandas(),
            "statistic=4.567 (2 decimals allowed)",
        ),
    ],
    ids=["a change's difference", "a change's p_value", "a test's statistic"],
)
def test_a_comparison_with_more_decimals_than_section_8_allows_fails(mart, frame, shown):
    result = gate(mart, frame)
    assert failed(result) == {(NULL, "_gate_excess_decimals")}
    assert shown in str(result)


# A mean score no answer scale allows: the 2018 factors fail the gate on it.
PLANTED = 6.87
# The planted value as a number of its own: not the digits of a longer one, such as the
# seconds of a time a page prints (18:56:06.873).
PLANTED_NUMBER = re.compile(rf"(?<![\d.]){re.escape(str(PLANTED))}(?!\d)")


def test_only_passing_validations_of_a_version_are_published_in_it(tmp_path):
    """Wave 2018 fails the gate: nothing is published and its failing page stays in the
    private folder. Wave 2020, published next, holds the pages of its own marts, all
    passed, in its version; nothing of 2018's validation is anywhere under the published
    folder — no page, no run name, not the failing value (in no file and no Parquet cell)."""
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, waves=(2018, 2020))
    marts_dir, private = tmp_path / "marts", tmp_path / "quality-docs"
    publish = functools.partial(
        publish_wave,
        marts_dir=marts_dir,
        inputs={"frame.csv": "a" * 64},
        code_version=code_version(),
        run_id="run-1",
        min_cell_size=MIN_CELL_SIZE,
        gate=functools.partial(run_gate, docs_dir=private),
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"UPDATE {warehouse_table('factors')} SET estimate = {PLANTED}, "
            f"ci_upper = {PLANTED + 0.3} "
            "WHERE wave = 2018 AND measure = 'mean_score' AND breakdown = 'total'"
        )
        with pytest.raises(QualityGateError):
            publish(con, 2018)
        release = publish(con, 2020)

    failing = validation_pages(private)
    assert failing == {"factors-wave-2018": "Failed"}
    failing_pages = "".join(p.read_text() for p in private.rglob("validations/**/*.html"))
    assert PLANTED_NUMBER.search(failing_pages)

    assert sorted(p.name for p in marts_dir.iterdir()) == ["wave=2020"]
    pages = release.path / "quality"
    assert (pages / "index.html").is_file()
    assert validation_pages(pages) == {f"{mart}-wave-2020": "Succeeded" for mart in MARTS}
    assert validation_pages(marts_dir) == validation_pages(pages)
    for path in (p for p in marts_dir.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            assert PLANTED not in pq.read_table(path).column("estimate").to_pylist(), path
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
            assert "wave-2018" not in text, path
            # GX's own images and scripts hold numbers of every kind; the pages hold values
            if "static" not in path.relative_to(marts_dir).parts:
                assert not PLANTED_NUMBER.search(text), path
