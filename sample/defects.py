"""Realistic defects of the kinds in contract §5, planted in a sample delivery.

Rule names and row numbers follow docs/design.md: `row` is the row a person sees in the
file with the header as row 1, so data row i (0-based) is row i + 2 in every format.
Rows with a defect are at most 0.5 % of the delivery. The defects are listed in a JSON
file beside the delivery folder, so tests can check that ingest catches exactly these.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from pipelines.survey import questionnaire
from pipelines.survey.codebook import Codebook

ROW_SHARE = 0.005
HEADER_ROW = 1
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class WaveDefects:
    out_of_list: tuple[str, int]  # a code outside the variable's list for this wave
    routing: str  # a question answered by someone not routed to it
    extra_column: str
    extra_values: tuple  # what the extra column holds


WAVE_DEFECTS = {
    # SFO (23) is a type from 2020 on: the 2018 vendor's list does not have it.
    2018: WaveDefects(("virksomhetstype", 23), "kjerne", "Q12", (1, 2)),
    2020: WaveDefects(("ansatte", 6), "reform_trykk", "svarkanal", ("web", "mobil", "nettbrett")),
    2024: WaveDefects(
        ("kultur_nye_veier", 5), "nyhet", "Status", ("Fullført", "Fullført (purret)")
    ),
}
OTHER_WAVES = WaveDefects(("ansatte", 6), "kjerne", "kilde", ("web",))


@dataclass(frozen=True)
class Defect:
    rule: str
    row: int
    resp_id: str | None
    column: str | None  # canonical name
    raw_column: str
    value: str | None  # as written in the file


@dataclass(frozen=True)
class Planted:
    rule: str
    index: int  # 0-based data row
    column: str


def spec(wave: int) -> WaveDefects:
    return WAVE_DEFECTS.get(wave, OTHER_WAVES)


def plant(
    rng: np.random.Generator,
    chunk: dict[str, np.ndarray],
    flags: dict[str, np.ndarray],
    book: Codebook,
    unknown_codes: np.ndarray,
    respondents: int,
) -> list[Planted]:
    """Change rows of ``chunk`` in place; return what was planted where.

    ``flags`` are the derived routing flags (innovator, in_merging_unit);
    ``unknown_codes`` real municipality codes that the wave's numbering does not know.
    """
    wave = spec(book.wave)
    budget = int(respondents * ROW_SHARE)
    n = len(chunk["resp_id"])
    used: set[int] = set()
    planted: list[Planted] = []

    def pick(candidates: np.ndarray, k: int = 1) -> list[int]:
        rows = [int(i) for i in rng.permutation(np.flatnonzero(candidates)) if i not in used][:k]
        if len(rows) < k:
            raise ValueError("too few rows to plant the sample defects in")
        used.update(rows)
        return sorted(rows)

    def duplicate_id() -> None:
        first, second = pick(np.ones(n, dtype=bool), 2)
        chunk["resp_id"][second] = chunk["resp_id"][first]
        planted.extend(Planted("duplicate_resp_id", i, "resp_id") for i in (first, second))

    def out_of_list() -> None:
        name, code = wave.out_of_list
        if name == "virksomhetstype":
            # only the code is wrong: sector and level fit the type
            level = questionnaire.VIRKSOMHETSTYPER[code][1]
            fits = (chunk["sektor"] == code // 10) & (chunk["forvaltningsniva"] == level)
        else:
            fits = ~np.isnan(chunk[name])
        (i,) = pick(fits)
        chunk[name][i] = code
        planted.append(Planted("code_not_in_list", i, name))

    def unknown_kommunenr() -> None:
        (i,) = pick(chunk["forvaltningsniva"] == 1)
        chunk["kommunenr"][i] = rng.choice(unknown_codes)
        planted.append(Planted("unknown_kommunenr", i, "kommunenr"))

    def routing() -> None:
        name = wave.routing
        (i,) = pick(_routed_but_last(name, chunk, flags))
        chunk[name][i] = min(book.allowed_codes(name))
        planted.append(Planted("routing", i, name))

    def completed_before_started() -> None:
        (i,) = pick(np.ones(n, dtype=bool))
        start = chunk["startet"][i]
        chunk["fullfort"][i] = start - (chunk["fullfort"][i] - start)
        planted.append(Planted("completed_before_started", i, "fullfort"))

    def type_sector_mismatch() -> None:
        (i,) = pick(chunk["forvaltningsniva"] == 1)
        sector = chunk["sektor"][i]
        chunk["virksomhetstype"][i] = next(
            t
            for t in book.allowed_codes("virksomhetstype")
            if t // 10 != sector and questionnaire.VIRKSOMHETSTYPER[t][1] == 1
        )
        planted.append(Planted("type_sector_mismatch", i, "virksomhetstype"))

    kinds = (
        (2, duplicate_id),
        (1, out_of_list),
        (1, unknown_kommunenr),
        (1, routing),
        (1, completed_before_started),
        (1, type_sector_mismatch),
    )
    for rows, kind in kinds:
        if len(used) + rows <= budget:
            kind()
    return planted


def extra_values(rng: np.random.Generator, wave: int, n: int) -> np.ndarray:
    options = spec(wave).extra_values
    return np.array(options, dtype=object)[rng.integers(len(options), size=n)]


def _routed_but_last(
    name: str, chunk: dict[str, np.ndarray], flags: dict[str, np.ndarray]
) -> np.ndarray:
    """Rows meeting every routing condition of ``name`` but the last, which they answered
    otherwise: those a vendor's faulty filter would most likely have shown the question."""
    *before, last = questionnaire.variable(name).routing

    def value(variable: str) -> np.ndarray:
        return flags[variable] if variable in flags else chunk[variable]

    ok = np.ones(len(chunk["resp_id"]), dtype=bool)
    for condition in before:
        ok &= np.isin(value(condition.variable), condition.values)
    answered = ~np.isnan(value(last.variable).astype(float))
    return ok & answered & ~np.isin(value(last.variable), last.values)


def records(
    planted: list[Planted], chunk: dict[str, np.ndarray], book: Codebook, render
) -> list[Defect]:
    """The defects as written: ``render(canonical, value)`` gives a value's text in the file."""
    raw = book.raw_for
    found = [
        Defect(
            rule=p.rule,
            row=p.index + FIRST_DATA_ROW,
            resp_id=render("resp_id", chunk["resp_id"][p.index]),
            column=p.column,
            raw_column=raw[p.column],
            value=render(p.column, chunk[p.column][p.index]),
        )
        for p in planted
    ]
    extra = Defect("extra_column", HEADER_ROW, None, None, spec(book.wave).extra_column, None)
    return sorted([*found, extra], key=lambda d: (d.row, d.rule))


def write_json(path: Path, wave: int, responses: Path, defects: list[Defect]) -> None:
    document = {
        "wave": wave,
        "file": responses.name,
        "row_convention": "header = row 1; data row i (0-based) = row i + 2",
        "defects": [asdict(d) for d in defects],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
