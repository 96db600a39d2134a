"""The numbers behind each sample wave: frame, respondent mix and answer targets.

Targets are weighted shares as the marts estimate them (marts.md §2–3). Where KS
published a figure (published-figures.csv) the target is that figure; the rest are
plausible values that keep the published comparisons (top, bottom, max_group, ...)
clear of each other. 2024 has no published figures and is set close to 2020.
Shares of categorical answers are listed per code and add up to 1; the generator
draws codes in the listed order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

# How many employees workplaces of each type have (ansatte codes 1-5).
EMPLOYEES_BY_TYPE: dict[int, tuple[float, ...]] = {
    11: (0.02, 0.08, 0.35, 0.35, 0.20),
    12: (0.03, 0.12, 0.40, 0.30, 0.15),
    13: (0.35, 0.35, 0.22, 0.06, 0.02),
    14: (0.40, 0.30, 0.20, 0.07, 0.03),
    21: (0.20, 0.45, 0.30, 0.04, 0.01),
    22: (0.04, 0.14, 0.42, 0.30, 0.10),
    23: (0.40, 0.35, 0.20, 0.04, 0.01),
    24: (0.00, 0.03, 0.17, 0.40, 0.40),
    25: (0.35, 0.40, 0.20, 0.05, 0.00),
    31: (0.10, 0.30, 0.35, 0.15, 0.10),
    32: (0.25, 0.35, 0.28, 0.09, 0.03),
    33: (0.20, 0.35, 0.30, 0.10, 0.05),
    41: (0.65, 0.20, 0.10, 0.04, 0.01),
    42: (0.35, 0.35, 0.22, 0.06, 0.02),
    43: (0.40, 0.30, 0.20, 0.07, 0.03),
    44: (0.30, 0.35, 0.25, 0.08, 0.02),
    51: (0.35, 0.30, 0.25, 0.08, 0.02),
    52: (0.30, 0.35, 0.25, 0.08, 0.02),
    53: (0.20, 0.30, 0.30, 0.15, 0.05),
    54: (0.25, 0.25, 0.30, 0.15, 0.05),
}

# Logit effects on being an innovator: larger workplaces and municipalities innovate more.
INNOVATIVE_BY_EMPLOYEES = (-0.4, -0.2, 0.0, 0.2, 0.4)
INNOVATIVE_BY_SIZE = (-0.15, 0.0, 0.05, 0.15, 0.1)
# Logit effects on "limited economy inhibited the newest innovation" (KS 2020: small
# municipalities and small workplaces feel it most).
OKONOMI_BY_SIZE = (0.35, 0.12, -0.1, -0.35, -0.1)
OKONOMI_BY_EMPLOYEES = (0.35, 0.15, 0.0, -0.15, -0.35)
NO_EFFECT = (0.0, 0.0, 0.0, 0.0, 0.0)

# Splits inside the factor scale: within "promoted" the share of 6 (stor grad), within
# "inhibited" the share of 1 (stor grad), and how the other answers divide.
FACTOR_STRONG_PROMOTED = 0.40
FACTOR_STRONG_INHIBITED = 0.35
FACTOR_OTHER = {4: 0.45, 3: 0.30, 7: 0.15, 9: 0.10}

# Within "agree" the share of 1 (helt enig), and how disagreement divides.
CULTURE_FULLY_AGREE = {
    "ideer": 0.60,
    "laere_av_feil": 0.40,
    "gjenbruk": 0.35,
    "nye_veier": 0.35,
    "pilot_til_drift": 0.25,
}
CULTURE_DISAGREE = {3: 0.62, 4: 0.18, 9: 0.20}
# Culture answers share a latent workplace climate, higher where the workplace innovates.
CULTURE_LOADING = 1.3
CULTURE_INNOVATOR_SHIFT = 0.9

# Item non-response where routed (share left empty).
BLANK = {
    "utvikling": 0.01,
    "storste_hemmer": 0.02,
    "nyeste": 0.01,
    "kjerne": 0.01,
    "nyhet": 0.01,
    "factor": 0.02,
    "mislykket": 0.01,
    "mislykket_type": 0.02,
    "arsak": 0.02,
    "kultur": 0.01,
    "reform_trykk": 0.02,
    "fritekst_nyeste": 0.15,
}
# Share of "Vet ikke" (9) among the answers that are not "Ja" to innov_* and mislykket.
DONT_KNOW_YES_NO = 0.02
DONT_KNOW_MISLYKKET = 0.05
INNOVATOR_FAILS_MORE = 0.6  # logit effect of being an innovator on mislykket = 1
MULTI_TYPE_THREE = 0.2  # of the newest innovations with several types, those with three


@dataclass(frozen=True)
class CsvDialect:
    encoding: str = "utf-8"
    delimiter: str = ","
    line_end: str = "\n"
    kommunenr_as_integer: bool = False  # leading zero lost, Oslo written 301


# The 2018 vendor's export (contract §1).
CSV_2018 = CsvDialect("cp1252", ";", "\r\n", kommunenr_as_integer=True)


@dataclass(frozen=True)
class Profile:
    wave: int
    contract_format: str  # the format the vendor delivers: csv, sav or xlsx
    csv: CsvDialect  # how a CSV of this wave is written
    fieldwork: tuple[datetime, datetime]
    id_prefix: str  # resp_id = prefix + running number ("" = a plain integer id)
    id_start: int
    frame: dict[int, int]  # workplaces in the list frame per virksomhetstype
    sector_mix: dict[int, float]  # respondents per sector (not the frame's mix: non-response)
    type_mix: dict[int, float]  # respondents per type within their sector
    merging_share: float | None  # weighted share of workplaces in merging units (2020)
    innovative: dict[int, float]  # per sector
    innovative_by_type: dict[int, float]  # logit effect of the type within its sector
    innovation_types: dict[str, float]  # share of all respondents with innov_<type> = 1
    utvikling: dict[int, float]
    storste_hemmer: dict[int, float] | None
    multi_type: float
    kjerne: dict[int, float]
    nyhet: dict[int, float]
    # factor item -> (promoted, inhibited) share among innovators; okonomi's inhibited
    # share is set per sector in `okonomi_inhibited` instead (None here).
    factors: dict[str, tuple[float, float | None]]
    okonomi_inhibited: dict[int, float]
    okonomi_by_size: tuple[float, ...]
    okonomi_by_employees: tuple[float, ...]
    mislykket: dict[int, float] | None  # per sector
    mislykket_type: dict[int, dict[int, float]] | None  # sector -> code -> share
    arsak: dict[str, float] | None
    kultur: dict[str, float] | None  # agree share per statement
    reform_trykk: dict[int, float] | None


FACTORS_2020 = {
    "forsvarlig_drift": (0.58, 0.10),
    "feilhandtering": (0.50, 0.06),
    "internt_samarbeid": (0.80, 0.04),
    "ny_teknologi": (0.65, 0.09),
    "okonomi": (0.22, None),
    "medarbeidere": (0.82, 0.03),
    "brukere": (0.55, 0.05),
    "politikk": (0.48, 0.12),
    "offentlig_samarbeid": (0.55, 0.07),
    "lover_krav": (0.52, 0.13),
    "organisasjon": (0.43, 0.16),
}

HEMMER_2020 = {
    5: 0.67,
    1: 0.04,
    10: 0.05,
    8: 0.05,
    11: 0.04,
    4: 0.03,
    9: 0.02,
    3: 0.02,
    6: 0.02,
    7: 0.01,
    2: 0.01,
    99: 0.04,
}

# Per sector, the type of the latest unsuccessful attempt (3 = prosess, 1 = tjeneste,
# 2 = produkt, 4 = kommunikasjon), set so that the weighted totals come out at
# KS 2020's 55/19/16/10 with the sectors' published shares.
FAILURE_TYPES_2020 = {
    1: {3: 0.64, 1: 0.20, 2: 0.10, 4: 0.06},
    2: {3: 0.75, 1: 0.10, 2: 0.08, 4: 0.07},
    3: {3: 0.45, 1: 0.20, 2: 0.19, 4: 0.16},
    4: {3: 0.30, 1: 0.42, 2: 0.18, 4: 0.10},
    5: {3: 0.35, 1: 0.10, 2: 0.36, 4: 0.19},
}

ARSAK = {
    "samarbeid": 0.42,
    "planlegging": 0.38,
    "okonomi": 0.30,
    "forankring": 0.27,
    "kompetanse": 0.18,
    "teknologi": 0.14,
    "annet": 0.10,
}

TYPE_MIX = {
    11: 0.36, 12: 0.34, 13: 0.18, 14: 0.12,
    21: 0.36, 22: 0.36, 23: 0.08, 24: 0.12, 25: 0.08,
    31: 0.36, 32: 0.34, 33: 0.30,
    41: 0.34, 42: 0.30, 43: 0.30, 44: 0.06,
    51: 0.32, 52: 0.30, 53: 0.32, 54: 0.06,
}  # fmt: skip

# Workplaces in the list frame per virksomhetstype.
FRAME_2018 = {11: 1050, 12: 1500, 13: 700, 14: 380, 21: 1150, 22: 1050, 24: 260, 25: 170}
FRAME_2020 = {
    11: 980, 12: 1150, 13: 600, 14: 370,
    21: 1700, 22: 1750, 23: 420, 24: 280, 25: 150,
    31: 420, 32: 430, 33: 500,
    41: 450, 42: 390, 43: 420, 44: 40,
    51: 400, 52: 420, 53: 400, 54: 30,
}  # fmt: skip
FRAME_2024 = {
    11: 1000, 12: 1180, 13: 610, 14: 380,
    21: 1650, 22: 1730, 23: 430, 24: 270, 25: 150,
    31: 410, 32: 440, 33: 520,
    41: 440, 42: 390, 43: 430, 44: 40,
    51: 410, 52: 430, 53: 420, 54: 30,
}  # fmt: skip

PROFILES: dict[int, Profile] = {
    2018: Profile(
        wave=2018,
        contract_format="csv",
        csv=CSV_2018,
        fieldwork=(datetime(2017, 9, 18), datetime(2017, 11, 10)),
        id_prefix="",
        id_start=100_001,
        frame=FRAME_2018,
        sector_mix={1: 0.40, 2: 0.60},
        type_mix={11: 0.36, 12: 0.30, 13: 0.22, 14: 0.12, 21: 0.33, 22: 0.45, 24: 0.14, 25: 0.08},
        merging_share=None,
        innovative={1: 0.70, 2: 0.795},
        innovative_by_type={11: 0.1, 12: -0.2, 13: 0.15, 21: -0.35, 22: 0.35, 24: 0.25},
        innovation_types={
            "prosess": 0.63,
            "tjeneste": 0.50,
            "produkt": 0.25,
            "kommunikasjon": 0.22,
        },
        utvikling={1: 0.42, 2: 0.50, 9: 0.08},
        storste_hemmer=None,
        multi_type=0.30,
        kjerne={1: 0.66, 2: 0.18, 3: 0.12, 9: 0.04},
        nyhet={1: 0.75, 2: 0.21, 9: 0.04},
        factors={
            "forsvarlig_drift": (0.62, 0.09),
            "feilhandtering": (0.55, 0.06),
            "internt_samarbeid": (0.85, 0.04),
            "ny_teknologi": (0.66, 0.10),
            "okonomi": (0.20, None),
            "medarbeidere": (0.85, 0.03),
            "brukere": (0.58, 0.05),
            "politikk": (0.50, 0.13),
        },
        okonomi_inhibited={1: 0.33, 2: 0.33},
        # KS 2018: no systematic differences by municipality size.
        okonomi_by_size=NO_EFFECT,
        okonomi_by_employees=(0.15, 0.08, 0.0, -0.08, -0.15),
        mislykket=None,
        mislykket_type=None,
        arsak=None,
        kultur=None,
        reform_trykk=None,
    ),
    2020: Profile(
        wave=2020,
        contract_format="sav",
        csv=CsvDialect(),
        fieldwork=(datetime(2019, 10, 15), datetime(2019, 12, 6)),
        id_prefix="IB20-",
        id_start=1,
        frame=FRAME_2020,
        sector_mix={1: 0.15, 2: 0.40, 3: 0.25, 4: 0.10, 5: 0.10},
        type_mix=TYPE_MIX,
        merging_share=0.32,
        innovative={1: 0.70, 2: 0.775, 3: 0.88, 4: 0.74, 5: 0.66},
        innovative_by_type={21: -0.2, 22: 0.2, 24: 0.2, 41: -0.2, 53: 0.1},
        innovation_types={
            "prosess": 0.58,
            "tjeneste": 0.47,
            "produkt": 0.23,
            "kommunikasjon": 0.25,
        },
        utvikling={1: 0.46, 2: 0.47, 9: 0.07},
        storste_hemmer=HEMMER_2020,
        multi_type=0.27,
        kjerne={1: 0.68, 2: 0.18, 3: 0.11, 9: 0.03},
        nyhet={1: 0.77, 2: 0.20, 9: 0.03},
        factors=FACTORS_2020,
        okonomi_inhibited={1: 0.40, 2: 0.38, 3: 0.40, 4: 0.46, 5: 0.28},
        okonomi_by_size=OKONOMI_BY_SIZE,
        okonomi_by_employees=OKONOMI_BY_EMPLOYEES,
        mislykket={1: 0.21, 2: 0.18, 3: 0.29, 4: 0.30, 5: 0.31},
        mislykket_type=FAILURE_TYPES_2020,
        arsak=ARSAK,
        kultur={
            "ideer": 0.96,
            "laere_av_feil": 0.88,
            "gjenbruk": 0.83,
            "nye_veier": 0.70,
            "pilot_til_drift": 0.60,
        },
        reform_trykk={1: 0.39, 2: 0.38, 3: 0.10, 9: 0.13},
    ),
    2024: Profile(
        wave=2024,
        contract_format="xlsx",
        csv=CsvDialect(),
        fieldwork=(datetime(2023, 9, 25), datetime(2023, 11, 17)),
        id_prefix="IB24-",
        id_start=1,
        frame=FRAME_2024,
        sector_mix={1: 0.15, 2: 0.38, 3: 0.26, 4: 0.11, 5: 0.10},
        type_mix=TYPE_MIX,
        merging_share=None,
        innovative={1: 0.72, 2: 0.78, 3: 0.86, 4: 0.75, 5: 0.70},
        innovative_by_type={21: -0.2, 22: 0.2, 24: 0.2, 41: -0.2, 53: 0.1},
        innovation_types={
            "prosess": 0.60,
            "tjeneste": 0.48,
            "produkt": 0.25,
            "kommunikasjon": 0.28,
        },
        utvikling={1: 0.48, 2: 0.45, 9: 0.07},
        storste_hemmer={**HEMMER_2020, 5: 0.63, 11: 0.06, 99: 0.06},
        multi_type=0.28,
        kjerne={1: 0.67, 2: 0.19, 3: 0.11, 9: 0.03},
        nyhet={1: 0.74, 2: 0.23, 9: 0.03},
        factors={
            **FACTORS_2020,
            "ny_teknologi": (0.69, 0.08),
            "okonomi": (0.20, None),
            "organisasjon": (0.41, 0.17),
        },
        okonomi_inhibited={1: 0.42, 2: 0.40, 3: 0.41, 4: 0.47, 5: 0.30},
        okonomi_by_size=OKONOMI_BY_SIZE,
        okonomi_by_employees=OKONOMI_BY_EMPLOYEES,
        mislykket={1: 0.22, 2: 0.19, 3: 0.28, 4: 0.29, 5: 0.30},
        mislykket_type=FAILURE_TYPES_2020,
        arsak={**ARSAK, "teknologi": 0.17},
        kultur={
            "ideer": 0.95,
            "laere_av_feil": 0.87,
            "gjenbruk": 0.82,
            "nye_veier": 0.72,
            "pilot_til_drift": 0.62,
        },
        reform_trykk=None,
    ),
}


def profile(wave: int) -> Profile:
    """The wave's profile; a later wave without one of its own is modelled on the latest
    profiled wave before it, delivered as UTF-8 CSV, with fieldwork in the autumn before."""
    if wave in PROFILES:
        return PROFILES[wave]
    earlier = [w for w in PROFILES if w < wave]
    if not earlier:
        raise KeyError(f"no sample profile for wave {wave} or any wave before it")
    base = PROFILES[max(earlier)]
    years = wave - base.wave
    return replace(
        base,
        wave=wave,
        contract_format="csv",
        csv=CsvDialect(),
        fieldwork=tuple(d.replace(year=d.year + years) for d in base.fieldwork),
        id_prefix=f"IB{wave % 100:02d}-",
    )
