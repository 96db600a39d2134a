"""An independent pandas/numpy implementation of the marts (shared/spec/marts.md).

Written from the spec text alone: it shares no code with the project's SQL and does not
import the pipeline's questionnaire or codebook, so the SQL marts can be checked against
it row by row. Input: the cleaned canonical responses of one wave (quarantined rows
removed, answers given against routing blanked), the wave's frame and the SSB reference
files. Output: every row of every mart, keyed by (wave, measure, item, breakdown,
group_code).

Where the spec leaves room, this implementation decides (and the docs should say so):
- Innovator = any innov_* = 1; a respondent who answered none of the innov_* items is
  neither innovator nor non-innovator: outside `innovative` (whose denominator is those
  who answered at least one innov_* item), outside every denominator restricted to
  innovators or non-innovators, and in no `innovation_status` group.
- `multi_type` counts an innovator who answered at least one nyeste_* item (empty = not
  chosen).
- `innovation_status`: innovator; developing = non-innovator with utvikling = 1;
  neither = other non-innovators (including an empty utvikling).
- Size bands: <5k is population < 5 000, 5k-20k is 5 000 ≤ population < 20 000, and so on.
- A wave has merger data (and reform_pressure rows) when it carries reform_trykk answers.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import chi2

Z = 1.959964
MIN_CELL_SIZE = 10
MARTS = ("innovation", "factors", "failures", "culture_index", "reform_pressure")
COLUMNS = [
    "wave", "measure", "item", "breakdown", "group_code",
    "n", "estimate", "ci_lower", "ci_upper", "se", "deff", "suppression", "suppressed",
]  # fmt: skip
BREAKDOWNS = (
    "total", "sector", "municipality_size", "centrality", "region",
    "employees", "economy", "innovation_status", "merger", "government_level",
)  # fmt: skip

# Contract §2: the municipality numbering each wave's kommunenr uses.
NUMBERING = {2018: 2018, 2020: 2019, 2024: 2024}
RINDAL_2018, RINDAL_2019 = "1567", "5061"

INNOVATION_TYPES = ("tjeneste", "produkt", "prosess", "kommunikasjon")
# factor code = position + 1
FACTORS = (
    "forsvarlig_drift", "feilhandtering", "internt_samarbeid", "ny_teknologi", "okonomi",
    "medarbeidere", "brukere", "politikk", "offentlig_samarbeid", "lover_krav", "organisasjon",
)  # fmt: skip
REASONS = ("samarbeid", "planlegging", "okonomi", "forankring", "kompetanse", "teknologi", "annet")
STATEMENTS = ("ideer", "laere_av_feil", "gjenbruk", "nye_veier", "pilot_til_drift")
NOVELTY = {"improvement": 1, "new_approach": 2, "dont_know": 9}
FAILURE_TYPES = {"tjeneste": 1, "produkt": 2, "prosess": 3, "kommunikasjon": 4}
PRESSURE = {"more": 1, "same": 2, "less": 3, "dont_know": 9}
INDEX_BANDS = {"0-2": (0, 1, 2), "3": (3,), "4": (4,), "5": (5,)}
# marts.md §4: the groups of each breakdown in the order the spec lists them (and §3 the
# bands of the culture index); ties of secondary suppression go to the first listed.
GROUP_ORDER = {
    "sector": ["1", "2", "3", "4", "5"],
    "municipality_size": ["<5k", "5k-20k", "20k-50k", "50k+", "county"],
    "centrality": ["central", "intermediate", "peripheral", "county"],
    "region": ["NO02", "NO06", "NO07", "NO08", "NO09", "NO0A"],
    "employees": ["1", "2", "3", "4", "5"],
    "economy": ["low", "medium", "high", "county"],
    "innovation_status": ["innovator", "developing", "neither"],
    "merger": ["merging", "not_merging"],
    "government_level": ["1", "2"],
}
ECONOMY = {
    **{f"EKG{g:02d}": "low" for g in (1, 4, 7, 9, 10, 11, 12, 14)},
    **{f"EKG{g:02d}": "medium" for g in (2, 5, 8, 13, 16)},
    **{f"EKG{g:02d}": "high" for g in (3, 6, 15, 17)},
}


def estimate_marts(
    responses: pd.DataFrame,
    frame: pd.DataFrame,
    reference_dir: Path,
    wave: int,
    min_cell_size: int = MIN_CELL_SIZE,
) -> dict[str, pd.DataFrame]:
    """Every estimate mart of ``wave`` as a DataFrame with the columns of ``COLUMNS``, and
    its ``differences`` (marts.md §7) with the columns of ``DIFFERENCE_COLUMNS``."""
    data = responses.reset_index(drop=True).copy()
    municipality = municipality_attributes(reference_dir, NUMBERING[wave])
    unknown = ~data["kommunenr"].isin(municipality.index)
    if unknown.any():
        raise ValueError(
            f"kommunenr not in the reference: {sorted(data.loc[unknown, 'kommunenr'])}"
        )
    place = municipality.loc[data["kommunenr"]].reset_index(drop=True)
    design = sampling_design(data, place, frame)
    data["weight"] = design["weight"]
    innov = _num(data, [f"innov_{t}" for t in INNOVATION_TYPES if f"innov_{t}" in data])
    data["innovator"] = innov.eq(1).any(axis=1)
    data["non_innovator"] = innov.notna().any(axis=1) & ~data["innovator"]
    county_level = data["forvaltningsniva"].astype(float) == 2
    data["merging"] = np.where(county_level, place["county_merged_2020"], place["merged_2020"])
    groups = _groups(data, place, county_level)
    has_merger = _asked(data, "reform_trykk")
    observations = _observations(data)
    covariances: dict = {}
    rows = _estimate(observations, design, groups, has_merger, min_cell_size, covariances)
    rows.insert(0, "wave", wave)
    out = {"differences": _differences(rows, covariances, wave)}
    for mart in MARTS:
        table = rows[rows["mart"] == mart]
        out[mart] = (
            table[COLUMNS]
            .sort_values(["measure", "item", "breakdown", "group_code"], ignore_index=True)
            .astype({"wave": "int64", "n": "int64", "suppressed": "bool"})
        )
    return out


def municipality_attributes(reference_dir: Path, numbering: int) -> pd.DataFrame:
    """Per kommunenr of ``numbering``: population, landsdel, centrality class, economy
    group and the 2020 merger flags (marts.md §4, contract §6)."""

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(reference_dir / name, dtype=str, keep_default_na=False)

    counties = read("counties.csv")
    counties_2020 = set(counties.loc[counties["structure"] == "2020", "county_code"])
    if numbering in (2018, 2019):
        table = read("municipalities_2019.csv")
        kostra_2020 = read("municipalities_2020.csv").set_index("municipality_code")["kostra_group"]
        changes = read("municipality_changes_2019_2020.csv")
        merged = set(
            changes.loc[changes["change_type"].isin(["merged", "split"]), "municipality_code_2019"]
        )
        out = pd.DataFrame(
            {
                "population": table["population_2019_01_01"].astype(int),
                "landsdel": table["landsdel_nuts2_code"],
                "centrality": table["centrality_class_ssb2018"].astype(int),
                "kostra": table["municipality_code_2020"].str.split("|").str[0].map(kostra_2020),
                "merged_2020": table["municipality_code"].isin(merged),
                "county_merged_2020": ~table["county_code"].isin(counties_2020),
            }
        )
        codes = table["municipality_code"]
        if numbering == 2018:
            codes = codes.replace(RINDAL_2019, RINDAL_2018)
    elif numbering == 2024:
        table = read("municipalities_2024.csv")
        out = pd.DataFrame(
            {
                "population": table["population_2024_01_01"].astype(int),
                "landsdel": table["landsdel_nuts2_code"],
                "centrality": table["centrality_class_ssb2024"].astype(int),
                "kostra": table["kostra_group"],
                "merged_2020": False,
                "county_merged_2020": False,
            }
        )
        codes = table["municipality_code"]
    else:
        raise ValueError(f"no municipality list for numbering {numbering}")
    out["economy"] = out["kostra"].map(ECONOMY)
    out.index = pd.Index(codes, name="kommunenr")
    return out


def sampling_design(data: pd.DataFrame, place: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Per respondent: the stratum (`cell`, a number), its respondents `n_h` and population
    `N_h`, and the weight w = N_h / n_h; cells are the frame's columns but n_population."""
    cells = [c for c in frame.columns if c != "n_population"]
    keys = pd.DataFrame(index=data.index)
    for cell in cells:
        if cell == "landsdel":
            keys[cell] = place["landsdel"].to_numpy()
        else:
            keys[cell] = data[cell].astype(float).astype(int).to_numpy()
    population = frame.copy()
    for cell in cells:
        if cell != "landsdel":
            population[cell] = population[cell].astype(int)
    n_cell = keys.groupby(cells).size().rename("n_cell").reset_index()
    table = keys.merge(n_cell, on=cells, how="left").merge(population, on=cells, how="left")
    missing = table["n_population"].isna()
    if missing.any():
        raise ValueError(
            f"respondent cells without a frame count: {keys[missing.to_numpy()].drop_duplicates()}"
        )
    n_h = table["n_cell"].to_numpy(float)
    big_n_h = table["n_population"].to_numpy(float)
    return pd.DataFrame(
        {
            "cell": table.groupby(cells, sort=True).ngroup().to_numpy(),
            "n_h": n_h,
            "N_h": big_n_h,
            "weight": big_n_h / n_h,
        },
        index=data.index,
    )


