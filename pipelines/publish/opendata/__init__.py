"""The open-data files of a release version, made from its Parquet files alone.

Beside the Parquet of every version (`wave=W/vNNNN/`) publishing writes the same rows in the
formats people outside DuckDB read (docs/publishing.md says which serves whom):

- `<mart>.jsonstat.json`: JSON-stat 2.0, one dataset per mart, as SSB's statbank serves them;
- `datapackage.json`: a Frictionless Data Package 2.0 describing the Parquet files;
- `dcat.ttl`: the DCAT-AP-NO 2.0 catalogue entry of the release, for data.norge.no;
- `barometer-W.xlsx`: an Excel workbook, one sheet per mart.

Each format is a pure function of a `ReleaseRecord`: the version's Parquet files (the rows as
published, never the warehouse's) and the manifest's own record of the version. So a version's
open-data files are rebuilt byte for byte from the same Parquet and record; the only time in
them is the version's `created`, taken from that record, never from the clock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.publish.layout import read_manifest

# the manifest's entries that are not part of the record the open-data files are made from
OPEN_DATA = "open_data"
RELEASE_DIGEST = "release_digest"


@dataclass(frozen=True)
class ReleaseRecord:
    """One version of a wave's release, as its manifest records it."""

    wave: int
    # "v0004"
    version: str
    # the version's `created`, RFC 3339 in UTC: "2026-12-06T08:38:48Z"
    created: str
    # sha256 (hex) of the manifest's record without its list of open-data files, which a file
    # it lists cannot hold (docs/publishing.md says how to check it)
    release_digest: str
    min_cell_size: int
    # the manifest's `files`, one per published mart in PUBLISHED_MARTS order:
    # {"mart", "path", "bytes", "rows", "sha256"}
    parquet: tuple[dict, ...]
    # the folder holding the version's Parquet files (its staging folder while it is built)
    folder: Path

    @property
    def marts(self) -> tuple[str, ...]:
        return tuple(f["mart"] for f in self.parquet)

    def table(self, mart: str) -> pa.Table:
        """The mart's rows as published, read back from the version's Parquet file."""
        (entry,) = (f for f in self.parquet if f["mart"] == mart)
        return pq.read_table(self.folder / entry["path"])


def release_digest(manifest: dict) -> str:
    """sha256 of the manifest without its open-data list and this digest: its keys sorted,
    no spaces, UTF-8 (`json.dumps(..., sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`)."""
    record = {k: v for k, v in manifest.items() if k not in (OPEN_DATA, RELEASE_DIGEST)}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def read_record(version_dir: Path) -> ReleaseRecord:
    """The record of a published version, from its manifest."""
    return record_of(read_manifest(Path(version_dir)), Path(version_dir))


def record_of(manifest: dict, folder: Path) -> ReleaseRecord:
    """The record of the version `manifest` describes, its Parquet files in `folder`."""
    return ReleaseRecord(
        wave=manifest["wave"],
        version=manifest["version"],
        created=manifest["created"],
        release_digest=release_digest(manifest),
        min_cell_size=manifest["min_cell_size"],
        parquet=tuple(manifest["files"]),
        folder=folder,
    )
