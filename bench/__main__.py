"""`python -m bench` (`make bench`): run the benchmark, print the page and write it to
bench/results.md, with bench/before.md (written by hand) included when it exists. With no
options every part is measured, 3 runs of each; the options measure a part alone (e.g.
`--sizes --scenario-runs 3 --no-profiles --make-test-runs 0`: the `make run` scenarios
only). Exits 1 when the pipeline's and the baseline's mart rows differ."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.page import render
from bench.runner import CHANGED_WAVES, SIZES, run_bench

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=list(SIZES), help="respondents (none: skipped)"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each size, the start-up and the open data"
    )
    parser.add_argument(
        "--scenario-runs", type=int, default=3, help="runs of each make run scenario (0: skipped)"
    )
    parser.add_argument(
        "--changed-waves",
        type=int,
        nargs="*",
        default=list(CHANGED_WAVES),
        help="waves whose frame the 'wave changed' scenario changes, each in turn",
    )
    parser.add_argument(
        "--profiles",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="profile make run, nothing changed and the first changed wave",
    )
    parser.add_argument(
        "--make-test-runs", type=int, default=3, help="runs of make test (0: skipped)"
    )
    parser.add_argument("--cache", type=Path, default=HERE / "cache", help="deliveries, work")
    parser.add_argument("--before", type=Path, default=HERE / "before.md")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    results = run_bench(
        args.cache.resolve(),
        tuple(args.sizes),
        args.runs,
        scenario_runs=args.scenario_runs,
        changed_waves=tuple(args.changed_waves),
        profiles=args.profiles,
        make_test_runs=args.make_test_runs,
        say=lambda line: print(line, file=sys.stderr, flush=True),
    )
    before = args.before.read_text(encoding="utf-8") if args.before.is_file() else None
    text = render(results, before)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0 if results.all_identical else 1


if __name__ == "__main__":
    sys.exit(main())