class Observation:
    """One measure/item: who is in the denominator and each one's y (or value for means)."""

    def __init__(self, mart: str, measure: str, item: str, denominator, value, kind="share"):
        self.mart, self.measure, self.item, self.kind = mart, measure, item, kind
        self.denominator = np.asarray(denominator, dtype=bool)
        self.value = np.asarray(value, dtype=float)


def _observations(data: pd.DataFrame) -> list[Observation]:
    obs: list[Observation] = []
    innovator = data["innovator"].to_numpy()
    non_innovator = data["non_innovator"].to_numpy()
    everyone = np.ones(len(data), dtype=bool)

    def col(name: str) -> np.ndarray:
        return _num(data, [name])[name].to_numpy()

    def answered(name: str) -> np.ndarray:
        return ~np.isnan(col(name))

    # innovation
    innov = [f"innov_{t}" for t in INNOVATION_TYPES if _asked(data, f"innov_{t}")]
    if innov:
        any_answered = _num(data, innov).notna().any(axis=1).to_numpy()
        obs.append(Observation("innovation", "innovative", "", any_answered, innovator))
    for t in INNOVATION_TYPES:
        if _asked(data, f"innov_{t}"):
            name = f"innov_{t}"
            obs.append(
                Observation("innovation", "innovation_type", t, answered(name), col(name) == 1)
            )
    if _asked(data, "utvikling"):
        obs.append(
            Observation(
                "innovation", "development_underway", "",
                non_innovator & answered("utvikling"), col("utvikling") == 1,
            )
        )  # fmt: skip
    newest = [f"nyeste_{t}" for t in INNOVATION_TYPES if _asked(data, f"nyeste_{t}")]
    if newest:
        flags = _num(data, newest)
        obs.append(
            Observation(
                "innovation", "multi_type", "",
                innovator & flags.notna().any(axis=1).to_numpy(),
                flags.eq(1).sum(axis=1).to_numpy() >= 2,
            )
        )  # fmt: skip
    if _asked(data, "kjerne"):
        core = np.isin(col("kjerne"), (1, 2))
        obs.append(Observation("innovation", "core_task", "", innovator & answered("kjerne"), core))
        if _asked(data, "nyhet"):
            for item, code in NOVELTY.items():
                obs.append(
                    Observation(
                        "innovation", "novelty", item,
                        innovator & core & answered("nyhet"), col("nyhet") == code,
                    )
                )  # fmt: skip
    # factors
    for factor in FACTORS:
        name = f"f_{factor}"
        if not _asked(data, name):
            continue
        x = col(name)
        routed = innovator & answered(name)
        obs.append(Observation("factors", "promoted", factor, routed, np.isin(x, (5, 6))))
        obs.append(Observation("factors", "inhibited", factor, routed, np.isin(x, (1, 2))))
        scale = innovator & np.isin(x, (1, 2, 3, 4, 5, 6))
        obs.append(Observation("factors", "mean_score", factor, scale, x, kind="mean"))
    if _asked(data, "storste_hemmer"):
        developing = non_innovator & (col("utvikling") == 1) & answered("storste_hemmer")
        for code, factor in enumerate(FACTORS, start=1):
            obs.append(
                Observation(
                    "factors",
                    "biggest_inhibitor",
                    factor,
                    developing,
                    col("storste_hemmer") == code,
                )
            )
    # failures
    if _asked(data, "mislykket"):
        failed = col("mislykket") == 1
        obs.append(Observation("failures", "failed_attempt", "", answered("mislykket"), failed))
        if _asked(data, "mislykket_type"):
            for item, code in FAILURE_TYPES.items():
                obs.append(
                    Observation(
                        "failures", "failure_type", item,
                        failed & answered("mislykket_type"), col("mislykket_type") == code,
                    )
                )  # fmt: skip
        for reason in REASONS:
            name = f"arsak_{reason}"
            if _asked(data, name):
                obs.append(
                    Observation(
                        "failures",
                        "failure_reason",
                        reason,
                        failed & answered(name),
                        col(name) == 1,
                    )
                )
    # culture
    for statement in STATEMENTS:
        name = f"kultur_{statement}"
        if _asked(data, name):
            obs.append(
                Observation(
                    "culture_index", "agree", statement, answered(name), np.isin(col(name), (1, 2))
                )
            )
    statements = [f"kultur_{s}" for s in STATEMENTS]
    if all(_asked(data, name) for name in statements):
        answers = _num(data, statements)
        has_index = answers.notna().all(axis=1).to_numpy()
        index = answers.isin([1, 2]).sum(axis=1).to_numpy()
        for k in range(6):
            obs.append(
                Observation("culture_index", "index_distribution", str(k), has_index, index == k)
            )
        obs.append(Observation("culture_index", "mean_index", "", has_index, index, kind="mean"))
        for band, members in INDEX_BANDS.items():
            in_band = has_index & np.isin(index, members) & (innovator | non_innovator)
            obs.append(
                Observation("culture_index", "innovative_by_index", band, in_band, innovator)
            )
    # reform pressure
    if _asked(data, "reform_trykk"):
        merging = data["merging"].to_numpy(dtype=bool)
        obs.append(Observation("reform_pressure", "in_merging_unit", "", everyone, merging))
        for item, code in PRESSURE.items():
            obs.append(
                Observation(
                    "reform_pressure", "pressure", item,
                    merging & answered("reform_trykk"), col("reform_trykk") == code,
                )
            )  # fmt: skip
    return obs


