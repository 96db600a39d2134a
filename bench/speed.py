"""The machine's speed as the bench found it: a fixed pure-Python loop, timed.

The machines here are shared, and their speed moves with the hour: the same code's test suite
took 192 s (325 s of user CPU) one night and 410 s (699 s) the next, with the cores as busy
(bench/before.md). The loop's time at the bench's start and end says which kind of hour a
page's figures come from, so that pages written in different hours can be read against each
other."""

from __future__ import annotations

import time

# under half a second here: long enough to be timed to a few per cent, short enough to leave
# the bench's figures alone
ITERATIONS = 5_000_000


def reference_loop_s(repeats: int = 3, iterations: int = ITERATIONS) -> float:
    """The fastest of ``repeats`` runs of the loop, in seconds: the hour's speed, without the
    moment's interruptions."""
    fastest = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(iterations):
            total += i * i % 7
        fastest = min(fastest, time.perf_counter() - start)
    return fastest
