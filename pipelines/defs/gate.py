"""The quality gate, run once per mart and data.

The blocking check of each mart runs the Great Expectations suite; publishing must pass
the same gate and records its result in the manifest. Within one process (the in-process
executor runs a whole wave) the result of the check is reused for identical data instead
of validating twice.
"""

import hashlib

import pandas as pd

from pipelines import paths

_results: dict[tuple[str, int, str], object] = {}


def _digest(df: pd.DataFrame) -> str:
    rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes() + ",".join(df.columns).encode()).hexdigest()


def gate_once(mart: str, df: pd.DataFrame, min_cell_size: int):
    """``run_gate`` with Data Docs beside the releases, memoised on the data's content."""
    # GX costs seconds to import: only code that gates pays.
    from pipelines.quality.gate import run_gate

    key = (mart, min_cell_size, _digest(df))
    if key not in _results:
        _results[key] = run_gate(mart, df, min_cell_size, paths.marts_dir() / "quality")
    return _results[key]
