"""Publish one wave's marts as an immutable, versioned Parquet release.

A version is built in `<release>/.staging` (the Parquet, the quality pages of its
marts in `quality/`, the manifest last), then the folder is renamed to `vNNNN` and
`LATEST` replaced to name it — both single `rename(2)` calls on one filesystem, so
a reader sees the old version or the new one, never part of one. A run that crashes
leaves at most the staging folder, which the next run of the wave removes; a crash
between the rename and the pointer leaves a complete version that the next run
points LATEST at.

Publishing again with identical inputs, code, minimum cell size and data makes
no new version: the Parquet bytes are deterministic (rows ordered by the key,
fixed writer settings, no time inside the files), so equal data has equal sha256.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.estimation.published_rows import read_wave
from pipelines.marts.disclosure_rules import check_min_cell_size
from pipelines.marts.measures import MARTS, PUBLISHED_MARTS
from pipelines.marts.shapes import SHAPES
from pipelines.publish.layout import (
    LATEST,
    LOCK,
    MANIFEST,
    STAGING,
    latest_version,
    read_manifest,
    release_dir,
    version_name,
    version_number,
    versions,
)
from pipelines.publish.opendata import OPEN_DATA, RELEASE_DIGEST, record_of, release_digest
from pipelines.publish.opendata.formats import file_entry
from pipelines.publish.privacy import refuse_disclosure, refuse_small_cells
from pipelines.warehouse.mart_tables import warehouse_table
from pipelines.warehouse.release_records import (
    compared_with,
    has_release_estimates,
    record_release_estimates,
)

if TYPE_CHECKING:
    import pandas as pd

    from pipelines.quality.mart_validation import GateResult

# 2: a version holds the open-data files (`open_data`) and the digest they carry
MANIFEST_FORMAT = 2
# Part of a version's identity: changing any of these changes the files' sha256.
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 9,
    "row_group_size": 1_000_000,
    "data_page_size": 1 << 20,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

# (mart, one wave of it as a DataFrame, minimum cell size) -> result: in the pipeline the
# verdicts of the run's blocking checks (pipelines/orchestration/quality_checks.py), elsewhere e.g.
# functools.partial(pipelines.quality.run_gate, docs_dir=<a private folder>): a failure's
# Data Docs go there, and a new version holds the pages of the validations it passed.
Gate = Callable[[str, "pd.DataFrame", int], "GateResult"]


class PublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class Release:
    wave: int
    version: str
    path: Path
    manifest_path: Path
    created_new: bool
    gate_results: tuple[GateResult, ...]


def publish_wave(
    con: duckdb.DuckDBPyConnection,
    wave: int,
    *,
    marts_dir: Path,
    inputs: dict[str, str],
    code_version: str,
    run_id: str,
    min_cell_size: int,
    gate: Gate,
) -> Release:
    """Publish the marts of `wave` from the warehouse `con` as a release version.

    Every mart with rows for the wave is read from DuckDB to Arrow, refused if
    it discloses a small cell, validated by `gate`, then written. Returns the
    version LATEST names afterwards; `created_new` is False when the data and
    provenance equal the newest version's, which is then kept.
    """
    check_min_cell_size(min_cell_size)
    _check_fingerprints(inputs, code_version)
    published = _published_rows(con, wave)
    _refuse_disclosure(con, wave, published, min_cell_size)
    results = _verdicts(gate, published, min_cell_size)
    release = release_dir(marts_dir, wave)
    release.mkdir(parents=True, exist_ok=True)
    with _publishing(release):
        existing = versions(release)
        staging = _staging(release)
        files = [
            {"mart": mart, **_write_parquet(table, staging / f"{mart}.parquet")}
            for mart, table in published.items()
        ]
        provenance = {
            "run_id": run_id,
            "code_version": code_version,
            "min_cell_size": min_cell_size,
            "inputs": dict(sorted(inputs.items())),
        }
        manifest = _manifest(con, wave, existing, provenance, files, results)
        newest = read_manifest(release / existing[-1]) if existing else None
        if newest is not None and _identity(newest) == _identity(manifest):
            shutil.rmtree(staging)
            version, created_new = _keep_newest(con, wave, newest), False
        else:
            version, created_new = manifest["version"], True
            _stage_version(staging, manifest, results)
            # before the version appears, so that no published version lacks its rows
            record_release_estimates(con, wave, version)
            _rename(staging, release / version)
        if latest_version(release) != version:
            _point_latest(release, version)
    return Release(
        wave=wave,
        version=version,
        path=release / version,
        manifest_path=release / version / MANIFEST,
        created_new=created_new,
        gate_results=results,
    )


def _published_rows(con: duckdb.DuckDBPyConnection, wave: int) -> dict[str, pa.Table]:
    """The published rows of every mart with rows for ``wave``."""
    tables = {mart: read_wave(con, mart, wave) for mart in PUBLISHED_MARTS}
    published = {mart: table for mart, table in tables.items() if table.num_rows}
    if not published:
        raise PublishError(f"no mart table has rows for wave {wave}: nothing to publish")
    return published


def _refuse_disclosure(
    con: duckdb.DuckDBPyConnection, wave: int, published: dict[str, pa.Table], min_cell_size: int
) -> None:
    """Raise if an estimate mart's rows disclose a small cell or can be reconstructed."""
    # Imported here: the audit's module reads the marts through this package.
    from pipelines.disclosure.audit import refuse_reconstruction

    for mart, table in published.items():
        if mart not in MARTS:
            continue  # the comparison marts are built from published estimates only
        source = f"{warehouse_table(mart)} (wave {wave})"
        refuse_small_cells(table, source, min_cell_size)
        refuse_disclosure(table, source)
        refuse_reconstruction(con, mart, wave, min_cell_size, table)


