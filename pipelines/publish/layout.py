"""Where releases live under the marts directory, and how to read them back.

<marts_dir>/
  wave=2020/                a release: one per wave, holding the marts of that wave
    v0001/                  a version: complete when it appears, never rewritten
      innovation.parquet ... manifest.json
      quality/              Data Docs of the quality gate's validations of these marts
    v0002/
    LATEST                  "v0002\\n": the version analysts get
    .staging/               a version being built (never read; removed by the next run)
    .lock                   held by the run publishing this wave
  barometer.duckdb          the analyst catalog (views only)
  barometer.sql             the same views as SQL text
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

LATEST = "LATEST"
MANIFEST = "manifest.json"
STAGING = ".staging"
LOCK = ".lock"
_WAVE_DIR = re.compile(r"^wave=(\d{4})$")
_VERSION = re.compile(r"^v(\d{4,})$")


class ReleaseLayoutError(RuntimeError):
    pass


def release_dir(marts_dir: Path, wave: int) -> Path:
    return Path(marts_dir) / f"wave={wave}"


def release_dirs(marts_dir: Path) -> dict[int, Path]:
    """wave -> release folder, for every release under `marts_dir`, by wave."""
    found = {}
    if Path(marts_dir).is_dir():
        for path in Path(marts_dir).iterdir():
            match = _WAVE_DIR.match(path.name)
            if match and path.is_dir():
                found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def version_name(number: int) -> str:
    return f"v{number:04d}"


def version_number(name: str) -> int:
    return int(_VERSION.match(name).group(1))


def versions(release: Path) -> list[str]:
    """The versions of a release, oldest first.

    A version folder only ever appears by renaming a complete staging folder,
    so one without a manifest was made by hand and is refused, not guessed at.
    """
    names = [p.name for p in release.iterdir() if p.is_dir() and _VERSION.match(p.name)]
    for name in names:
        if not (release / name / MANIFEST).is_file():
            raise ReleaseLayoutError(
                f"{release / name}: version folder without {MANIFEST}; publishing never "
                "creates one, so it was made or changed by hand — inspect and remove it"
            )
    return sorted(names, key=version_number)


def latest_version(release: Path) -> str | None:
    """The version LATEST names, or None before the first version is pointed at."""
    pointer = release / LATEST
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="ascii").strip()
    if not _VERSION.match(name) or not (release / name / MANIFEST).is_file():
        raise ReleaseLayoutError(f"{pointer}: names {name!r}, which is not a complete version")
    return name


def read_manifest(version_dir: Path) -> dict:
    return json.loads((version_dir / MANIFEST).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class PublishedVersion:
    """A wave's version as published: what the changes into a later wave compare with and
    what the wave's report is made from, identified by the sha256 of its manifest (which
    names every file's sha256)."""

    wave: int
    version: str
    path: Path
    manifest_sha256: str

    def compared(self) -> dict:
        """The version as a manifest's `compared_with` lists it."""
        return {"wave": self.wave, "version": self.version, "manifest_sha256": self.manifest_sha256}


def latest_published(marts_dir: Path, wave: int) -> PublishedVersion | None:
    """The version LATEST names for `wave`, or None while the wave has none."""
    release = release_dir(marts_dir, wave)
    version = latest_version(release) if release.is_dir() else None
    if version is None:
        return None
    manifest = (release / version / MANIFEST).read_bytes()
    return PublishedVersion(wave, version, release / version, hashlib.sha256(manifest).hexdigest())


def latest_before(marts_dir: Path, wave: int) -> list[PublishedVersion]:
    """The LATEST version of every wave published before `wave`, oldest wave first."""
    found = (latest_published(marts_dir, earlier) for earlier in release_dirs(marts_dir))
    return [v for v in found if v is not None and v.wave < wave]
