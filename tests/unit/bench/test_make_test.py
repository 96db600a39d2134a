"""`make test` as the bench measures it, with a command standing in for it."""

from __future__ import annotations

import sys

from bench.make_test import measure_make_test


def test_each_run_is_timed_and_a_failing_one_recorded(tmp_path):
    said = []
    failing = (sys.executable, "-c", "import sys; print('F'); sys.exit(1)")
    [run] = measure_make_test(1, tmp_path, said.append, command=failing)
    assert not run.passed and run.wall_s > 0
    assert (tmp_path / "make-test-1.log").read_text() == "F\n"
    passing = (sys.executable, "-c", "pass")
    assert [r.passed for r in measure_make_test(2, tmp_path, said.append, command=passing)] == [
        True,
        True,
    ]
    assert len(said) == 3 and "exit 1" in said[0]
