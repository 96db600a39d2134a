"""The profile's top lines as the bench reads them from a cProfile file."""

from __future__ import annotations

import cProfile
import json

from bench.profiles import read_profile


def _work() -> int:
    return sum(len(json.dumps(list(range(n)))) for n in range(300))


def test_the_top_lines_are_the_largest_cumulative_times(tmp_path):
    profiler = cProfile.Profile()
    profiler.runcall(_work)
    path = tmp_path / "run.prof"
    profiler.dump_stats(path)
    profile = read_profile("made up", 1.5, path, lines=4)
    assert profile.name == "made up" and profile.wall_s == 1.5 and profile.total_s > 0
    assert len(profile.top) == 4
    cumulative = [line.cumulative_s for line in profile.top]
    assert cumulative == sorted(cumulative, reverse=True)
    # the function profiled first, named by its path below the project root
    assert profile.top[0].function.startswith("tests/unit/bench/test_profiles.py:")
    assert profile.top[0].function.endswith("(_work)") and profile.top[0].calls == 1
    assert any("json" in line.function for line in profile.top)
    own = [line.own_s for line in profile.top_own]
    assert len(own) == 4 and own == sorted(own, reverse=True)
    assert own[0] >= max(line.own_s for line in profile.top)