def _verdicts(
    gate: Gate, published: dict[str, pa.Table], min_cell_size: int
) -> tuple[GateResult, ...]:
    """The gate's verdict on every published mart; raise if any failed."""
    # Imported here, as the pages below: the quality package loads pandas, which importing
    # pipelines.publish does not.
    from pipelines.quality.mart_validation import QualityGateError

    results = tuple(gate(mart, t.to_pandas(), min_cell_size) for mart, t in published.items())
    if not all(r.success for r in results):
        raise QualityGateError(tuple(r for r in results if not r.success))
    return results


def _staging(release: Path) -> Path:
    """An empty staging folder: what a crashed run left there is removed."""
    staging = release / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    return staging


def _manifest(
    con: duckdb.DuckDBPyConnection,
    wave: int,
    existing: list[str],
    provenance: dict,
    files: list[dict],
    results: tuple[GateResult, ...],
) -> dict:
    """The manifest of the version that would follow ``existing`` (before its open data)."""
    published = {f["mart"] for f in files}
    return {
        "manifest_format": MANIFEST_FORMAT,
        "wave": wave,
        "version": version_name(version_number(existing[-1]) + 1 if existing else 1),
        "previous_version": existing[-1] if existing else None,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "run_id": provenance["run_id"],
        "code_version": provenance["code_version"],
        "min_cell_size": provenance["min_cell_size"],
        "inputs": provenance["inputs"],
        "compared_with": compared_with(con, wave),
        "schema": {
            mart: [{"name": c.name, "type": c.type} for c in shape.columns]
            for mart, shape in SHAPES.items()
        },
        "parquet": {**PARQUET_OPTIONS, "writer": pa.__version__},
        "files": files,
        "marts_without_rows": [mart for mart in PUBLISHED_MARTS if mart not in published],
        "quality_gate": {"passed": True, "marts": {r.mart: r.summary() for r in results}},
    }


def _keep_newest(con: duckdb.DuckDBPyConnection, wave: int, newest: dict) -> str:
    """The newest version, kept: its rows recorded where a warehouse built afresh lacks them."""
    version = newest["version"]
    if not has_release_estimates(con, wave, version):
        record_release_estimates(con, wave, version)
    return version


