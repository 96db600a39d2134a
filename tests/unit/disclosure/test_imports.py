"""The audit imports scipy.optimize (0.1 to 0.4 s) only when it first runs an integer
program, which settling the sample waves never needs: a run that audits them loads the
audit's modules without it."""

from __future__ import annotations

import subprocess
import sys


def test_loading_the_audit_does_not_import_scipy_optimize():
    probe = (
        "import sys, pipelines.disclosure.audit, pipelines.disclosure.attack; "
        "print('scipy.optimize' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
