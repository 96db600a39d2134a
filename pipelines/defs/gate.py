"""The quality gate, run once per mart and data.

The blocking check of each mart runs the Great Expectations suite; publishing must pass
the same gate and records its result in the manifest. Within one process (the in-process
executor runs a whole wave) the result of the check is reused for identical data instead
of validating twice.
"""

import gc
import hashlib
from functools import cache

import pandas as pd

from pipelines import paths

_results: dict[tuple[str, int, str], object] = {}


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


def gate_once(mart: str, df: pd.DataFrame, min_cell_size: int):
    """``run_gate`` with Data Docs in the private folder (publishing copies them beside a
    new version), memoised on the data's content."""
    key = (mart, min_cell_size, _digest(df))
    if key not in _results:
        _results[key] = _run_gate()(mart, df, min_cell_size, paths.quality_docs_dir())
    return _results[key]
