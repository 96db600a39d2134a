"""The committed sample waves read back, and the independent reference estimator run on
them, once per wave and shared by the tests that use them (reading an xlsx delivery and
estimating take seconds per wave). Callers must not change the frames.

Once per process, and under pytest-xdist once per test run: the first worker that needs a
wave stores it in the run's shared folder (`share_between_workers`), where the other worker
reads it instead of computing it again.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
from filelock import FileLock

from tests import reference_estimator as ref
from tests import sample_deliveries as sd

_shared: Path | None = None


def share_between_workers(folder: Path) -> None:
    global _shared
    _shared = folder


def _once(name: str, compute: Callable[[], object]) -> object:
    if _shared is None:
        return compute()
    _shared.mkdir(parents=True, exist_ok=True)
    stored = _shared / f"{name}.pickle"
    with FileLock(f"{stored}.lock"):
        if not stored.is_file():
            partial = stored.with_name(f".{stored.name}.partial")
            partial.write_bytes(pickle.dumps(compute()))
            os.replace(partial, stored)
        return pickle.loads(stored.read_bytes())


@cache
def sample_wave(wave: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cleaned canonical responses, frame) of a committed sample delivery."""
    return _once(f"sample-{wave}", lambda: sd.load_wave(wave))


@cache
def reference_marts(wave: int) -> dict[str, pd.DataFrame]:
    def estimate() -> dict[str, pd.DataFrame]:
        data, frame = sample_wave(wave)
        return ref.estimate_marts(data, frame, sd.REFERENCE_DIR, wave)

    return _once(f"marts-{wave}", estimate)
