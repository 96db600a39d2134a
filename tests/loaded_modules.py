"""What a new interpreter has imported by the end of a script: for the tests that a process
which only needs part of the pipeline does not load a library it does not use."""

from __future__ import annotations

import json
import subprocess
import sys

_REPORT = "\nimport json as _json, sys as _sys\nprint(_json.dumps(sorted(_sys.modules)))\n"


def loaded_after(script: str, *args: str) -> set[str]:
    """The names in ``sys.modules`` once ``script`` (given ``args`` as ``sys.argv[1:]``) has
    run to its end in a new interpreter; it fails the test if the script fails."""
    out = subprocess.run(
        [sys.executable, "-c", script + _REPORT, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))
