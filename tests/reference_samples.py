"""The independent reference estimator run once per committed sample wave and shared by the
tests that compare with it (it takes seconds per wave). Callers must not change the frames."""

from __future__ import annotations

from functools import cache

import pandas as pd
import reference_estimator as ref
import sample_deliveries as sd


@cache
def reference_marts(wave: int) -> dict[str, pd.DataFrame]:
    data, frame = sd.load_wave(wave)
    return ref.estimate_marts(data, frame, sd.REFERENCE_DIR, wave)
