"""The pipeline reproduces the figures the samples were built to carry: every figure KS
published for 2018 and 2020 comes out of ingest, the SQL marts and publishing on the
committed sample deliveries, as the releases publish them (the report's reading).

The generator drew those deliveries so that these very figures hold on them
(tests/unit/sample/test_samples_carry_published_figures.py), so this is a regression test of
the whole pipeline on inputs made for it, not evidence that its estimates are right. That
evidence is independent of the samples' calibration: every mart row against the reference
estimator (test_marts_against_reference.py, test_comparisons.py), standard errors against a
survey library (test_design_variance.py) and marts worked out by hand
(test_marts_hand_computed.py).
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from pipelines import paths
from pipelines.report.published import opened, published_version
from pipelines.report.statements.evaluation import check
from pipelines.report.statements.reading import load_statements

STATEMENTS = load_statements(paths.published_figures())


@pytest.fixture(scope="module")
def releases(published):
    """Each sample wave's latest release, opened as the report opens it."""
    with ExitStack() as stack:
        waves = {s.wave for s in STATEMENTS}
        yield {w: stack.enter_context(opened(published_version(published, w))) for w in waves}


@pytest.mark.parametrize("statement", STATEMENTS, ids=[s.id for s in STATEMENTS])
def test_the_pipeline_reproduces_the_figure_the_samples_carry(releases, statement):
    result = check(releases[statement.wave], statement)
    assert result.holds, f"{statement.id} ({statement.text}): {result.explanation}"
