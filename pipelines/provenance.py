"""Fingerprints recorded in a release manifest: what the release was made from.

`wave_fingerprints` hashes a wave's inputs (delivery files, codebook, reference
data); `code_version` hashes the code that turns them into marts. Both read
only file contents and paths relative to their root, so a clean clone in any
folder gives the same values, without git.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

from pipelines.survey.codebook import CODEBOOK_DIR, codebook_path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Relative to the project root: what decides the content of the marts.
CODE_PATTERNS = ("sql/**/*.sql", "pipelines/**/*.py", "pipelines/survey/codebooks/*.toml")
_CHUNK = 1 << 20


class ProvenanceError(RuntimeError):
    """The warehouse has no record of a wave's inputs, or they changed since it was made."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    """Regular, non-hidden files directly in `folder`, by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def wave_fingerprints(
    raw_dir: Path, wave: int, codebook_dir: Path = CODEBOOK_DIR
) -> dict[str, str]:
    """sha256 of every input of a wave, keyed by a name relative to its root.

    Keys: `<wave>/<file>` for the delivery folder, `reference/<file>` for the
    reference data, `codebook/<wave>.toml` for the codebook.
    """
    prints = delivery_fingerprints(raw_dir, wave, codebook_dir)
    prints |= reference_fingerprints(Path(raw_dir) / "reference")
    return dict(sorted(prints.items()))


def reference_fingerprints(reference: Path) -> dict[str, str]:
    """The reference data's files: `reference/<file>`."""
    if not reference.is_dir() or not _files(reference):
        raise FileNotFoundError(f"{reference}: no reference files to fingerprint")
    return {f"reference/{p.name}": sha256_file(p) for p in _files(reference)}


def delivery_fingerprints(
    raw_dir: Path, wave: int, codebook_dir: Path = CODEBOOK_DIR
) -> dict[str, str]:
    """The inputs ingest reads: `<wave>/<file>` for the delivery folder and
    `codebook/<wave>.toml`."""
    return {
        name: sha256_file(p) for name, p in _delivery_files(raw_dir, wave, codebook_dir).items()
    }


def delivery_states(
    raw_dir: Path, wave: int, codebook_dir: Path = CODEBOOK_DIR
) -> dict[str, tuple[int, int, int]]:
    """(inode, size, modification time in ns) of the files `delivery_fingerprints` hashes:
    equal before and after reading means no file was written or replaced meanwhile, without
    hashing every byte a second time."""
    states = {}
    for name, path in _delivery_files(raw_dir, wave, codebook_dir).items():
        stat = path.stat()
        states[name] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return states


def _delivery_files(raw_dir: Path, wave: int, codebook_dir: Path) -> dict[str, Path]:
    delivery = Path(raw_dir) / str(wave)
    codebook = codebook_path(wave, codebook_dir)
    if not delivery.is_dir() or not _files(delivery):
        raise FileNotFoundError(f"{delivery}: no input files to fingerprint for wave {wave}")
    if not codebook.is_file():
        raise FileNotFoundError(f"{codebook}: no codebook for wave {wave}")
    return {f"{wave}/{p.name}": p for p in _files(delivery)} | {
        f"codebook/{codebook.name}": codebook
    }


def changed_inputs(read: dict[str, str], now: dict[str, str]) -> list[str]:
    """The inputs (by name) that differ between two fingerprint sets: changed, added or gone."""
    return sorted(name for name in read.keys() | now.keys() if read.get(name) != now.get(name))


def ingested_fingerprints(con: duckdb.DuckDBPyConnection, wave: int) -> dict[str, str]:
    """The fingerprints stored with the wave's data: the delivery and codebook as ingest read
    them (warehouse table wave_inputs) and the reference data as the reference tables were
    built from it (reference_inputs)."""
    rows = con.execute(
        "SELECT name, sha256 FROM wave_inputs WHERE wave = $wave "
        "UNION ALL SELECT name, sha256 FROM reference_inputs ORDER BY name",
        {"wave": wave},
    ).fetchall()
    if not rows:
        raise ProvenanceError(f"wave {wave}: the warehouse has no input fingerprints; run the wave")
    return dict(rows)


def unchanged_inputs(con: duckdb.DuckDBPyConnection, raw_dir: Path, wave: int) -> dict[str, str]:
    """The wave's inputs for a manifest: the bytes its data was made from, provided the
    files still hold them; else a ProvenanceError naming the files that changed since, so that
    a manifest never names inputs its data was not made from."""
    read = ingested_fingerprints(con, wave)
    changed = changed_inputs(read, wave_fingerprints(raw_dir, wave))
    if changed:
        raise ProvenanceError(
            f"wave {wave}: {', '.join(changed)} changed since the wave's data was made from "
            "it; nothing was published: run the wave again"
        )
    return read


def _code_files(root: Path, patterns: Iterable[str]) -> list[Path]:
    found = {p for pattern in patterns for p in root.glob(pattern) if p.is_file()}
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def code_version(root: Path = PROJECT_ROOT) -> str:
    """sha256 over the relative path and content of every file in CODE_PATTERNS."""
    digest = hashlib.sha256()
    for path in _code_files(root, CODE_PATTERNS):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(sha256_file(path).encode())
        digest.update(b"\n")
    return digest.hexdigest()
