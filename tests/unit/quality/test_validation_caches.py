"""The caches GX gets while the gate validates (pipelines/quality/validation_caches.py)
change nothing of a result: the gate's verdict, failures and kept validation are the same,
value for value, with them and without, on passing marts and on broken ones; a cache that
mixed up expectations or conditions is caught by the same comparison; and GX's own methods
are back when the block ends, however it ends."""

from __future__ import annotations

import contextlib

import pytest
from great_expectations.execution_engine.pandas_execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import Expectation

from pipelines.quality import mart_validation, validation_caches
from pipelines.quality.validation_caches import validating
from tests.mart_fixtures import MIN_CELL_SIZE, good_frame
from tests.unit.quality.test_quality_gate import BAD, change_rows

# What differs between two validations of the same frame: when GX read the batch and ran
# (also the third part of a kept validation's key).
_WHEN = {"ge_load_time", "run_time", "validation_time"}

# Every kind of rule: the distribution sum (innovation), a mean's range (culture_index), a
# comparison mart; rules on suppressed rows, on small cells, on shown rows with a condition
# on a second column.
PASSING = {
    "innovation": good_frame("innovation"),
    "culture_index": good_frame("culture_index"),
    "changes": change_rows(),
}


def _broken(case: str) -> tuple:
    """The mart of the gate tests' case ``case``, broken as it breaks it (a name that is not
    one of them stops the module, rather than leaving the case out)."""
    [(mart, breaking)] = [(m, b) for name, m, b, _, _ in BAD if name == case]
    return mart, breaking(good_frame(mart))


FAILING = {
    case: _broken(case)
    for case in (
        "small cell not primary-suppressed",
        "mean_index above its scale",
        "interval missing for a large cell",
    )
}
CASES = {**{m: (m, f) for m, f in PASSING.items()}, **FAILING}


def _without_when(value):
    if isinstance(value, dict):
        return {k: _without_when(v) for k, v in value.items() if k not in _WHEN}
    if isinstance(value, list):
        return [_without_when(v) for v in value]
    return value


def _gate(mart, frame) -> tuple:
    result = mart_validation.run_gate(mart, frame, MIN_CELL_SIZE, None)
    kept = result.validation
    if kept is not None:
        suite, run, _, batch = kept["key"]
        kept = _without_when({**kept, "key": [suite, run, batch]})
    return result.success, result.evaluated, result.failures, kept


def _uncached(monkeypatch, mart, frame) -> tuple:
    with monkeypatch.context() as patch:
        patch.setattr(mart_validation, "validating", contextlib.nullcontext)
        return _gate(mart, frame)


@pytest.mark.parametrize("case", list(CASES))
def test_a_validation_is_the_same_with_the_caches_and_without(case, monkeypatch):
    mart, frame = CASES[case]
    cached = _gate(mart, frame)
    assert cached == _uncached(monkeypatch, mart, frame)
    assert cached[0] == (case in PASSING)
    # what is compared is the whole result: a pass keeps it, a failure names its rows
    assert cached[3] is not None if case in PASSING else cached[2]


def test_a_cache_that_mixes_up_what_it_keeps_is_caught(monkeypatch):
    """Keyed by what is asked for but not of which object, the caches hand every
    expectation the first one's configuration and every condition the first rows filtered:
    the comparison above sees it."""
    mart, frame = CASES["small cell not primary-suppressed"]
    expected = _uncached(monkeypatch, mart, frame)

    def mixed_up(self, of, key, make):
        return self._kept.setdefault((0, key), (of, make()))[1]

    monkeypatch.setattr(validation_caches._Made, "get", mixed_up)
    assert _gate(mart, frame) != expected


def test_gx_gets_its_own_methods_back_however_the_block_ends():
    configuration = Expectation.__dict__["configuration"]
    filter_rows = PandasExecutionEngine.__dict__["_apply_row_condition_filter"]
    # what the caches wrap is there in the installed GX: they are in use, not skipped
    assert isinstance(configuration, property) and callable(filter_rows)
    with pytest.raises(RuntimeError), validating():
        assert Expectation.__dict__["configuration"] is not configuration
        assert PandasExecutionEngine.__dict__["_apply_row_condition_filter"] is not filter_rows
        with validating():  # a block inside a block keeps the outer one's caches
            assert Expectation.__dict__["configuration"] is not configuration
        assert Expectation.__dict__["configuration"] is not configuration
        raise RuntimeError("a validation that raised")
    assert Expectation.__dict__["configuration"] is configuration
    assert PandasExecutionEngine.__dict__["_apply_row_condition_filter"] is filter_rows
