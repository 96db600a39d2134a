"""The data dictionary (docs/data-dictionary.md), written from the questionnaire and codebooks.

``python -m pipelines.dictionary`` rewrites the file; a test keeps it in step.
"""

from __future__ import annotations

from pathlib import Path

from pipelines import codebook, questionnaire

DICTIONARY = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def _codes(variable: questionnaire.Variable) -> str:
    return "<br>".join(f"{code} {label}" for code, label in variable.codes.items())


def _routing(variable: questionnaire.Variable) -> str:
    return f"`{variable.routing_sql()}`" if variable.routed else "all"


def _raw_name(book: codebook.Codebook, name: str) -> str:
    raw = book.raw_for.get(name)
    if raw is None:
        return ""
    if name in book.codes:
        return f"`{raw}` (codes {', '.join(map(str, book.codes[name]))})"
    return f"`{raw}`"


def render() -> str:
    waves = codebook.available_waves()
    books = {w: codebook.load(w) for w in waves}
    header = ["variable", "question", "codes", "asked to", *(str(w) for w in waves)]
    lines = [
        "# Data dictionary",
        "",
        "Written by `python -m pipelines.dictionary` from `pipelines/questionnaire.py` and the",
        "codebooks in `pipelines/codebooks/`; do not edit by hand. A wave column shows the raw",
        "column name in that wave's delivery (empty: not asked). Routing uses two derived flags:",
        "`innovator` (any `innov_*` = 1) and `in_merging_unit` (the workplace's municipality, or",
        "county for fylkeskommune workplaces, merged on 1 Jan 2020).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for v in questionnaire.VARIABLES:
        in_waves = [_raw_name(books[w], v.name) for w in waves]
        cells = [f"`{v.name}`", v.question, _codes(v), _routing(v), *in_waves]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DICTIONARY.write_text(render(), encoding="utf-8")
    print(f"wrote {DICTIONARY}")