def _published(obs: Observation, breakdown: str, has_merger: bool) -> bool:
    if obs.measure == "innovative_by_index":
        return breakdown == "total"
    if breakdown == "innovation_status" and obs.mart in ("innovation", "factors"):
        return False
    return breakdown != "merger" or has_merger


def _groups(
    data: pd.DataFrame, place: pd.DataFrame, county_level: pd.Series
) -> dict[str, pd.Series]:
    def code(name: str) -> pd.Series:
        values = data[name].astype(float)
        return values.map(lambda v: np.nan if np.isnan(v) else str(int(v)))

    size = pd.cut(
        place["population"],
        [0, 5_000, 20_000, 50_000, np.inf],
        right=False,
        labels=["<5k", "5k-20k", "20k-50k", "50k+"],
    ).astype(object)
    centrality = place["centrality"].map(
        {
            1: "central",
            2: "central",
            3: "intermediate",
            4: "intermediate",
            5: "peripheral",
            6: "peripheral",
        }
    )
    utvikling = _num(data, ["utvikling"])["utvikling"] if "utvikling" in data else np.nan
    status = np.where(
        data["innovator"],
        "innovator",
        np.where(data["non_innovator"], np.where(utvikling == 1, "developing", "neither"), None),
    )
    county = county_level.to_numpy()
    return {
        "total": pd.Series("all", index=data.index),
        "sector": code("sektor"),
        "municipality_size": pd.Series(np.where(county, "county", size), index=data.index),
        "centrality": pd.Series(np.where(county, "county", centrality), index=data.index),
        "region": place["landsdel"].set_axis(data.index),
        "employees": code("ansatte"),
        "economy": pd.Series(np.where(county, "county", place["economy"]), index=data.index),
        "innovation_status": pd.Series(status, index=data.index),
        "merger": pd.Series(np.where(data["merging"], "merging", "not_merging"), index=data.index),
        "government_level": code("forvaltningsniva"),
    }


