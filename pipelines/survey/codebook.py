"""Per-wave codebooks: how a wave's raw columns map onto the canonical questionnaire.

A codebook is a TOML file ``pipelines/survey/codebooks/<wave>.toml``. Adding a wave
needs only its delivery folder and such a file: everything a wave may differ in
(column names, which variables it asked, narrower code lists, the municipality
numbering of ``kommunenr``, the weighting cells) is data here, not code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.survey import questionnaire

CODEBOOK_DIR = Path(__file__).parent / "codebooks"

# Numberings the reference data can resolve `kommunenr` in (see sql/reference).
MUNICIPALITY_NUMBERINGS = (2018, 2019, 2024)
WEIGHTING_CELL_COLUMNS = ("sektor", "virksomhetstype", "landsdel")
# Every wave maps these, and every respondent must have them: they place the workplace.
REQUIRED_VARIABLES = ("resp_id", "kommunenr", "forvaltningsniva", "sektor", "virksomhetstype")


@dataclass(frozen=True)
class Codebook:
    wave: int
    municipality_numbering: int
    weighting_cells: tuple[str, ...]
    # raw column name -> canonical variable name, in delivery order
    columns: dict[str, str]
    # canonical variable -> the codes this wave allows (narrower than the questionnaire)
    codes: dict[str, tuple[int, ...]]
    path: Path

    @property
    def canonical(self) -> tuple[str, ...]:
        """Canonical variables the wave asked, in questionnaire order."""
        asked = set(self.columns.values())
        return tuple(v.name for v in questionnaire.VARIABLES if v.name in asked)

    def asked(self, name: str) -> bool:
        return name in self.columns.values()

    def allowed_codes(self, name: str) -> tuple[int, ...]:
        if name in self.codes:
            return self.codes[name]
        return tuple(questionnaire.variable(name).codes)

    @property
    def raw_for(self) -> dict[str, str]:
        """canonical name -> raw column name."""
        return {canon: raw for raw, canon in self.columns.items()}


class CodebookError(ValueError):
    pass


def codebook_path(wave: int, directory: Path = CODEBOOK_DIR) -> Path:
    return directory / f"{wave}.toml"


def available_waves(directory: Path = CODEBOOK_DIR) -> tuple[int, ...]:
    return tuple(sorted(int(p.stem) for p in directory.glob("*.toml") if p.stem.isdigit()))


@cache
def load(wave: int, directory: Path = CODEBOOK_DIR) -> Codebook:
    """The codebook of ``wave``; a CodebookError naming the file and what to fix."""
    path = codebook_path(wave, directory)
    if not path.exists():
        raise CodebookError(
            f"{path}: no codebook for wave {wave}; add one to map the delivery's columns "
            "(README, 'Adding a wave')"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CodebookError(f"{path}: not valid TOML ({error}); correct the syntax") from None
    book = _parse(raw, path)
    _check(book)
    return book


# key -> what it must hold, said in the error when it is missing or of the wrong type
_KEYS = {
    "wave": "the wave's year, e.g. wave = 2024",
    "municipality_numbering": f"one of {MUNICIPALITY_NUMBERINGS}",
    "weighting_cells": f"a list drawn from {list(WEIGHTING_CELL_COLUMNS)}",
    "columns": "a table [columns] of raw column name = canonical variable",
}


def _parse(raw: dict, path: Path) -> Codebook:
    for key, what in _KEYS.items():
        if key not in raw:
            raise CodebookError(f"{path}: the key {key!r} is missing; add it ({what})")
    try:
        columns = raw["columns"]
        codes = raw.get("codes", {})
        if not isinstance(columns, dict) or not isinstance(codes, dict):
            raise TypeError("[columns] and [codes] must be tables")
        if not all(isinstance(v, str) for v in columns.values()):
            raise TypeError("every [columns] entry must be a canonical name in quotes")
        return Codebook(
            wave=_integer(raw["wave"]),
            municipality_numbering=_integer(raw["municipality_numbering"]),
            weighting_cells=tuple(raw["weighting_cells"]),
            columns=dict(columns),
            codes={k: tuple(_integer(c) for c in v) for k, v in codes.items()},
            path=path,
        )
    except (TypeError, ValueError) as error:
        expected = "; ".join(f"{k}: {w}" for k, w in _KEYS.items())
        raise CodebookError(
            f"{path}: a value has the wrong type ({error}); expected {expected}"
        ) from None


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} is not a whole number")
    return value


def _known(where: str, name: str, what: str) -> questionnaire.Variable:
    try:
        return questionnaire.variable(name)
    except KeyError:
        raise CodebookError(
            f"{where}: {what} {name!r}, which is not a canonical variable of the questionnaire; "
            "use a name from pipelines/survey/questionnaire.py (docs/data-dictionary.md lists them)"
        ) from None


def _check(book: Codebook) -> None:
    where = str(book.path)
    if book.wave != int(book.path.stem):
        raise CodebookError(f"{where}: wave = {book.wave} but the file is named {book.path.name}")
    if book.municipality_numbering not in MUNICIPALITY_NUMBERINGS:
        raise CodebookError(
            f"{where}: municipality_numbering {book.municipality_numbering} is not one of "
            f"{MUNICIPALITY_NUMBERINGS} that the reference data resolves"
        )
    for cell in book.weighting_cells:
        if cell not in WEIGHTING_CELL_COLUMNS:
            raise CodebookError(f"{where}: weighting cell {cell!r} not in {WEIGHTING_CELL_COLUMNS}")
    targets = list(book.columns.values())
    for raw_name, canon in book.columns.items():
        _known(where, canon, f"[columns] maps {raw_name!r} to")
    folded = [raw_name.casefold() for raw_name in book.columns]
    clashing = sorted({r for r in book.columns if folded.count(r.casefold()) > 1})
    if clashing:
        raise CodebookError(
            f"{where}: [columns] names {', '.join(clashing)}, which differ only in case; "
            "column names are compared without case (SQL does), so keep one"
        )
    duplicated = {c for c in targets if targets.count(c) > 1}
    if duplicated:
        raise CodebookError(f"{where}: several raw columns map to {sorted(duplicated)}")
    for required in REQUIRED_VARIABLES:
        if required not in targets:
            raise CodebookError(f"{where}: the codebook must map a column to {required!r}")
    for name, codes in book.codes.items():
        unknown = set(codes) - set(_known(where, name, "[codes] names").codes)
        if unknown:
            raise CodebookError(
                f"{where}: codes {sorted(unknown)} of {name} are not in the questionnaire"
            )
