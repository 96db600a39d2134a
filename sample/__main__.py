# The committed sample deliveries are made with exactly these commands, run from the
# repository root (tests/unit/sample/test_sample_generator.py checks the files still match them):
#
#   python -m sample --wave 2018 --respondents 1800 --seed 1 --out data/raw/2018 \
#       --defects tests/data/sample_defects/2018.json
#   python -m sample --wave 2020 --respondents 3000 --seed 1 --out data/raw/2020 \
#       --defects tests/data/sample_defects/2020.json
#   python -m sample --wave 2024 --respondents 3200 --seed 1 --out data/raw/2024 \
#       --defects tests/data/sample_defects/2024.json
#
# A benchmark delivery: --respondents 1000000 --format csv (written in chunks).
"""Command line of the sample generator.

    python -m sample --wave 2020 --respondents 3000 --seed 1 --out DIR \
        [--format csv|sav|xlsx] [--defects FILE] [--chunk-size N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.survey.codebook import CodebookError
from sample.generator import CHUNK_SIZE, generate
from sample.writers import FORMATS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample", description=__doc__)
    parser.add_argument("--wave", type=int, required=True)
    parser.add_argument("--respondents", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the wave's delivery folder")
    parser.add_argument(
        "--format", choices=FORMATS, help="default: the wave's contract format (other waves csv)"
    )
    parser.add_argument(
        "--defects", type=Path, help="defects list (default <out>.defects.json, beside the folder)"
    )
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    args = parser.parse_args(argv)
    try:
        path = generate(
            args.wave,
            args.respondents,
            args.seed,
            args.out,
            fmt=args.format,
            defects_path=args.defects,
            chunk_size=args.chunk_size,
        )
    except (CodebookError, KeyError, ValueError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