def _stage_version(staging: Path, manifest: dict, results: tuple[GateResult, ...]) -> None:
    """Stage the rest of a new version beside its Parquet: its quality pages (in the GX
    worker where `make run` started one, while its open data is written here) and, last,
    its manifest."""
    from pipelines.quality.pages import QUALITY_PAGES
    from pipelines.quality.worker import begin_pages

    # a new version's pages only, so that the pages (which hold times) never make one
    pages = begin_pages(results, staging / QUALITY_PAGES, manifest["min_cell_size"])
    try:
        _stage_open_data(staging, manifest)
    finally:
        # however open data ends, nothing may still write into staging once this returns
        futures.wait([pages])
    if pages.result() is not None:
        _fsync_tree(staging / QUALITY_PAGES)
    _write_manifest(staging / MANIFEST, manifest)


def _rename(staging: Path, version: Path) -> None:
    """Make the staged version appear, durably."""
    _fsync(staging)
    staging.rename(version)
    _fsync(version.parent)


def _stage_open_data(staging: Path, manifest: dict) -> None:
    """Write the version's open-data files, made from its staged Parquet and its record, and
    list them in the manifest with the digest of the record they carry."""
    # Imported here: a run that makes no new version never loads the writers' libraries.
    from pipelines.publish.opendata.build import open_data_files

    manifest[RELEASE_DIGEST] = release_digest(manifest)
    files = open_data_files(record_of(manifest, staging))
    for name, data in files.items():
        _write_durably(staging / name, data)
    manifest[OPEN_DATA] = [file_entry(name, data) for name, data in files.items()]


def _identity(manifest: dict) -> tuple:
    """What makes two versions the same: the data files, their schema, the inputs and
    settings they were made from and the earlier versions the changes compared with (a new
    version of an earlier wave makes one of this wave, even where no number moves). A code
    change that leaves every byte of the data as it was (a refactoring, a new log line) is
    no correction and makes no new version; the manifest keeps the code version that first
    made the data. The open-data files hold the version's name and record, so they are no
    part of it: a change of what a version holds besides its Parquet bumps MANIFEST_FORMAT."""
    keys = ("manifest_format", "inputs", "min_cell_size", "schema", "files")
    # a manifest written before compared_with was recorded compared with nothing it names
    compared = manifest.get("compared_with", [])
    return (*(json.dumps(manifest[k], sort_keys=True) for k in keys), json.dumps(compared))


def _check_fingerprints(inputs: dict[str, str], code_version: str) -> None:
    if not inputs:
        raise PublishError("inputs is empty: a release must record what it was made from")
    for name, digest in [*inputs.items(), ("code_version", code_version)]:
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise PublishError(f"fingerprint {name!r} = {digest!r} is not a sha256 hex digest")


def _write_parquet(table: pa.Table, path: Path) -> dict:
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, **PARQUET_OPTIONS)
    data = buffer.getvalue().to_pybytes()
    _write_durably(path, data)
    return {
        "path": path.name,
        "bytes": len(data),
        "rows": table.num_rows,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _write_manifest(path: Path, manifest: dict) -> None:
    _write_durably(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())


def _point_latest(release: Path, version: str) -> None:
    pointer = release / f".{LATEST}.tmp"
    _write_durably(pointer, f"{version}\n".encode("ascii"), exclusive=False)
    os.replace(pointer, release / LATEST)
    _fsync(release)


def _write_durably(path: Path, data: bytes, exclusive: bool = True) -> None:
    with path.open("xb" if exclusive else "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder`` (written by another library), deepest
    first, then ``folder``."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            _fsync(path)
        else:
            with path.open("rb") as f:
                os.fsync(f.fileno())
    _fsync(folder)


def _fsync(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _publishing(release: Path) -> Iterator[None]:
    """Hold the wave's lock: only one run publishes a wave at a time, so staging is ours."""
    with (release / LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise PublishError(f"{release}: another run is publishing this wave") from e
        yield
