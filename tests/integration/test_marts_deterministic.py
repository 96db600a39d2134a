"""Rebuilding a mart from the same warehouse gives the same bits, whatever DuckDB's threads
do: the published Parquet must be byte-identical from run to run."""

from __future__ import annotations

import shutil

import duckdb

from pipelines.disclosure.audit import audit_inputs, settle_precision
from pipelines.estimation import transform
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.marts.measures import MARTS


def snapshot(con, wave):
    return con.execute(
        "SELECT * FROM mart_estimates WHERE wave = $wave ORDER BY ALL", {"wave": wave}
    ).fetchall()


def verdicts(con, wave):
    """The reconstruction audit's verdict per mart: the digest of all it read and its
    problems (pipelines/disclosure/audit.py: settle_precision)."""
    rows = con.execute(
        "SELECT mart, audit_digest, problems FROM disclosure_verdicts WHERE wave = $wave",
        {"wave": wave},
    ).fetchall()
    return {mart: (digest, problems) for mart, digest, problems in rows}


def test_rebuilt_marts_are_identical_to_the_last_bit(sample_run, tmp_path):
    # rebuilding writes: on a copy, the session's sample run stays as the other tests see it
    copy = shutil.copy(sample_run.warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(copy), config={"threads": 4}) as con:
        first = snapshot(con, 2020)
        # as the sample run's wave job recorded them, with DuckDB's threads one per core
        recorded = verdicts(con, 2020)
        assert set(recorded) == set(MARTS)
        for _ in range(4):
            for mart in MARTS:
                transform.build_mart(con, mart, 2020)
            assert snapshot(con, 2020) == first
            # and what is published, as the audit reads it: the rows at the precision settled
            # for them, the levels, and their per-cell counts (from mart_cell_scores, which
            # build_mart rewrites too); the digest of each mart's is over all of it
            now = {mart: audit_inputs(con, mart, 2020).digest(MIN_CELL_SIZE) for mart in MARTS}
            assert now == {mart: digest for mart, (digest, _) in recorded.items()}
        # settling the precision anew, as the wave job does after each mart, settles it as
        # before and records the same verdict — from no level, as a first settling starts
        # (with the rows and levels unchanged, settling would take what it left)
        con.execute("DELETE FROM published_precision WHERE wave = 2020")
        for mart in MARTS:
            settle_precision(con, mart, 2020, MIN_CELL_SIZE)
        assert verdicts(con, 2020) == recorded