def _estimate(
    observations: list[Observation],
    design: pd.DataFrame,
    groups: dict[str, pd.Series],
    has_merger: bool,
    min_cell_size: int,
    covariances: dict,
) -> pd.DataFrame:
    """Shares / means with their design-based variance, intervals and suppression per
    observation x breakdown group; `covariances` gets the covariance matrix of the groups of
    every table (see `_group_covariances`)."""
    long = pd.concat(
        [
            pd.DataFrame(
                {"obs": k, "row": np.flatnonzero(o.denominator), "y": o.value[o.denominator]}
            )
            for k, o in enumerate(observations)
        ],
        ignore_index=True,
    )
    for column in ("weight", "cell", "n_h", "N_h"):
        long[column] = design[column].to_numpy()[long["row"]]
    long = long.rename(columns={"weight": "w"})
    kind = pd.Series([o.kind for o in observations])
    parts = []
    for breakdown in BREAKDOWNS:
        published = [k for k, o in enumerate(observations) if _published(o, breakdown, has_merger)]
        part = long[long["obs"].isin(published)].copy()
        part["group_code"] = groups[breakdown].to_numpy(dtype=object)[part["row"]]
        part = part[part["group_code"].notna()]
        part["wy"] = part["w"] * part["y"]
        keys = ["obs", "group_code"]
        sums = part.groupby(keys).agg(
            n=("w", "size"), sw=("w", "sum"), swy=("wy", "sum"), spread=("y", np.ptp)
        )
        sums["estimate"] = sums["swy"] / sums["sw"]
        part = part.join(sums[["estimate", "sw"]], on=keys)
        # weighted variance of the answers around the group mean, two-pass (means' deff)
        part["wd2"] = part["w"] * (part["y"] - part["estimate"]) ** 2
        sums["wd2"] = part.groupby(keys)["wd2"].sum()
        sums["v"] = _taylor_variance(part, keys)
        covariances.update(_group_covariances(part, breakdown, observations))
        sums = sums.reset_index()
        sums["breakdown"] = breakdown
        parts.append(sums)
    table = pd.concat(parts, ignore_index=True)
    p = table["estimate"]
    n = table["n"].astype(float)
    is_mean = kind[table["obs"]].to_numpy() == "mean"
    s2_w = table["wd2"] / table["sw"]
    with np.errstate(divide="ignore", invalid="ignore"):
        deff_mean = np.where(table["spread"] > 0, table["v"] / (s2_w / n), 1.0)
        deff_share = np.where((p > 0) & (p < 1), table["v"] / (p * (1 - p) / n), 1.0)
        deff = np.where(is_mean, deff_mean, deff_share)
        n_eff = n / deff
        share = p.where(~is_mean, 0.0)  # Wilson applies to shares; means are not in [0, 1]
        scale = 1 + Z**2 / n_eff
        centre = (share + Z**2 / (2 * n_eff)) / scale
        half_share = Z * np.sqrt(share * (1 - share) / n_eff + Z**2 / (4 * n_eff**2)) / scale
    # deff = 0: no sampling variance, the interval is [p, p]
    centre = np.where(deff == 0, share, centre)
    half_share = np.where(deff == 0, 0.0, half_share)
    se = np.sqrt(table["v"])
    table["ci_lower"] = np.where(is_mean, p - Z * se, np.clip(centre - half_share, 0, 1))
    table["ci_upper"] = np.where(is_mean, p + Z * se, np.clip(centre + half_share, 0, 1))
    table["se"] = se
    table["deff"] = deff
    table["mart"] = [observations[k].mart for k in table["obs"]]
    table["measure"] = [observations[k].measure for k in table["obs"]]
    table["item"] = [observations[k].item for k in table["obs"]]
    table["group_code"] = table["group_code"].astype(str)
    table["suppression"] = _suppression(table, min_cell_size)
    table["suppressed"] = table["suppression"] != "none"
    for column in ("estimate", "ci_lower", "ci_upper", "se", "deff"):
        table[column] = table[column].mask(table["suppressed"])
    return table


