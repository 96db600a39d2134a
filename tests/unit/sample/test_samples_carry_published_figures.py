"""The committed sample deliveries carry the figures they were built to carry: every
statement KS published for 2018 and 2020 holds on them when the reference estimator
(tests/reference_estimator.py, no code shared with the pipeline) estimates the marts, and
weighting moves the headline figure by a few points. This checks the generator's
calibration, which test_pipeline_reproduces_sample_figures.py relies on."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines import paths
from pipelines.report.rows import GroupTest, MartRow
from pipelines.report.statements.base import SignificanceStatement
from pipelines.report.statements.evaluation import evaluate, evaluate_test
from pipelines.report.statements.reading import load_statements
from tests import reference_estimator as ref
from tests.reference_samples import reference_marts, sample_wave

STATEMENTS = load_statements(paths.published_figures())


marts = reference_marts


def reference_rows(statement) -> list[MartRow]:
    """The reference estimator's rows of the statement's measure and breakdown."""
    mart = marts(statement.wave)[statement.mart]
    rows = mart[(mart["measure"] == statement.measure) & (mart["breakdown"] == statement.breakdown)]
    return [
        MartRow(
            item=r.item,
            item_label="",
            group_code=r.group_code,
            group_label="",
            n=int(r.n),
            estimate=None if r.suppressed else float(r.estimate),
            ci_lower=None if r.suppressed else float(r.ci_lower),
            ci_upper=None if r.suppressed else float(r.ci_upper),
            suppression=r.suppression,
        )
        for r in rows.itertuples(index=False)
    ]


def reference_test(statement) -> GroupTest | None:
    """The reference estimator's differences row of the statement's table."""
    tests = marts(statement.wave)["differences"]
    found = tests[
        (tests["mart"] == statement.mart)
        & (tests["measure"] == statement.measure)
        & (tests["item"] == statement.items[0])
        & (tests["breakdown"] == statement.breakdown)
    ]
    if found.empty:
        return None
    r = found.iloc[0]

    def number(x):
        return None if pd.isna(x) else float(x)

    return GroupTest(int(r.groups), r.groups_left_out, number(r.p_value), number(r.q_value),
                     number(r.trend_z), number(r.trend_p))  # fmt: skip


@pytest.mark.parametrize("statement", STATEMENTS, ids=[s.id for s in STATEMENTS])
def test_the_samples_carry_the_published_figure(statement):
    if isinstance(statement, SignificanceStatement):
        result = evaluate_test(statement, reference_test(statement))
    else:
        result = evaluate(statement, reference_rows(statement))
    assert result.holds, f"{statement.id}: {result.explanation}"


def test_the_statements_cover_both_waves_and_every_kind():
    assert {s.wave for s in STATEMENTS} == {2018, 2020}
    assert {s.kind for s in STATEMENTS} == {
        "value", "sum", "close", "top", "next_after_top", "bottom",
        "max_group", "min_group", "first_gt_last", "increasing", "range_below",
        "difference", "no_difference", "trend_up", "trend_down",
    }  # fmt: skip


@pytest.mark.parametrize("wave", [2018, 2020, 2024])
def test_weighting_moves_the_headline_by_a_few_points(wave):
    data, _ = sample_wave(wave)
    unweighted = data[[f"innov_{t}" for t in ref.INNOVATION_TYPES]].eq(1).any(axis=1).mean()
    innovation = marts(wave)["innovation"]
    weighted = innovation.query("measure == 'innovative' and breakdown == 'total'")[
        "estimate"
    ].item()
    assert 0.015 <= unweighted - weighted <= 0.05
