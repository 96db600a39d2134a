"""The headline regression test: every figure KS published for 2018 and 2020 is reproduced
by the pipeline (ingest -> SQL marts) on the committed sample deliveries."""

from __future__ import annotations

import pytest

from pipelines import paths
from pipelines.report.statements import check, load_statements

STATEMENTS = load_statements(paths.published_figures())


@pytest.mark.parametrize("statement", STATEMENTS, ids=[s.id for s in STATEMENTS])
def test_published_statement_is_reproduced(sample_warehouse, statement):
    result = check(sample_warehouse, statement)
    assert result.holds, f"{statement.id} ({statement.text}): {result.explanation}"
