"""The sample-delivery generator: formats, determinism, routing, planted defects."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

import sample.__main__ as cli
from pipelines.survey import codebook, questionnaire
from sample import generate
from tests import reference_estimator
from tests import sample_deliveries as sd

WAVES = (2018, 2020, 2024)
QUARANTINE_RULES = {
    "duplicate_resp_id",
    "code_not_in_list",
    "unknown_kommunenr",
    "completed_before_started",
    "type_sector_mismatch",
}


@cache
def delivery(wave: int) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """(raw rows as written, canonical rows, defects) of a committed delivery."""
    raw = sd.read_raw(sd.responses_path(sd.RAW_DIR / str(wave)))
    return raw, sd.canonical(raw, wave), sd.load_defects(wave)


def as_written(value: object, fmt: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and fmt == "xlsx":
        return f"{value:.1f}"
    return str(int(value))


def known_codes(wave: int) -> pd.Index:
    book = codebook.load(wave)
    return reference_estimator.municipality_attributes(
        sd.REFERENCE_DIR, book.municipality_numbering
    ).index


def flagged(defects: list[dict], rule: str) -> set[int]:
    return {d["row"] - 2 for d in defects if d["rule"] == rule}


# --- formats -------------------------------------------------------------------------


def test_2018_is_the_vendors_windows_1252_csv():
    data = (sd.RAW_DIR / "2018" / "responses.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0].startswith("ID;KNR;NIVA;SEKTOR;TYPE;Q1;Q2_1;")
    assert len(lines) == 1800 + 2 and lines[-1] == ""  # CRLF after every row, none bare
    assert "\n" not in text.replace("\r\n", "")
    raw, canon, _ = delivery(2018)
    oslo = canon["kommunenr"] == "0301"
    assert oslo.any() and set(raw.loc[oslo, "KNR"]) == {"301"}  # leading zero lost
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", raw["START"].iloc[0])
    assert canon["startet"].between("2017-08-01", "2017-12-31").all()
    assert canon["fritekst_nyeste"].str.contains("[æøå]").any()


def test_2020_is_spss_with_labels_and_string_ids():
    data, meta = pyreadstat.read_sav(sd.RAW_DIR / "2020" / "responses.sav")
    assert meta.readstat_variable_types["RespondentID"] == "string"
    assert data["Kommunenummer"].str.fullmatch(r"\d{4}").all()
    assert meta.variable_value_labels["kjerne"][2.0] == "Ja, fremtidige kjerneoppgaver"
    assert meta.original_variable_types["startet"].startswith("DATETIME")
    assert data["startet"].between("2019-10-15", "2019-12-07").all()


def test_2024_is_xlsx_with_a_data_and_a_labels_sheet_and_some_floats():
    book = openpyxl.load_workbook(sd.RAW_DIR / "2024" / "responses.xlsx", read_only=True)
    assert book.sheetnames == ["Data", "Variabler"]
    rows = list(book["Data"].iter_rows(min_row=2, max_row=50, values_only=True))
    header = next(book["Data"].iter_rows(max_row=1, values_only=True))
    kjerne = [r[header.index("kjerne")] for r in rows if r[header.index("kjerne")] is not None]
    assert all(isinstance(v, float) for v in kjerne)  # written 1.0, 3.0, ...
    assert all(isinstance(r[header.index("sektor")], int) for r in rows)
    assert all(isinstance(r[header.index("kommunenr")], str) for r in rows)
    labels = list(book["Variabler"].iter_rows(values_only=True))
    assert ("f_teknologi", "Ny teknologi") in {(r[0], r[1].split(": ")[-1]) for r in labels[1:]}


@pytest.mark.parametrize("wave", WAVES)
def test_reads_back_with_the_codebook_columns_and_valid_codes(wave):
    raw, canon, defects = delivery(wave)
    book = codebook.load(wave)
    (extra,) = [d["raw_column"] for d in defects if d["rule"] == "extra_column"]
    assert list(raw.columns) == [*book.columns, extra]
    assert len(raw) == sd.SAMPLES[wave]
    out_of_list = flagged(defects, "code_not_in_list")
    for name in book.canonical:
        if questionnaire.variable(name).kind not in ("code", "flag"):
            continue
        values = canon[name].dropna()
        bad = values[~values.isin(book.allowed_codes(name))]
        assert set(bad.index) <= out_of_list, (name, bad.head())
        assert values.notna().any(), name
    unknown = ~canon["kommunenr"].isin(known_codes(wave))
    assert set(canon.index[unknown]) == flagged(defects, "unknown_kommunenr")


@pytest.mark.parametrize("wave", WAVES)
def test_routing_holds_apart_from_the_listed_violations(wave):
    _, canon, defects = delivery(wave)
    book = codebook.load(wave)
    quarantined = set().union(*(flagged(defects, rule) for rule in QUARANTINE_RULES))
    data = canon.drop(index=sorted(quarantined))
    place = reference_estimator.municipality_attributes(
        sd.REFERENCE_DIR, book.municipality_numbering
    )
    county = data["forvaltningsniva"] == 2
    flags = {
        "innovator": data[[c for c in data if c.startswith("innov_")]].eq(1).any(axis=1),
        "in_merging_unit": pd.Series(
            np.where(
                county,
                place.loc[data["kommunenr"], "county_merged_2020"],
                place.loc[data["kommunenr"], "merged_2020"],
            ),
            index=data.index,
        ),
    }
    violations, blank_share = set(), {}
    for name in book.canonical:
        variable = questionnaire.variable(name)
        routed = pd.Series(True, index=data.index)
        for condition in variable.routing:
            values = flags.get(condition.variable, data.get(condition.variable))
            routed &= values.isin(condition.values)
        answered = data[name].notna()
        violations |= {(int(i), name) for i in data.index[answered & ~routed]}
        if routed.sum() > 100 and variable.kind in ("code", "flag"):
            blank_share[name] = 1 - answered[routed].mean()
    listed = {(d["row"] - 2, d["column"]) for d in defects if d["rule"] == "routing"}
    assert violations == listed and len(listed) == 1
    # some item non-response where routed, but not much; background questions complete
    assert 0 < max(blank_share.values()) <= 0.05
    assert blank_share["sektor"] == blank_share["ansatte"] == 0
    assert (data["kjerne"] == 9).any() and (data["innov_prosess"] == 9).any()


@pytest.mark.parametrize("wave", WAVES)
def test_defects_are_exactly_where_the_json_says(wave):
    raw, canon, defects = delivery(wave)
    fmt = sd.responses_path(sd.RAW_DIR / str(wave)).suffix[1:]
    book = codebook.load(wave)
    rows = [d for d in defects if d["rule"] != "extra_column"]
    assert len({d["row"] for d in rows}) <= 0.005 * len(raw)
    for d in rows:
        index = d["row"] - 2
        assert as_written(raw.loc[index, d["raw_column"]], fmt) == d["value"], d
        assert as_written(raw.loc[index, book.raw_for["resp_id"]], fmt) == d["resp_id"], d
    # nothing else is wrong: each check finds exactly the listed rows
    duplicated = canon["resp_id"].duplicated(keep=False)
    assert set(canon.index[duplicated]) == flagged(defects, "duplicate_resp_id")
    assert len(flagged(defects, "duplicate_resp_id")) == 2
    early = canon["fullfort"] < canon["startet"]
    assert set(canon.index[early]) == flagged(defects, "completed_before_started")
    mismatch = canon["virksomhetstype"] // 10 != canon["sektor"]
    assert set(canon.index[mismatch]) == flagged(defects, "type_sector_mismatch")
    level = canon["virksomhetstype"].map(lambda t: questionnaire.VIRKSOMHETSTYPER[int(t)][1])
    assert (level == canon["forvaltningsniva"]).all()
    for rule in QUARANTINE_RULES | {"routing"}:
        assert flagged(defects, rule), rule


# --- determinism and the committed files --------------------------------------------


def generate_into(tmp: Path, wave: int, n: int, seed: int, fmt: str, **kwargs) -> tuple[Path, Path]:
    defects = tmp / f"{wave}.json"
    return generate(
        wave, n, seed, tmp / str(wave), fmt=fmt, defects_path=defects, **kwargs
    ), defects


def assert_same_delivery(a: Path, b: Path) -> None:
    assert a.read_bytes() == b.read_bytes(), a.name
    assert (a.parent / "frame.csv").read_bytes() == (b.parent / "frame.csv").read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_same_seed_same_files_other_seed_other_answers(tmp_path, fmt):
    first, defects_a = generate_into(tmp_path / "a", 2020, 400, 7, fmt)
    second, defects_b = generate_into(tmp_path / "b", 2020, 400, 7, fmt)
    other, _ = generate_into(tmp_path / "c", 2020, 400, 8, fmt)
    assert_same_delivery(first, second)
    assert defects_a.read_text() == defects_b.read_text()
    canon = [sd.canonical(sd.read_raw(p), 2020) for p in (first, other)]
    assert not canon[0]["kommunenr"].equals(canon[1]["kommunenr"])


def documented_commands() -> list[list[str]]:
    """The commands in the comment block at the top of sample/__main__.py."""
    comments = []
    for line in Path(cli.__file__).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        comments.append(line.lstrip("# "))
    text = "\n".join(comments).replace("\\\n", " ")
    return [line.split()[3:] for line in text.splitlines() if line.startswith("python -m")]


def test_committed_deliveries_are_what_the_documented_commands_make(tmp_path):
    commands = documented_commands()
    assert [c[c.index("--wave") + 1] for c in commands] == ["2018", "2020", "2024"]
    for args in commands:
        out, defects = args[args.index("--out") + 1], args[args.index("--defects") + 1]
        wave = args[args.index("--wave") + 1]
        args[args.index("--out") + 1] = str(tmp_path / wave)
        args[args.index("--defects") + 1] = str(tmp_path / f"{wave}.json")
        assert cli.main(args) == 0
        committed = sd.responses_path(sd.REPO / out)
        assert_same_delivery(committed, sd.responses_path(tmp_path / wave))
        assert (sd.REPO / defects).read_bytes() == (tmp_path / f"{wave}.json").read_bytes()
        assert sorted(p.name for p in (sd.REPO / out).iterdir()) == ["frame.csv", committed.name]


def test_a_large_csv_is_written_in_balanced_chunks(tmp_path):
    path, _ = generate_into(tmp_path, 2020, 2000, 3, "csv", chunk_size=500)
    data = sd.canonical(sd.read_raw(path), 2020)
    assert len(data) == 2000
    assert data["resp_id"].nunique() == 1999  # the one planted duplicate
    assert data["resp_id"].iloc[-1] == "IB20-02000"
    # every chunk carries the exact sector quotas (15 % of 500 in sector 1, ...)
    per_chunk = data.groupby(data.index // 500)["sektor"].value_counts().unstack()
    assert (per_chunk[1.0] == 75).all() and (per_chunk[2.0] == 200).all()


@pytest.mark.parametrize("wave", WAVES)
def test_frame_covers_every_respondent_cell_and_differs_from_the_sample_mix(wave):
    _, canon, defects = delivery(wave)
    data, frame = sd.load_wave(wave)
    design = reference_estimator.sampling_design(  # raises for a cell without a count
        data,
        reference_estimator.municipality_attributes(
            sd.REFERENCE_DIR, codebook.load(wave).municipality_numbering
        )
        .loc[data["kommunenr"]]
        .reset_index(drop=True),
        frame,
    )
    assert design["weight"].gt(0).all()
    cells = [c for c in frame.columns if c != "n_population"]
    assert cells == list(codebook.load(wave).weighting_cells)
    assert frame["n_population"].gt(0).all()
    sector_frame = frame.assign(s=frame[cells[0]] // (10 if cells[0] == "virksomhetstype" else 1))
    frame_share = sector_frame.groupby("s")["n_population"].sum() / frame["n_population"].sum()
    sample_share = canon["sektor"].value_counts(normalize=True)
    assert (frame_share - sample_share.rename(int)).abs().max() > 0.1


def test_wave_without_codebook_is_an_error(tmp_path, capsys):
    assert (
        cli.main(
            [
                "--wave",
                "2031",
                "--respondents",
                "10",
                "--seed",
                "1",
                "--out",
                str(tmp_path / "2031"),
            ]
        )
        == 2
    )
    assert "no codebook for wave 2031" in capsys.readouterr().err
