"""The warm runs of the crash tests (tests/warm_processes.py) refuse an environment that the
interpreter they are forked from did not import with."""

from __future__ import annotations

import os

import pytest

from tests import warm_processes


def test_a_variable_outside_the_per_run_ones_needs_a_new_interpreter(tmp_path, monkeypatch):
    # as if the fork server had started with this process's environment as it is now
    monkeypatch.setattr(warm_processes, "_server_environment", dict(os.environ))
    where = {name: str(tmp_path) for name in warm_processes.PER_RUN}
    with pytest.raises(ValueError, match=r"\['BAROMETER_MIN_CELL_SIZE'\] need a new one"):
        warm_processes.start(
            {**os.environ, **where, "BAROMETER_MIN_CELL_SIZE": "5"}, tmp_path, tmp_path / "out"
        )
    assert not (tmp_path / "out").exists()