def _taylor_variance(part: pd.DataFrame, keys: list[str]) -> pd.Series:
    """v = Σ_h (1 − n_h/N_h)·n_h/(n_h − 1)·Σ_{i in h} (u_i − ū_h)² with u_i = w_i(y_i − p)/W in
    the row's denominator and 0 for the cell's other respondents (who are not in `part`)."""
    part = part.assign(u=part["w"] * (part["y"] - part["estimate"]) / part["sw"])
    cell_keys = [*keys, "cell"]
    cells = part.groupby(cell_keys).agg(
        n_d=("u", "size"), sum_u=("u", "sum"), n_h=("n_h", "first"), N_h=("N_h", "first")
    )
    cells["u_bar"] = cells["sum_u"] / cells["n_h"]
    part = part.join(cells["u_bar"], on=cell_keys)
    part["d2"] = (part["u"] - part["u_bar"]) ** 2
    # the cell's respondents outside the denominator have u = 0: each adds ū_h²
    cells["ss"] = (
        part.groupby(cell_keys)["d2"].sum() + (cells["n_h"] - cells["n_d"]) * cells["u_bar"] ** 2
    )
    single = cells["n_h"] <= 1
    factor = (1 - cells["n_h"] / cells["N_h"]) * cells["n_h"] / (cells["n_h"] - 1).mask(single)
    cells["v"] = (factor * cells["ss"]).where(~single, 0.0)
    return cells.groupby(keys)["v"].sum()


