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

from pipelines.codebook import CODEBOOK_DIR, codebook_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Relative to the project root: what decides the content of the marts.
CODE_PATTERNS = ("sql/**/*.sql", "pipelines/**/*.py", "pipelines/codebooks/*.toml")
_CHUNK = 1 << 20


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
    raw_dir = Path(raw_dir)
    delivery = raw_dir / str(wave)
    reference = raw_dir / "reference"
    codebook = codebook_path(wave, codebook_dir)
    for folder in (delivery, reference):
        if not folder.is_dir() or not _files(folder):
            raise FileNotFoundError(f"{folder}: no input files to fingerprint for wave {wave}")
    if not codebook.is_file():
        raise FileNotFoundError(f"{codebook}: no codebook for wave {wave}")
    prints = {f"{wave}/{p.name}": sha256_file(p) for p in _files(delivery)}
    prints |= {f"reference/{p.name}": sha256_file(p) for p in _files(reference)}
    prints[f"codebook/{codebook.name}"] = sha256_file(codebook)
    return prints


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
