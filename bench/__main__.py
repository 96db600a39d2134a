"""`python -m bench` (`make bench`): run the benchmark, print the table and write it to
bench/results.md. Exits 1 when the pipeline's and the baseline's mart rows differ."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.results import render
from bench.runner import SIZES, run_bench

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--runs", type=int, default=3, help="runs of each measured thing")
    parser.add_argument(
        "--make-run-runs", type=int, default=3, help="warm runs of make run (0: not measured)"
    )
    parser.add_argument("--cache", type=Path, default=HERE / "cache", help="deliveries, work")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    results = run_bench(
        args.cache.resolve(),
        tuple(args.sizes),
        args.runs,
        args.make_run_runs,
        say=lambda line: print(line, file=sys.stderr, flush=True),
    )
    text = render(results)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0 if results.all_identical else 1


if __name__ == "__main__":
    sys.exit(main())