def _group_covariances(part: pd.DataFrame, breakdown: str, observations: list[Observation]):
    """{(measure, item, breakdown): (group codes, k×k covariance)} for the tables of one
    breakdown, by the general linearisation formula cov(a, b) = Σ_h (1 − f_h)·n_h/(n_h − 1)·
    Σ_{i in h} (u_ai − ū_ah)(u_bi − ū_bh), with a score matrix per cell (respondents outside
    every group of the table have u = 0 and only move the cell means)."""
    part = part.assign(u=part["w"] * (part["y"] - part["estimate"]) / part["sw"])
    measure = np.array([observations[k].measure for k in part["obs"]])
    bands = measure == "innovative_by_index"
    if breakdown == "total":
        part, measure = part[bands], measure[bands]
        part = part.assign(
            table=[(m, "") for m in measure],
            member=[observations[k].item for k in part["obs"]],
        )
    else:
        part = part.assign(
            table=[(observations[k].measure, observations[k].item) for k in part["obs"]],
            member=part["group_code"],
        )
    if part.empty:
        return {}
    # the cells as sorted integers and each respondent as one sortable key (cell, row)
    cell_id, _ = pd.factorize(part["cell"], sort=True)
    key = cell_id.astype(np.int64) * (int(part["row"].max()) + 1) + part["row"].to_numpy()
    n_h = part["n_h"].to_numpy(dtype=float)
    big_n_h = part["N_h"].to_numpy(dtype=float)
    u_all, member_all = part["u"].to_numpy(), part["member"].to_numpy(dtype=object)
    out = {}
    for (measure_name, item), at in part.groupby("table", sort=False).indices.items():
        codes, member = np.unique(member_all[at], return_inverse=True)
        respondents, once, respondent = np.unique(key[at], return_index=True, return_inverse=True)
        scores = _scores(respondent, member, u_all[at], (len(respondents), len(codes)))
        # a row of each respondent, in the matrix's order; where each cell's rows start
        seen = at[once]
        cell_of = cell_id[seen]
        starts = np.flatnonzero(np.r_[True, cell_of[1:] != cell_of[:-1]])
        first = seen[starts]
        cov = np.zeros((len(codes), len(codes)))
        for a, b, i in zip(starts, [*starts[1:], len(cell_of)], first, strict=True):
            if n_h[i] <= 1:
                continue
            u = scores[a:b]
            mean = u.sum(axis=0) / n_h[i]
            cross = u.T @ u - n_h[i] * np.outer(mean, mean)
            cov += (1 - n_h[i] / big_n_h[i]) * n_h[i] / (n_h[i] - 1) * cross
        out[(measure_name, item, breakdown)] = (list(codes), cov)
    return out


