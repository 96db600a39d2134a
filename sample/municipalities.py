"""The municipalities a sample wave places its workplaces in, read from the SSB reference files.

Each wave uses the numbering valid at its fieldwork (contract §2): 2018 is the 2019 list
with Rindal written as 1567, 2019 is the 2019 list, 2024 the 2024 list. Besides the code
the generator needs the attributes its answer model depends on: population, county,
landsdel, the marts' size and economy groups, and the 2020 merger flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

RINDAL_2019, RINDAL_2018 = "5061", "1567"

SIZE_BANDS = ("<5k", "5k-20k", "20k-50k", "50k+")
SIZE_LIMITS = (5_000, 20_000, 50_000)
ECONOMY_GROUPS = ("low", "medium", "high")
# marts.md §4: KOSTRA group -> level of free disposable income.
ECONOMY_OF_KOSTRA = {
    **{f"EKG{g:02d}": "low" for g in (1, 4, 7, 9, 10, 11, 12, 14)},
    **{f"EKG{g:02d}": "medium" for g in (2, 5, 8, 13, 16)},
    **{f"EKG{g:02d}": "high" for g in (3, 6, 15, 17)},
}


@dataclass(frozen=True)
class Municipalities:
    """One row per municipality of a numbering, as arrays indexed alike."""

    code: np.ndarray  # kommunenr as the delivery writes it, 4 characters
    population: np.ndarray
    county: np.ndarray  # two-digit county code in the same structure
    landsdel: np.ndarray
    size_band: np.ndarray  # index into SIZE_BANDS
    economy: np.ndarray  # index into ECONOMY_GROUPS
    merged_2020: np.ndarray  # the municipality merged or split on 1 Jan 2020
    county_merged_2020: np.ndarray  # its county merged on 1 Jan 2020


@cache
def load(numbering: int, ref: Path) -> Municipalities:
    """The municipalities of ``numbering`` from the reference files in ``ref``."""
    if numbering in (2018, 2019):
        table = _read(ref / "municipalities_2019.csv")
        population = table["population_2019_01_01"]
        kostra_2020 = _read(ref / "municipalities_2020.csv").set_index("municipality_code")
        first_successor = table["municipality_code_2020"].str.split("|").str[0]
        kostra = first_successor.map(kostra_2020["kostra_group"])
        changes = _read(ref / "municipality_changes_2019_2020.csv")
        merged_codes = changes.loc[
            changes["change_type"].isin(["merged", "split"]), "municipality_code_2019"
        ]
        merged = table["municipality_code"].isin(set(merged_codes))
    elif numbering == 2024:
        table = _read(ref / "municipalities_2024.csv")
        population = table["population_2024_01_01"]
        kostra = table["kostra_group"]
        merged = pd.Series(False, index=table.index)
    else:
        raise ValueError(f"no reference municipality list for numbering {numbering}")
    counties = _read(ref / "counties.csv")
    counties_2020 = set(counties.loc[counties["structure"] == "2020", "county_code"])
    code = table["municipality_code"]
    county = table["county_code"]
    if numbering == 2018:
        code = code.replace(RINDAL_2019, RINDAL_2018)
        county = code.str[:2]
    population = population.astype(np.int64).to_numpy()
    economy = kostra.map(ECONOMY_OF_KOSTRA)
    if economy.isna().any():
        raise ValueError(f"{ref}: KOSTRA group without an economy level: {kostra[economy.isna()]}")
    return Municipalities(
        code=code.to_numpy(dtype=object),
        population=population,
        county=county.to_numpy(dtype=object),
        landsdel=table["landsdel_nuts2_code"].to_numpy(dtype=object),
        size_band=np.searchsorted(SIZE_LIMITS, population, side="right"),
        economy=economy.map(ECONOMY_GROUPS.index).to_numpy(dtype=np.int64),
        merged_2020=merged.to_numpy(dtype=bool),
        # Only structures before 2020 can have merged into a 2020 county.
        county_merged_2020=(~county.isin(counties_2020)).to_numpy(dtype=bool)
        if numbering in (2018, 2019)
        else np.zeros(len(table), dtype=bool),
    )


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def unknown_codes(numbering: int, ref: Path) -> np.ndarray:
    """Real codes of the other structures (2019, 2020, 2024) that ``numbering`` lacks: what a
    vendor writes who codes the municipality in the wrong numbering."""
    files = ("municipalities_2019.csv", "municipalities_2020.csv", "municipalities_2024.csv")
    codes = set().union(*(set(_read(ref / f)["municipality_code"]) for f in files))
    return np.array(sorted(codes - set(load(numbering, ref).code)), dtype=object)
