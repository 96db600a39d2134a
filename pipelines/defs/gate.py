"""The quality gate, run once per mart and data.

The blocking check of each mart runs the Great Expectations suite; publishing must pass
the same gate and records its result in the manifest. Within one process (the in-process
executor runs a whole wave) the result of the check is reused for identical data instead
of validating twice; and a pass is remembered across runs, in the private folder of the
Data Docs, for the same data, minimum cell size and code (the suites are code): validating
the same bytes with the same rules gives the same verdict, and a warm `make run` of three
unchanged waves spent most of its time re-validating them. A failure is never remembered.
"""

import gc
import hashlib
import json
import os
from functools import cache
from pathlib import Path

import pandas as pd

from pipelines import paths
from pipelines.publish.fingerprint import code_version
from pipelines.quality.gate import GateResult

_results: dict[tuple[str, int, str], object] = {}
PASSED = "passed.json"


def _digest(df: pd.DataFrame) -> str:
    rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes() + ",".join(df.columns).encode()).hexdigest()


@cache
def _run_gate():
    """``run_gate``, imported when a pipeline process first gates: GX costs seconds to
    import, so only code that gates pays.

    By then Dagster, pandas and GX have left millions of long-lived objects. gc.freeze()
    takes them out of the cyclic collector's sight, so that its full collections during
    the run and the one at exit do not walk them again and again: 1.5 to 2 s of a warm
    three-wave `make run` (bench/, issue 7). What is freed by reference counting is freed
    as before; only cycles alive at this moment stay until the process ends."""
    import great_expectations  # noqa: F401  (run_gate would import it on its first call)

    from pipelines.quality.gate import run_gate

    gc.freeze()
    return run_gate


@cache
def _code() -> str:
    return code_version()


def _passed(docs_dir: Path) -> dict[str, dict]:
    try:
        return json.loads((docs_dir / PASSED).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _remember(docs_dir: Path, key: str, result) -> None:
    passed = {**_passed(docs_dir), key: {"mart": result.mart, "expectations": result.evaluated}}
    docs_dir.mkdir(parents=True, exist_ok=True)
    partial = docs_dir / f".{PASSED}.tmp"
    partial.write_text(json.dumps(passed, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, docs_dir / PASSED)


def gate_once(mart: str, df: pd.DataFrame, min_cell_size: int):
    """``run_gate`` with Data Docs in the private folder (publishing copies them beside a
    new version), memoised on the data's content."""
    key = (mart, min_cell_size, _digest(df))
    if key in _results:
        return _results[key]
    docs_dir = paths.quality_docs_dir()
    remembered = f"{mart}:{min_cell_size}:{key[2]}:{_code()}"
    known = _passed(docs_dir).get(remembered)
    if known is not None:
        result = GateResult(mart, True, known["expectations"], (), docs_dir / "index.html")
    else:
        result = _run_gate()(mart, df, min_cell_size, docs_dir)
        if result.success:
            _remember(docs_dir, remembered, result)
    _results[key] = result
    return result
