"""What the reconstruction attack recovers from one wave of a warehouse, printed in full
(as releases were before marts.md §8) and as published now, and how long the audit takes.

    python -m pipelines.disclosure WAREHOUSE WAVE [WAVE ...] [--up-to N]

Opens the warehouse read-only. The attack is run on every family of at most N respondents
(default 40) with a small cell; the audit on every family.
"""

from __future__ import annotations

import argparse
import sys
import time

import duckdb

from pipelines.disclosure.attack import attack
from pipelines.disclosure.audit import audit, audit_cells, wave_families
from pipelines.disclosure.families import families
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.marts.measures import MARTS


def _full_precision(con: duckdb.DuckDBPyConnection, mart: str, wave: int):
    rows = con.sql(f"SELECT * FROM mart_{mart} WHERE wave = {int(wave)}").to_arrow_table()
    cells = audit_cells(con, mart, wave)
    return families(mart, wave, rows.to_pylist(), cells, lambda *_: 0.0)


def _recovered(found, up_to: int) -> tuple[int, int, int]:
    """(families attacked, splits determined, of which with a small cell)."""
    attacked = [f for f in found if f.n <= up_to and any(0 < k < MIN_CELL_SIZE for k in f.m)]
    outcomes = [attack(f, seconds=2.0) for f in attacked]
    determined = [o for o in outcomes if o.determined is not None]
    return (
        len(attacked),
        len(determined),
        sum(bool(o.small_cells(MIN_CELL_SIZE)) for o in determined),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.disclosure", description=__doc__)
    parser.add_argument("warehouse")
    parser.add_argument("waves", type=int, nargs="+")
    parser.add_argument("--up-to", type=int, default=40)
    args = parser.parse_args(argv)
    con = duckdb.connect(args.warehouse, read_only=True)
    print(
        f"| wave | mart | families | attacked (n ≤ {args.up_to}) | full precision: determined "
        "(with a small cell) | published: determined (small) | audit findings | audit s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for wave in args.waves:
        for mart in MARTS:
            attacked, before, before_small = _recovered(
                _full_precision(con, mart, wave), args.up_to
            )
            started = time.perf_counter()
            published = wave_families(con, mart, wave)
            findings = audit(published, MIN_CELL_SIZE)
            seconds = time.perf_counter() - started
            _, after, after_small = _recovered(published, args.up_to)
            print(
                f"| {wave} | {mart} | {len(published)} | {attacked} | {before} ({before_small}) "
                f"| {after} ({after_small}) | {len(findings)} | {seconds:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
