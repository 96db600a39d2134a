"""The independent reference estimator run once per committed sample wave and shared by the
tests that compare with it (it takes seconds per wave). Callers must not change the frames.

Once per process, and under pytest-xdist once per test run: the first worker that needs a
wave stores its marts in the run's shared folder (`share_between_workers`), where the other
worker reads them instead of estimating them again.
"""

from __future__ import annotations

import os
import pickle
from functools import cache
from pathlib import Path

import pandas as pd
import reference_estimator as ref
import sample_deliveries as sd
from filelock import FileLock

_shared: Path | None = None


def share_between_workers(folder: Path) -> None:
    global _shared
    _shared = folder


@cache
def reference_marts(wave: int) -> dict[str, pd.DataFrame]:
    if _shared is None:
        return _estimate(wave)
    _shared.mkdir(parents=True, exist_ok=True)
    stored = _shared / f"{wave}.pickle"
    with FileLock(f"{stored}.lock"):
        if not stored.is_file():
            partial = stored.with_name(f".{stored.name}.partial")
            partial.write_bytes(pickle.dumps(_estimate(wave)))
            os.replace(partial, stored)
        return pickle.loads(stored.read_bytes())


def _estimate(wave: int) -> dict[str, pd.DataFrame]:
    data, frame = sd.load_wave(wave)
    return ref.estimate_marts(data, frame, sd.REFERENCE_DIR, wave)