def _scores(respondent: np.ndarray, member: np.ndarray, u: np.ndarray, shape) -> np.ndarray:
    """The scores u as a matrix, a row per respondent and a column per member, 0 where the
    respondent is no member (outside the group, u = 0). A respondent is in a member once;
    should one be there twice, the mean of its scores is taken."""
    sums, counts = np.zeros(shape), np.zeros(shape)
    np.add.at(sums, (respondent, member), u)
    np.add.at(counts, (respondent, member), 1)
    return np.divide(sums, counts, out=np.zeros(shape), where=counts > 0)


DIFFERENCE_COLUMNS = [
    "wave", "mart", "measure", "item", "breakdown", "groups", "groups_left_out",
    "statistic", "df", "p_value", "q_value", "trend_z", "trend_p",
]  # fmt: skip
ORDERED = {
    "municipality_size": ["<5k", "5k-20k", "20k-50k", "50k+"],
    "centrality": ["central", "intermediate", "peripheral"],
    "employees": ["1", "2", "3", "4", "5"],
    "economy": ["low", "medium", "high"],
}


def _differences(rows: pd.DataFrame, covariances: dict, wave: int) -> pd.DataFrame:
    """marts.md §7 from the published groups of every table, with Benjamini–Hochberg q."""
    mart_of = dict(zip(rows["measure"], rows["mart"], strict=False))
    out = []
    for (measure, item, breakdown), (codes, cov) in covariances.items():
        bands = measure == "innovative_by_index"
        table = rows[
            (rows["measure"] == measure)
            & (rows["breakdown"] == breakdown)
            & ((rows["item"] == item) | bands)
        ]
        member = table["item"] if bands else table["group_code"]
        order = list(INDEX_BANDS) if bands else GROUP_ORDER[breakdown]
        shown = [c for c in order if c in set(member[~table["suppressed"]])]
        hidden = [c for c in order if c in set(member[table["suppressed"]])]
        if len(shown) < 2:
            continue
        estimate = dict(zip(member, table["estimate"], strict=True))
        p = np.array([estimate[c] for c in shown])
        index = [codes.index(c) for c in shown]
        v = cov[np.ix_(index, index)]
        k = len(shown)
        c = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
        middle = c @ v @ c.T
        statistic = p_value = np.nan
        if np.linalg.matrix_rank(middle, tol=1e-12 * np.abs(middle).max()) == k - 1:
            d = c @ p
            statistic = float(d @ np.linalg.inv(middle) @ d)
            p_value = float(chi2.sf(statistic, k - 1))
        trend_z = trend_p = np.nan
        ordered = list(INDEX_BANDS) if bands else ORDERED.get(breakdown)
        if ordered is not None:
            along = [shown.index(g) for g in ordered if g in shown]
            if len(along) >= 2:
                scores = np.arange(1, len(along) + 1) - (len(along) + 1) / 2
                trend_v = scores @ v[np.ix_(along, along)] @ scores
                if trend_v > 0:
                    trend_z = float(scores @ p[along] / np.sqrt(trend_v))
                    trend_p = float(math.erfc(abs(trend_z) / math.sqrt(2)))
        out.append(
            {
                "wave": wave,
                "mart": mart_of[measure],
                "measure": measure,
                "item": item,
                "breakdown": breakdown,
                "groups": k,
                "groups_left_out": ",".join(hidden),
                "statistic": statistic,
                "df": k - 1,
                "p_value": p_value,
                "trend_z": trend_z,
                "trend_p": trend_p,
            }  # fmt: skip
        )
    table = pd.DataFrame(out, columns=[c for c in DIFFERENCE_COLUMNS if c != "q_value"])
    table["q_value"] = _benjamini_hochberg(table["p_value"].to_numpy())
    return table[DIFFERENCE_COLUMNS].sort_values(
        ["mart", "measure", "item", "breakdown"], ignore_index=True
    )


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    q = np.full(len(p), np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid], kind="stable")]
    m = len(order)
    adjusted = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(adjusted[::-1])[::-1])
    return q


