"""The reference loop that says how fast the machine was during a bench (bench/speed.py)."""

from __future__ import annotations

import time

from bench import speed
from bench.speed import reference_loop_s


def test_the_loop_is_timed_and_takes_some_time():
    start = time.perf_counter()
    fastest = reference_loop_s(repeats=3, iterations=100_000)
    took = time.perf_counter() - start
    # three runs within `took`: the fastest of them took some time, at most a third of it
    assert 0 < fastest <= took / 3


def test_the_fastest_run_is_reported(monkeypatch):
    """Three runs timed by a made-up clock, taking 5, 2 and 9 s: the page gets 2 s."""
    clock = iter((0.0, 5.0, 10.0, 12.0, 20.0, 29.0))
    monkeypatch.setattr(speed.time, "perf_counter", clock.__next__)
    assert reference_loop_s(repeats=3, iterations=10) == 2.0
