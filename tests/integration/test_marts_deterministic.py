"""Rebuilding a mart from the same warehouse gives the same bits, whatever DuckDB's threads
do: the published Parquet must be byte-identical from run to run."""

from __future__ import annotations

from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import transform
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.marts.measures import MARTS


def snapshot(con, wave):
    return con.execute(
        "SELECT * FROM mart_estimates WHERE wave = $wave ORDER BY ALL", {"wave": wave}
    ).fetchall()


def test_rebuilt_marts_are_identical_to_the_last_bit(sample_warehouse):
    sample_warehouse.execute("SET threads = 4")
    try:
        first = snapshot(sample_warehouse, 2020)
        for _ in range(4):
            for mart in MARTS:
                transform.build_mart(sample_warehouse, mart, 2020)
                settle_precision(sample_warehouse, mart, 2020, MIN_CELL_SIZE)
            assert snapshot(sample_warehouse, 2020) == first
    finally:
        sample_warehouse.execute("RESET threads")