def changes(earlier: dict[str, pd.DataFrame], later: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """marts.md §6 between two waves' estimate marts (as `estimate_marts` returns them)."""
    parts = []
    for mart in MARTS:
        both = earlier[mart].merge(
            later[mart], on=["measure", "item", "breakdown", "group_code"], suffixes=("_f", "_t")
        )
        hidden = both["suppressed_f"] | both["suppressed_t"]
        se = np.sqrt(both["se_f"] ** 2 + both["se_t"] ** 2)
        difference = both["estimate_t"] - both["estimate_f"]
        p_value = [
            math.erfc(abs(d) / (s * math.sqrt(2))) if s > 0 else np.nan
            for d, s in zip(difference, se, strict=True)
        ]
        part = pd.DataFrame(
            {
                "wave_from": both["wave_f"],
                "wave_to": both["wave_t"],
                "mart": mart,
                "measure": both["measure"],
                "item": both["item"],
                "breakdown": both["breakdown"],
                "group_code": both["group_code"],
                "estimate_from": both["estimate_f"],
                "estimate_to": both["estimate_t"],
                "difference": difference,
                "se": se,
                "ci_lower": difference - Z * se,
                "ci_upper": difference + Z * se,
                "p_value": p_value,
                "suppressed": hidden,
            }  # fmt: skip
        )
        numbers = ["estimate_from", "estimate_to", "difference", "se", "ci_lower", "ci_upper",
                   "p_value"]  # fmt: skip
        part[numbers] = part[numbers].mask(hidden)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _suppression(table: pd.DataFrame, min_cell_size: int) -> pd.Series:
    """marts.md §5: 'primary' below the minimum cell size; where a table (the groups of one
    breakdown but total; the bands of innovative_by_index) has exactly one primary, the
    published group with the smallest n (first listed on ties) is 'secondary'."""
    kind = pd.Series(np.where(table["n"] < min_cell_size, "primary", "none"), index=table.index)
    bands = table["measure"] == "innovative_by_index"
    band_order = list(INDEX_BANDS)
    tables = table[(table["breakdown"] != "total") | bands].assign(
        table_item=lambda t: t["item"].where(~bands[t.index], ""),
        position=lambda t: [
            band_order.index(item) if measure == "innovative_by_index"
            else GROUP_ORDER[breakdown].index(code)
            for measure, item, breakdown, code
            in zip(t["measure"], t["item"], t["breakdown"], t["group_code"], strict=True)
        ],
    )  # fmt: skip
    for _, members in tables.groupby(["measure", "table_item", "breakdown"], sort=False):
        primary = members["n"] < min_cell_size
        if primary.sum() == 1 and (~primary).any():
            chosen = members[~primary].sort_values(["n", "position"]).index[0]
            kind[chosen] = "secondary"
    return kind


def _asked(data: pd.DataFrame, name: str) -> bool:
    """A wave asked a question when its column is there with at least one answer."""
    return name in data.columns and data[name].notna().any()


def _num(data: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    return data[names].apply(pd.to_numeric, errors="raise").astype(float)
