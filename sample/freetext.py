"""Free-text descriptions of the newest innovation (`fritekst_nyeste`).

Norwegian, with æøå, some naming a made-up person, and each ending in a case number of
its own, so every string is distinctive: tests scan published files for them to prove
that free text never leaves the private warehouse. Only characters windows-1252 can
encode are used, since the 2018 delivery is written in it.
"""

from __future__ import annotations

import numpy as np

OPENINGS = (
    "Vi har tatt i bruk",
    "Vi har innført",
    "Vi har utviklet",
    "Vi har prøvd ut og videreført",
    "Arbeidsplassen har etablert",
    "Etter en prøveperiode har vi gjort fast",
)
WHAT = (
    "digitalt tilsyn med sensorer på beboerrommene",
    "en felles døgnrytmeplan for beboere med demens",
    "ukentlige tverrfaglige møter med NAV og barnevernet",
    "en app for timebestilling på helsestasjonen",
    "lesegrupper på tvers av trinnene",
    "elektronisk meldingsbok til foresatte",
    "ny turnusordning med lengre vakter i helgene",
    "digital søknad om kulturmidler",
    "fjernavlesing av vannmålere",
    "et tidlig innsats-team i barnehagen",
    "videokonsultasjon med fastlegen for hjemmeboende",
    "en sansehage ved sykehjemmet",
    "meråpent bibliotek med selvbetjening på kveldstid",
    "læringsbrett i matematikk på småtrinnet",
    "felles vaktordning for vei og park",
    "medisindispensere med påminnelse i hjemmetjenesten",
    "en egen mottaksgruppe for ungdom som står utenfor skole og arbeid",
    "kurs i mestring av angst for foreldre",
    "strøsandkasser med fyllingsmåler langs fylkesveiene",
    "kulturskoletilbud i skoletiden for elever på mellomtrinnet",
)
HOW = (
    "sammen med brukerrådet",
    "etter innspill fra de ansatte",
    "i samarbeid med nabokommunen",
    "med støtte fra Helsedirektoratet",
    "etter forslag fra tillitsvalgte",
    "sammen med frivillige i nærmiljøet",
    "etter en workshop med innbyggerne",
    "i et nettverk med tre andre kommuner",
)
FIRST_NAMES = (
    "Åse", "Bjørn", "Kjersti", "Håkon", "Solveig", "Ørjan", "Gunnhild", "Pål", "Ingrid",
    "Torbjørn", "Siri", "Ståle", "Marit", "Jørgen", "Tone", "Øystein", "Ragnhild", "Åsmund",
)  # fmt: skip
LAST_NAMES = (
    "Bråthen", "Sæther", "Ødegård", "Kvåle", "Fjærli", "Løvås", "Mørkved", "Nærbø", "Årdal",
    "Hægeland", "Tjøstheim", "Grønli", "Skjærvø", "Lærum", "Øverås", "Bjørnstad",
)  # fmt: skip
NAME_SENTENCES = (
    "{name} ledet arbeidet.",
    "Kontaktperson er {name}.",
    "Ideen kom fra {name} på vår avdeling.",
    "{name} har fått skryt for gjennomføringen.",
)
NAMED_SHARE = 0.3


def descriptions(rng: np.random.Generator, year: int, serials: np.ndarray) -> list[str]:
    """One description per serial number; the serial goes into the case number."""
    n = len(serials)
    parts = [rng.integers(len(options), size=n) for options in (OPENINGS, WHAT, HOW)]
    named = rng.random(n) < NAMED_SHARE
    first = rng.integers(len(FIRST_NAMES), size=n)
    last = rng.integers(len(LAST_NAMES), size=n)
    sentence = rng.integers(len(NAME_SENTENCES), size=n)
    texts = []
    for i in range(n):
        text = f"{OPENINGS[parts[0][i]]} {WHAT[parts[1][i]]} {HOW[parts[2][i]]}."
        if named[i]:
            name = f"{FIRST_NAMES[first[i]]} {LAST_NAMES[last[i]]}"
            text += " " + NAME_SENTENCES[sentence[i]].format(name=name)
        texts.append(f"{text} Internt saksnr. {year}/{serials[i]:05d}.")
    return texts
