"""Generate one sample delivery: responses file, frame.csv and the list of planted defects."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines import paths
from pipelines.survey import codebook
from pipelines.survey.codebook import Codebook
from sample import answers, defects, fieldwork, freetext, municipalities, placement
from sample.balance import Balancer
from sample.profiles import BLANK, Profile, profile
from sample.writers import FORMATS, open_writer

CHUNK_SIZE = 200_000


# The survey reached at most about 30 % of the list frame; a larger delivery (the benchmark's)
# comes from a proportionally larger frame, so that no cell has more respondents than
# workplaces. The committed samples stay within it and keep their frame as it is.
MAX_SAMPLING_FRACTION = 0.3


def _frame_scale(frame_table: pd.DataFrame, respondents: int) -> int:
    return max(
        1, math.ceil(respondents / (MAX_SAMPLING_FRACTION * frame_table["n_population"].sum()))
    )


def generate(
    wave: int,
    respondents: int,
    seed: int,
    out: Path,
    fmt: str | None = None,
    defects_path: Path | None = None,
    chunk_size: int = CHUNK_SIZE,
    reference_dir: Path | None = None,
) -> Path:
    """Write ``out/responses.<fmt>`` and ``out/frame.csv``; return the responses path.

    The defects go to ``defects_path`` (default ``<out>.defects.json``, beside the folder).
    Same arguments, same files. Respondents are made ``chunk_size`` at a time, each chunk
    a balanced sample of its own, so memory stays flat for large benchmark deliveries.
    """
    book = codebook.load(wave)
    wave_profile = profile(wave)
    _check_fit(wave_profile, book)
    fmt = fmt or wave_profile.contract_format
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    if respondents < 1 or chunk_size < 1:
        raise ValueError(f"respondents ({respondents}) and chunk size ({chunk_size}) must be >= 1")
    ref = reference_dir or paths.reference_dir()
    munis = municipalities.load(book.municipality_numbering, ref)
    frame_table = placement.frame(wave_profile, book, munis)

    out.mkdir(parents=True, exist_ok=True)
    responses = out / f"responses.{fmt}"
    others = sorted(p.name for p in out.glob("responses.*") if p != responses)
    if others:
        raise FileExistsError(f"{out} already holds {others}: a wave has one responses file")
    writer = open_writer(fmt, responses, book, wave_profile, defects.spec(wave).extra_column)
    found: list[defects.Defect] = []
    for k, first in enumerate(range(0, respondents, chunk_size)):
        n = min(chunk_size, respondents - first)
        rng = np.random.default_rng([seed, wave, k])
        chunk, flags = _chunk(rng, first, n, wave_profile, book, munis, frame_table)
        if k == 0:
            unknown = municipalities.unknown_codes(book.municipality_numbering, ref)
            planted = defects.plant(rng, chunk, flags, book, unknown, respondents)
        writer.write(chunk, defects.extra_values(rng, wave, n))
        if k == 0:
            found = defects.records(planted, chunk, book, writer.render)
    writer.close()
    frame_table.assign(
        n_population=frame_table["n_population"] * _frame_scale(frame_table, respondents)
    ).to_csv(out / "frame.csv", index=False, lineterminator="\n")
    defects.write_json(
        defects_path or out.with_name(out.name + ".defects.json"), wave, responses, found
    )
    return responses


def _chunk(
    rng: np.random.Generator,
    first: int,
    n: int,
    wave_profile: Profile,
    book: Codebook,
    munis: municipalities.Municipalities,
    frame_table: pd.DataFrame,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Canonical columns of the codebook for respondents first .. first + n - 1."""
    bg = placement.place(rng, n, wave_profile, book, munis, frame_table)
    by_weight = np.unique(bg.weight, return_inverse=True)[1]
    balancer = Balancer(rng, bg.weight, [bg.size, bg.economy, by_weight, bg.cell, bg.ansatte])
    columns = answers.draw(wave_profile, book, bg, balancer, rng)
    innovator = np.any([columns[f"innov_{t}"] == 1 for t in answers.TYPE_ORDER], axis=0)
    startet, fullfort = fieldwork.interview_times(wave_profile, rng, n)
    text = np.full(n, None, dtype=object)
    described = np.flatnonzero(innovator & (rng.random(n) >= BLANK["fritekst_nyeste"]))
    text[described] = freetext.descriptions(
        rng, wave_profile.fieldwork[0].year, first + described + 1
    )
    columns |= {
        "resp_id": fieldwork.respondent_ids(wave_profile, first, n),
        "kommunenr": munis.code[bg.municipality],
        "forvaltningsniva": bg.forvaltningsniva.astype(float),
        "sektor": bg.sektor.astype(float),
        "virksomhetstype": bg.virksomhetstype.astype(float),
        "ansatte": bg.ansatte.astype(float),
        "fritekst_nyeste": text,
        "startet": startet,
        "fullfort": fullfort,
    }
    chunk = {name: columns[name] for name in book.canonical}
    return chunk, {"innovator": innovator, "in_merging_unit": bg.merging}


def _check_fit(wave_profile: Profile, book: Codebook) -> None:
    """The profile must model exactly what the codebook lets the wave carry."""
    where = f"{book.path} vs sample/profiles.py"
    types = set(wave_profile.type_mix) | set(wave_profile.frame)
    for name, codes in (("virksomhetstype", types), ("sektor", set(wave_profile.sector_mix))):
        outside = codes - set(book.allowed_codes(name))
        if outside:
            raise ValueError(f"{where}: {name} codes {sorted(outside)} are not in the wave's list")
    blocks = {
        "storste_hemmer": wave_profile.storste_hemmer,
        "mislykket": wave_profile.mislykket,
        "kultur_ideer": wave_profile.kultur,
        "reform_trykk": wave_profile.reform_trykk,
        **{f"f_{item}": wave_profile.factors.get(item) for item in answers.FACTOR_ITEMS},
    }
    missing = [name for name, targets in blocks.items() if book.asked(name) and targets is None]
    if missing:
        raise ValueError(f"{where}: the wave asks {missing} but its profile sets no targets")
