"""Reading sample deliveries back for tests: raw file -> canonical columns -> cleaned.

Deliberately simple and separate from pipelines/ingest: raw names are mapped with the
codebook, the rows the defects list marks for quarantine are dropped and answers given
against routing are blanked, which is what ingest is specified to do with them.
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat

from pipelines.survey import codebook, questionnaire

REPO = Path(__file__).resolve().parents[1]
RAW_DIR = REPO / "data" / "raw"
REFERENCE_DIR = RAW_DIR / "reference"
DEFECTS_DIR = REPO / "tests" / "data" / "sample_defects"
NOT_QUARANTINE = ("routing", "extra_column")
SAMPLES = {2018: 1800, 2020: 3000, 2024: 3200}  # respondents of the committed deliveries


def read_raw(path: Path) -> pd.DataFrame:
    """The data rows of a responses file as written, one column per raw column.

    CSV cells are strings ('' = empty); sav and xlsx cells keep their types. Several test
    files read the same delivery (an xlsx takes seconds): a file is read once per process
    for as long as it is unchanged, and every caller gets its own copy."""
    stat = path.stat()
    return _read_raw(path, stat.st_mtime_ns, stat.st_size).copy()


@functools.cache
def _read_raw(path: Path, _mtime_ns: int, _size: int) -> pd.DataFrame:
    if path.suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        header = text.split("\n", 1)[0]
        sep = ";" if header.count(";") > header.count(",") else ","
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    if path.suffix == ".sav":
        frame, _ = pyreadstat.read_sav(path)
        return frame
    if path.suffix == ".xlsx":
        # openpyxl, not pandas: pandas turns a cell written 3.0 into the integer 3
        book = openpyxl.load_workbook(path, read_only=True)
        header, *rows = book["Data"].iter_rows(values_only=True)
        book.close()
        return pd.DataFrame(rows, columns=header, dtype=object)
    raise ValueError(f"{path}: unknown responses format")


def canonical(raw: pd.DataFrame, wave: int) -> pd.DataFrame:
    """Raw columns renamed to canonical ones, typed: codes float (NaN = empty), kommunenr
    4 characters, startet/fullfort datetime; columns outside the codebook dropped."""
    book = codebook.load(wave)
    out = pd.DataFrame(index=raw.index)
    for raw_name, name in book.columns.items():
        values = raw[raw_name]
        kind = questionnaire.variable(name).kind
        if kind in ("code", "flag"):
            out[name] = pd.to_numeric(values.replace("", np.nan), errors="raise").astype(float)
        elif kind == "municipality":
            out[name] = values.map(lambda v: str(int(float(v))).zfill(4))
        elif kind == "id":
            out[name] = values.map(lambda v: str(int(v)) if isinstance(v, float) else str(v))
        elif kind == "timestamp":
            out[name] = pd.to_datetime(values)
        else:
            out[name] = values.replace("", np.nan)
    return out


def load_defects(wave: int) -> list[dict]:
    return json.loads((DEFECTS_DIR / f"{wave}.json").read_text(encoding="utf-8"))["defects"]


def clean(data: pd.DataFrame, defects: list[dict]) -> pd.DataFrame:
    """Drop the quarantine rows the defects list names; blank routing-violation answers."""
    out = data.copy()
    for defect in defects:
        if defect["rule"] == "routing":
            out.loc[defect["row"] - 2, defect["column"]] = np.nan
    quarantined = {d["row"] - 2 for d in defects if d["rule"] not in NOT_QUARANTINE}
    return out.drop(index=sorted(quarantined)).reset_index(drop=True)


def responses_path(folder: Path) -> Path:
    (path,) = folder.glob("responses.*")
    return path


def load_wave(wave: int, raw_dir: Path = RAW_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cleaned canonical responses, frame) of a committed sample delivery."""
    folder = raw_dir / str(wave)
    data = canonical(read_raw(responses_path(folder)), wave)
    frame = pd.read_csv(folder / "frame.csv", dtype={"landsdel": str})
    return clean(data, load_defects(wave)), frame
