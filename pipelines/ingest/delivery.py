"""The delivery folders of ``data/raw``: which waves are there and which files make a wave.

Layout (delivery contract §1): ``<raw_dir>/<wave>/responses.<csv|sav|xlsx>`` and
``<raw_dir>/<wave>/frame.csv``; ``<raw_dir>/reference`` holds the reference data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.ingest.errors import DeliveryError

RESPONSE_FORMATS = ("csv", "sav", "xlsx")
FRAME_FILE = "frame.csv"
REFERENCE_FOLDER = "reference"
# A wave folder is named by its publication year: four ASCII digits without a leading zero
# (``\d`` would take full-width digits such as ２０２０, and ``0999`` would become wave 999,
# whose folder ``999`` does not exist). The name is then exactly ``str(wave)``.
_WAVE_NAME = re.compile(r"[1-9][0-9]{3}")


@dataclass(frozen=True)
class Delivery:
    wave: int
    folder: Path
    responses: Path
    frame: Path

    @property
    def format(self) -> str:
        """csv, sav or xlsx."""
        return self.responses.suffix[1:].lower()

    def name(self, path: Path) -> str:
        """A file's name relative to the raw folder (``2018/responses.csv``), as the
        warehouse and the reports show it: absolute paths say nothing to a reader."""
        return f"{self.folder.name}/{path.name}"


@dataclass(frozen=True)
class Discovery:
    """What ``data/raw`` holds: the complete waves, and the folders that are no wave."""

    waves: list[int]
    problems: list[DeliveryError] = field(default_factory=list)


def discover(raw_dir: Path) -> Discovery:
    """The waves whose delivery folder is complete (a responses file and ``frame.csv``),
    sorted, and one DeliveryError per folder that cannot be a wave.

    A folder whose name is not a year (``abcd``, ``2020 ``, ``0999``, ``２０２０``) or that holds
    two responses files is a problem named by the folder; it does not stop the other waves.
    An incomplete folder is not a wave yet (the vendor may still be copying files) and is
    left out silently. ``reference/``, hidden entries and plain files are ignored.
    """
    waves, problems = [], []
    for entry in sorted(Path(raw_dir).iterdir()):
        if not entry.is_dir() or entry.name == REFERENCE_FOLDER or entry.name.startswith("."):
            continue
        try:
            wave = _wave_of(entry)
            if _responses_files(entry) and (entry / FRAME_FILE).is_file():
                waves.append(wave)
        except DeliveryError as problem:
            problems.append(problem)
    return Discovery(waves, problems)


def discover_waves(raw_dir: Path) -> list[int]:
    """The complete waves of ``raw_dir`` (``discover(raw_dir).waves``)."""
    return discover(raw_dir).waves


def locate_delivery(raw_dir: Path, wave: int) -> Delivery:
    """The files of one wave's delivery; a DeliveryError if the folder is not a complete one."""
    folder = Path(raw_dir) / str(wave)
    _wave_of(folder)
    if not folder.is_dir():
        raise DeliveryError(folder, f"no delivery folder for wave {wave}")
    found = _responses_files(folder)
    if not found:
        others = sorted(p.name for p in folder.glob("responses.*"))
        hint = (
            f" (found {', '.join(others)}, a format the contract does not allow)" if others else ""
        )
        raise DeliveryError(
            folder, f"no responses file: expected responses.csv, .sav or .xlsx{hint}"
        )
    frame = folder / FRAME_FILE
    if not frame.is_file():
        raise DeliveryError(frame, "missing file: the delivery has no weighting frame")
    return Delivery(wave=wave, folder=folder, responses=found[0], frame=frame)


def _wave_of(folder: Path) -> int:
    if not _WAVE_NAME.fullmatch(folder.name):
        raise DeliveryError(
            folder,
            "not a wave folder: a wave folder is named by its publication year, four ASCII "
            "digits such as 2024 (no spaces, no leading zero); rename or remove it",
            value=folder.name,
        )
    return int(folder.name)


def _responses_files(folder: Path) -> list[Path]:
    """The folder's responses file; a DeliveryError when there are several."""
    if not folder.is_dir():
        return []
    found = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.stem == "responses" and p.suffix[1:].lower() in RESPONSE_FORMATS
    )
    if len(found) > 1:
        raise DeliveryError(
            folder,
            f"{len(found)} responses files ({', '.join(p.name for p in found)}); "
            "a delivery holds exactly one",
        )
    return found
