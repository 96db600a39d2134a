"""The data dictionary (docs/data-dictionary.md), written from the questionnaire, the
codebooks and the marts' vocabulary.

``python -m pipelines.marts.data_dictionary`` rewrites the file; a test keeps it in step.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.marts import breakdowns, disclosure_rules, measures, shapes
from pipelines.survey import codebook, questionnaire

DICTIONARY = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


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
        "Written by `python -m pipelines.marts.data_dictionary` from",
        "`pipelines/survey/questionnaire.py` and the codebooks in `pipelines/survey/codebooks/`;",
        "do not edit by hand. A wave column shows the raw column name in that wave's delivery",
        "(empty: not asked). Routing uses two derived flags: `innovator` (any `innov_*` = 1) and",
        "`in_merging_unit` (the workplace's municipality, or county for fylkeskommune workplaces,",
        "merged on 1 Jan 2020).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for v in questionnaire.VARIABLES:
        in_waves = [_raw_name(books[w], v.name) for w in waves]
        cells = [f"`{v.name}`", v.question, _codes(v), _routing(v), *in_waves]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join([*lines, *_marts()]) + "\n"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _marts() -> list[str]:
    """The published marts: their columns, the measures of each and the breakdowns."""
    lines = [
        "",
        "## Marts",
        "",
        "Written from `pipelines/marts/`. The catalog's views and columns carry the same",
        "descriptions (`SELECT column_name, comment FROM duckdb_columns()`).",
    ]
    mart_shapes = {
        "the estimate marts (" + ", ".join(f"`{m}`" for m in measures.MARTS) + ")": (
            shapes.ESTIMATES
        ),
        "`changes`": shapes.CHANGES,
        "`differences`": shapes.DIFFERENCES,
    }
    for name, shape in mart_shapes.items():
        key = ", ".join(f"`{c}`" for c in shape.key)
        lines += ["", f"### Columns of {name}", "", f"Key: {key}.", ""]
        lines += [_row("column", "type", "meaning"), "|" + "---|" * 3]
        lines += [_row(f"`{c.name}`", c.type, c.description) for c in shape.columns]
    lines += [
        "",
        "### Published precision",
        "",
        "The decimals every published number is rounded to, half away from zero (marts.md §8);",
        "the warehouse keeps full precision. A group the reconstruction audit flags is",
        "published coarser, with `se` and `deff` withheld (`docs/publishing.md`).",
        "",
        _row("column", "shares", "means (`mean_*`)"),
        "|" + "---|" * 3,
    ]
    lines += [
        _row(f"`{column}`", str(d.share), str(d.mean))
        for column, d in disclosure_rules.PUBLISHED_DECIMALS.items()
    ]
    lines += ["", "### Measures", ""]
    lines += [
        _row("mart", "measure", "estimate", "label", "who, and what counts"),
        "|" + "---|" * 5,
    ]
    for mart in measures.ESTIMATE_MARTS:
        for m in mart.measures:
            kind = f"mean on {m.scale[0]}–{m.scale[1]}" if m.scale else m.kind
            lines.append(_row(f"`{mart.name}`", f"`{m.name}`", kind, m.label, m.description))
    lines += ["", "### Breakdowns", "", "Groups in the order tables list them.", ""]
    lines += [_row("breakdown", "what", "groups", "trend tested"), "|" + "---|" * 4]
    for b in breakdowns.BREAKDOWN_LIST:
        groups = "<br>".join(f"`{code}` {label}" for code, label in b.groups.items())
        trend = " < ".join(f"`{code}`" for code in b.trend_order) if b.trend_order else ""
        lines.append(_row(f"`{b.name}`", b.description, groups, trend))
    return lines


if __name__ == "__main__":
    DICTIONARY.write_text(render(), encoding="utf-8")
    print(f"wrote {DICTIONARY}")
