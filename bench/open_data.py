"""The open-data files of the sample waves' latest versions: what making them costs and weighs.

Run in a child process of its own by the bench, on the marts folder of its `make run`:

    python -m bench.open_data MARTS_DIR REPORT_JSON RUNS

A warm `make run` makes no new version, so it makes no open-data file: what it does more
than before is list the versions' files for the catalog's `release_files`, timed here, and
its start-up must not import the writers (rdflib, pipelines.publish.opendata.build), checked
here. Then the cost of a new version: importing the writers, and per wave making every
open-data file of the version LATEST names from its Parquet and record (median of RUNS),
checked byte for byte against the published files.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from pipelines.publish.catalog import version_files
from pipelines.publish.layout import latest_version, release_dirs
from pipelines.publish.opendata import read_record
from pipelines.publish.opendata.formats import format_of

WRITERS = ("rdflib", "pipelines.publish.opendata.build")


def main(marts_dir: Path, report: Path, runs: int) -> None:
    import pipelines.orchestration.definitions  # noqa: F401  (what every run imports at start-up)

    loaded = sorted(m for m in WRITERS if m in sys.modules)
    listing = []
    for _ in range(runs):
        started = time.perf_counter()
        version_files(marts_dir)
        listing.append(time.perf_counter() - started)
    started = time.perf_counter()
    from pipelines.publish.opendata.build import open_data_files

    result = {
        "warm_s": statistics.median(listing),
        "writers_at_start_up": loaded,
        "import_s": time.perf_counter() - started,
        "waves": {},
    }
    for wave, release in release_dirs(marts_dir).items():
        record = read_record(release / latest_version(release))
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            files = open_data_files(record)
            seconds.append(time.perf_counter() - started)
        differing = [
            name for name, data in files.items() if (record.folder / name).read_bytes() != data
        ]
        if differing:
            raise SystemExit(f"wave {wave}: {differing} differ from the published files")
        by_format: dict[str, int] = {}
        for name, data in files.items():
            by_format[format_of(name).name] = by_format.get(format_of(name).name, 0) + len(data)
        parquet = sum(f["bytes"] for f in record.parquet)
        result["waves"][wave] = {
            "seconds": statistics.median(seconds),
            "bytes": by_format,
            "parquet_bytes": parquet,
        }
    report.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
