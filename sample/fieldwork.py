"""Respondent ids and interview times within the wave's fieldwork period."""

from __future__ import annotations

import numpy as np

from sample.profiles import Profile


def respondent_ids(profile: Profile, first: int, n: int) -> np.ndarray:
    """Running ids from the ``first``-th respondent (0-based) of the delivery."""
    numbers = profile.id_start + first + np.arange(n)
    if not profile.id_prefix:
        return numbers.astype(str).astype(object)
    return np.array([f"{profile.id_prefix}{k:05d}" for k in numbers], dtype=object)


def interview_times(
    profile: Profile, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """(startet, fullfort) as datetime64[s]: answers bunch after the invitation and the
    reminders, on weekdays and in working hours; an interview takes some 5-60 minutes."""
    first, last = (np.datetime64(d, "D") for d in profile.fieldwork)
    days = first + np.arange((last - first).astype(int) + 1)
    since_start = np.arange(len(days))
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    intensity = (
        1 + 2 * np.exp(-since_start / 7) + np.exp(-np.abs(since_start - 21) / 3)
    ) * np.where(weekday < 5, 1.0, 0.25)
    day = rng.choice(len(days), size=n, p=intensity / intensity.sum())
    clock = np.clip(rng.normal(11.5, 2.5, n), 6.5, 22.5) * 3600
    start = days[day].astype("datetime64[s]") + clock.astype(np.int64).astype("timedelta64[s]")
    minutes = np.clip(rng.lognormal(np.log(13), 0.45, n), 5, 60)
    end = start + (minutes * 60).astype(np.int64).astype("timedelta64[s]")
    return start, end
