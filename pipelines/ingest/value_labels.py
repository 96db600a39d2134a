"""An SPSS delivery's own value labels, held against the questionnaire's.

A ``.sav`` file carries a label for each code. Ingest reads the codes, so a file whose
labels say that code 1 of ``innov_tjeneste`` is "Nei" has either swapped codes or wrong
labels, and either way its figures cannot be trusted: the delivery is refused. A variable
without labels, or a code without one, is fine (the contract fixes the codes). Labels are
compared after normalising case, Unicode form, whitespace and punctuation, so that
``"Helse og  omsorg."`` is ``"helse og omsorg"``; anything else is a contradiction — the
label of a different code (swapped codes), or a label of no code of the variable (docs/ingest.md).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from pipelines.ingest.errors import DeliveryError
from pipelines.survey import questionnaire
from pipelines.survey.codebook import Codebook

_NOT_WORD = re.compile(r"[\W_]+")


def normalised(label: str) -> str:
    """A label as compared: NFKC, case-folded, punctuation and runs of spaces as one space."""
    text = unicodedata.normalize("NFKC", label).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def check_sav_labels(path: Path, book: Codebook) -> None:
    """A DeliveryError naming the first value label of ``path`` that contradicts the
    questionnaire (column, code, label found, label expected) and how many more do."""
    import pyreadstat  # here: only an SPSS delivery has labels, and needs its import

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception:  # an unreadable file is reported by the reader, with its reason
        return
    found = meta.variable_value_labels or {}
    contradictions = [
        problem
        for raw, canonical in book.columns.items()
        if raw in found
        for problem in _contradictions(raw, canonical, found[raw])
    ]
    if contradictions:
        raw, code, problem = contradictions[0]
        more = len(contradictions) - 1
        also = f"; {more} more label(s) contradict the questionnaire" if more else ""
        raise DeliveryError(
            path,
            f"{problem}{also}; the codes cannot be read with their meaning: deliver codes "
            "and labels as the contract's code list has them (or no labels)",
            column=raw,
            value=code,
        )


def _contradictions(raw: str, canonical: str, labels: dict) -> list[tuple[str, int, str]]:
    variable = questionnaire.variable(canonical)
    if variable.kind not in ("code", "flag"):
        return []
    expected = {code: normalised(label) for code, label in variable.codes.items()}
    out = []
    for value, label in sorted(labels.items(), key=lambda item: str(item[0])):
        code = _code(value)
        if code not in expected or normalised(str(label)) == expected[code]:
            # a code outside the list is quarantined row by row (code_not_in_list)
            continue
        meant = [c for c, text in expected.items() if text == normalised(str(label))]
        where = f"{canonical}: code {code} is labelled {str(label)!r}"
        should = f"the questionnaire labels it {variable.codes[code]!r}"
        if meant:
            out.append((raw, code, f"{where}, the label of code {meant[0]}; {should}"))
        else:
            out.append((raw, code, f"{where}, which is no label of {canonical}; {should}"))
    return out


def _code(value: object) -> int | None:
    """A labelled value as a code: SPSS keeps codes as floats (1.0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else None
