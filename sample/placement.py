"""Who the respondents are: sector, workplace type, size, municipality, weighting cell.

Sectors and types are exact quotas of the profile's respondent mix; municipalities are
drawn roughly in proportion to population (kommune-level workplaces a little more in
small municipalities, fylkeskommune-level ones in proportion to their county). The list
frame (`frame.csv`) is built from the profile's workplace counts per type, split over
the codebook's weighting cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.survey import questionnaire
from pipelines.survey.codebook import Codebook
from sample.balance import Balancer
from sample.municipalities import ECONOMY_GROUPS, SIZE_BANDS, Municipalities
from sample.profiles import EMPLOYEES_BY_TYPE, Profile

# Kommune-level workplaces per inhabitant fall with municipality size (every municipality
# has its school, nursing home and library), so they are drawn with population**0.85;
# the frame counts are spread a little more towards small municipalities still.
RESPONDENT_POPULATION_POWER = 0.85
FRAME_POPULATION_POWER = 0.7
COUNTY_SIZE = len(SIZE_BANDS)  # size band / economy group of fylkeskommune workplaces
COUNTY_ECONOMY = len(ECONOMY_GROUPS)


@dataclass(frozen=True)
class Background:
    sektor: np.ndarray
    virksomhetstype: np.ndarray
    forvaltningsniva: np.ndarray
    ansatte: np.ndarray
    municipality: np.ndarray  # index into the wave's Municipalities
    size: np.ndarray  # index into SIZE_BANDS, COUNTY_SIZE for fylkeskommune workplaces
    economy: np.ndarray  # index into ECONOMY_GROUPS, COUNTY_ECONOMY likewise
    merging: np.ndarray  # workplace in a unit that merged on 1 Jan 2020
    cell: np.ndarray  # weighting cell, numbered in frame order
    weight: np.ndarray  # N_cell / n_cell

    def __len__(self) -> int:
        return len(self.sektor)


def frame(profile: Profile, book: Codebook, munis: Municipalities) -> pd.DataFrame:
    """Workplaces of the list frame per weighting cell, the columns of `frame.csv`."""
    types = pd.Series(profile.frame, name="n_population").rename_axis("virksomhetstype")
    by_type = types.reset_index()
    by_type["sektor"] = by_type["virksomhetstype"] // 10
    cells = list(book.weighting_cells)
    if "landsdel" in cells:
        by_type = pd.concat(
            [_split_over_landsdel(row, munis) for row in by_type.itertuples()], ignore_index=True
        )
    table = by_type.groupby(cells, as_index=False)["n_population"].sum()
    return table[[*cells, "n_population"]].sort_values(cells, ignore_index=True)


def _split_over_landsdel(row, munis: Municipalities) -> pd.DataFrame:
    county_level = questionnaire.VIRKSOMHETSTYPER[row.virksomhetstype][1] == 2
    power = 1.0 if county_level else FRAME_POPULATION_POWER
    share = pd.Series(munis.population**power).groupby(munis.landsdel).sum()
    counts = _largest_remainder(row.n_population, share.to_numpy() / share.sum())
    return pd.DataFrame(
        {
            "virksomhetstype": row.virksomhetstype,
            "sektor": row.sektor,
            "landsdel": share.index,
            "n_population": counts,
        }
    )


def place(
    rng: np.random.Generator,
    n: int,
    profile: Profile,
    book: Codebook,
    munis: Municipalities,
    frame_table: pd.DataFrame,
) -> Background:
    sektor = _quota(rng, n, profile.sector_mix)
    virksomhetstype = np.zeros(n, dtype=np.int64)
    for s in profile.sector_mix:
        in_sector = np.flatnonzero(sektor == s)
        mix = {t: share for t, share in profile.type_mix.items() if t // 10 == s}
        virksomhetstype[in_sector] = _quota(rng, in_sector.size, mix)
    level = np.zeros(100, dtype=np.int64)
    for t, (_, lvl) in questionnaire.VIRKSOMHETSTYPER.items():
        level[t] = lvl
    forvaltningsniva = level[virksomhetstype]
    ansatte = _employees(rng, virksomhetstype)
    county_level = forvaltningsniva == 2
    municipality = np.zeros(n, dtype=np.int64)
    municipality[county_level] = _draw(rng, munis.population, county_level.sum())
    merging = np.where(county_level, munis.county_merged_2020[municipality], False)
    kommune_level = ~county_level
    pool = munis.population**RESPONDENT_POPULATION_POWER
    if profile.merging_share is None:
        municipality[kommune_level] = _draw(rng, pool, kommune_level.sum())
    else:
        # The merger share is set by where workplaces lie, so placement aims at it.
        if "landsdel" in book.weighting_cells:
            raise ValueError("a merging share needs weighting cells that do not depend on place")
        weight = _weights(book, frame_table, sektor, virksomhetstype, None)[1]
        county_merging = weight[merging].sum() / weight.sum()
        in_merging = Balancer(rng, weight, [sektor]).flag(
            kommune_level,
            profile.merging_share - county_merging,
            base=np.ones(n, dtype=bool),
        )
        for flag in (True, False):
            rows = in_merging if flag else kommune_level & ~in_merging
            candidates = np.flatnonzero(munis.merged_2020 == flag)
            municipality[rows] = candidates[_draw(rng, pool[candidates], rows.sum())]
        merging = merging | in_merging
    landsdel = munis.landsdel[municipality]
    cell, weight = _weights(book, frame_table, sektor, virksomhetstype, landsdel)
    return Background(
        sektor=sektor,
        virksomhetstype=virksomhetstype,
        forvaltningsniva=forvaltningsniva,
        ansatte=ansatte,
        municipality=municipality,
        size=np.where(county_level, COUNTY_SIZE, munis.size_band[municipality]),
        economy=np.where(county_level, COUNTY_ECONOMY, munis.economy[municipality]),
        merging=merging,
        cell=cell,
        weight=weight,
    )


def _weights(
    book: Codebook,
    frame_table: pd.DataFrame,
    sektor: np.ndarray,
    virksomhetstype: np.ndarray,
    landsdel: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each respondent's weighting cell (row of the frame) and weight N_cell / n_cell."""
    cells = list(book.weighting_cells)
    values = {"sektor": sektor, "virksomhetstype": virksomhetstype, "landsdel": landsdel}
    keys = pd.DataFrame({c: values[c] for c in cells})
    located = keys.merge(
        frame_table.reset_index(names="cell"), on=cells, how="left", validate="many_to_one"
    )
    if located["cell"].isna().any():
        missing = keys[located["cell"].isna().to_numpy()].drop_duplicates()
        raise ValueError(
            f"respondents in weighting cells the frame lacks: {missing.to_dict('records')}"
        )
    cell = located["cell"].to_numpy(dtype=np.int64)
    n_cell = np.bincount(cell, minlength=len(frame_table))
    weight = frame_table["n_population"].to_numpy(dtype=float)[cell] / n_cell[cell]
    return cell, weight


def _quota(rng: np.random.Generator, n: int, mix: dict[int, float]) -> np.ndarray:
    """Codes in exact proportions (largest remainder), in random order."""
    codes = np.array(list(mix), dtype=np.int64)
    shares = np.array(list(mix.values()), dtype=float)
    return rng.permutation(np.repeat(codes, _largest_remainder(n, shares / shares.sum())))


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    exact = total * shares
    counts = np.floor(exact).astype(np.int64)
    short = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def _employees(rng: np.random.Generator, virksomhetstype: np.ndarray) -> np.ndarray:
    ansatte = np.zeros(len(virksomhetstype), dtype=np.int64)
    for t in np.unique(virksomhetstype):
        rows = np.flatnonzero(virksomhetstype == t)
        ansatte[rows] = 1 + _draw(rng, np.array(EMPLOYEES_BY_TYPE[int(t)]), rows.size)
    return ansatte


def _draw(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with replacement, in proportion to ``weights``."""
    cum = np.cumsum(weights, dtype=float)
    return np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
