"""Two caches that Great Expectations 1.x lacks, switched on while the gate validates a suite.

Validating costs GX about 10 ms an expectation, whatever the data (mart_validation.py). Two
things in GX make half of it:

- ``Expectation.configuration`` is a property that builds the expectation's configuration
  anew on every access (a pydantic ``.dict()``, which deep-copies every field). GX reads it
  dozens of times per expectation while validating one: ``_get_domain_kwargs`` alone builds
  it once per key it looks up.
- A row condition filters the batch with ``DataFrame.query`` once for every metric that
  needs the rows, so the same condition on the same frame is parsed and evaluated again for
  each of them.

Inside ``validating()`` an expectation's configuration is built once, and a condition's rows
are filtered once per frame. Neither the expectations nor the frame change while a suite is
validated: GX makes new expectation objects for a validation and reads them only, and the
batch is the gate's own copy of the mart. The caches live for the ``with`` block only: they
are emptied, and GX's own methods put back, when it ends, however it ends. A lock keeps two
threads of one process from validating at once, since the switch is process-wide.

What it must not change, it does not: the gate's results are the same, value for value, with
the caches and without (tests/unit/quality/test_validation_caches.py compares them on a share
mart, a mean mart and a comparison mart that pass, and on marts that break rules with row
conditions, whose failures are validated again in the detailed format). Where the installed
GX no longer has what the caches wrap, validating runs without them, as slowly as before,
and that test fails.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def validating() -> Iterator[None]:
    """GX with both caches while the block runs (see the module's docstring)."""
    from great_expectations.execution_engine.pandas_execution_engine import (
        PandasExecutionEngine,
    )
    from great_expectations.expectations.expectation import Expectation

    # taken before GX's own methods are read: another thread's block would have
    # replaced them. A block inside a block of the same thread uses the outer one's caches.
    with _lock:
        built = Expectation.__dict__.get("configuration")
        filter_rows = PandasExecutionEngine.__dict__.get("_apply_row_condition_filter")
        if _active or not isinstance(built, property) or filter_rows is None:
            yield
            return
        configurations, filtered = _Made(), _Made()

        def configuration(expectation):
            return configurations.get(expectation, "", lambda: built.fget(expectation))

        def condition_rows(engine, data, row_condition, domain_kwargs):
            def rows():
                return filter_rows(engine, data, row_condition, domain_kwargs)

            key = _condition_key(row_condition, domain_kwargs)
            return rows() if key is None else filtered.get(data, key, rows)

        Expectation.configuration = property(configuration)
        PandasExecutionEngine._apply_row_condition_filter = condition_rows
        _active.append(True)
        try:
            yield
        finally:
            _active.clear()
            Expectation.configuration = built
            PandasExecutionEngine._apply_row_condition_filter = filter_rows
            configurations.clear()
            filtered.clear()


_lock = threading.RLock()
# not empty while a block has the caches in place
_active: list[bool] = []


class _Made:
    """What was made of an object (and a key), kept by the object's id: holding the object
    keeps its id from being taken by another one while the cache lives."""

    def __init__(self) -> None:
        self._kept: dict[tuple[int, str], tuple[object, object]] = {}

    def get(self, of: object, key: str, make: Callable[[], object]) -> object:
        kept = self._kept.get((id(of), key))
        if kept is None or kept[0] is not of:
            kept = self._kept[(id(of), key)] = (of, make())
        return kept[1]

    def clear(self) -> None:
        self._kept.clear()


def _condition_key(row_condition, domain_kwargs: dict) -> str | None:
    """The condition and its parser as exact text; None for a condition that is not plain
    data (GX passes it as a dict of strings, numbers and lists), which is then not cached."""
    try:
        return json.dumps([row_condition, domain_kwargs.get("condition_parser")], sort_keys=True)
    except TypeError:
        return None
