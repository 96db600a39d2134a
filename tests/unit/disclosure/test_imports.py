"""The audit imports scipy.optimize (0.1 to 0.4 s) only when it first runs an integer
program, which settling the sample waves never needs: a run that audits them loads the
audit's modules without it."""

from __future__ import annotations

from tests.loaded_modules import loaded_after


def test_loading_the_audit_does_not_import_scipy_optimize():
    loaded = loaded_after("import pipelines.disclosure.audit, pipelines.disclosure.attack")
    assert "scipy.optimize" not in loaded
