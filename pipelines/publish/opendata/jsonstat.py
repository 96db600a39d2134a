"""The marts of a release version as JSON-stat 2.0 datasets, as SSB's statbank serves them.

One dataset per mart, `<mart>.jsonstat.json`, made from the version's Parquet rows alone.
Its dimensions are the mart's key columns in the key's order (vocabulary.SHAPES) and last
the metric dimension `ContentsCode` (SSB's name) whose categories are the mart's numbers;
labels are Norwegian, English is in each dimension's `extension.en`.

Decisions:

- Category ids are the Parquet values, except `item` and `group_code`, which are qualified
  by the column they belong to: `<measure>:<item>` and `<breakdown>:<group_code>`. Group
  `1` is a sector, a size of staff and a government level; item `tjeneste` is labelled
  differently under `innovation_type` and `failure_type`; a category has one label. The
  dimension's `note` says so. Every group of a breakdown present in the mart is a category,
  so a group without respondents has cells (with `..`).
- `value` and `status` take JSON-stat's object form (cell index as a string) everywhere:
  the cube crosses measures with items and breakdowns with groups, most of whose
  combinations do not exist, so it is sparse (the changes mart has millions of cells if
  dense). One form for every mart is simpler to read than a size-dependent choice. A cell
  absent from both objects is a combination that does not exist (an item of another
  measure, a group of another breakdown); a cell with a status has an explicit `null`.
- `status` uses SSB's symbols, chosen by presentation.missing_symbol: `:` for every number
  hidden for confidentiality, `..` where there is no figure, `.` for the trend test of an
  unordered breakdown.
- `n` of a suppressed row is published, as in the Parquet (marts.md §5: the row keeps `n`);
  its estimate, interval, se and deff are `null` with `:`.
- The changes mart has two time dimensions, `wave_from` and `wave_to`; `role.time` lists
  both (JSON-stat lets a role be shared), since a change belongs to neither alone.
- A metric category's `unit.decimals` is the most §8 keeps for it in the mart; where shares
  and means keep different decimals, the metric dimension's `extension.decimals` gives both.
- Numbers are the Parquet doubles written by Python's `repr` (via `json`), never rounded
  again, so each equals the Parquet cell it came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from math import prod

from pipelines.marts.breakdowns import BREAKDOWN_LIST, BREAKDOWNS
from pipelines.marts.disclosure_rules import number_kind
from pipelines.marts.measures import ITEMS_ARE_GROUPS, MARTS, MEASURES, description
from pipelines.marts.shapes import SHAPES
from pipelines.publish.opendata import ReleaseRecord
from pipelines.publish.opendata.presentation import (
    BREAKDOWN_LABELS,
    HEADINGS,
    LEGEND,
    MART_LABELS,
    NO_FIGURE,
    SOURCE,
    decimals,
    method_lines,
    missing_symbol,
    value_columns,
)

METRIC = "ContentsCode"
NO_ITEM = "(ingen)"
QUALIFIED = {"item": "measure", "group_code": "breakdown"}
UNIT_LABELS = {
    "n": "antall",
    "df": "antall",
    "groups": "antall",
    "deff": "forholdstall",
    "statistic": "kjikvadrat",
    "trend_z": "standardavvik",
    "p_value": "sannsynlighet",
    "q_value": "sannsynlighet",
    "trend_p": "sannsynlighet",
}
KIND_WORDS = {"share": "andel", "mean": "gjennomsnitt"}


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    # category id -> Norwegian label, in the dimension's order
    categories: dict[str, str]
    extension: dict = field(default_factory=dict)
    note: tuple[str, ...] = ()
    unit: dict | None = None

    def as_json(self) -> dict:
        category: dict = {
            "index": {c: i for i, c in enumerate(self.categories)},
            "label": dict(self.categories),
        }
        if self.unit:
            category["unit"] = self.unit
        out: dict = {"label": self.label, "category": category}
        if self.note:
            out["note"] = list(self.note)
        if self.extension:
            out["extension"] = self.extension
        return out


def jsonstat_files(record: ReleaseRecord) -> dict[str, bytes]:
    """`<mart>.jsonstat.json` for every mart of the version: file name -> exact bytes."""
    return {f"{mart}.jsonstat.json": encode(dataset(record, mart)) for mart in record.marts}


def encode(data: dict) -> bytes:
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode()


def category_id(column: str, row: dict) -> str:
    """The category of ``row`` in the dimension of key ``column``."""
    if column in QUALIFIED:
        return f"{row[QUALIFIED[column]]}:{row[column]}"
    return str(row[column])


def dataset(record: ReleaseRecord, mart: str) -> dict:
    """The JSON-stat dataset of one mart of the version."""
    rows = record.table(mart).to_pylist()
    dims = [*(key_dimension(record, col, rows) for col in SHAPES[mart].key)]
    dims.append(metric_dimension(mart, rows))
    values, status = cells(mart, rows, dims)
    entry = next(f for f in record.parquet if f["mart"] == mart)
    return {
        "version": "2.0",
        "class": "dataset",
        "label": f"Innovasjonsbarometeret {record.wave}: {MART_LABELS[mart]}",
        "source": SOURCE,
        "updated": record.created,
        "note": list(method_lines(record.min_cell_size)),
        "id": [d.id for d in dims],
        "size": [len(d.categories) for d in dims],
        "role": {"time": [c for c in SHAPES[mart].key if c.startswith("wave")], "metric": [METRIC]},
        "dimension": {d.id: d.as_json() for d in dims},
        "value": {str(i): values[i] for i in sorted(values)},
        "status": {str(i): status[i] for i in sorted(status)},
        "extension": {
            "wave": record.wave,
            "version": record.version,
            "release_digest": record.release_digest,
            "parquet": {"path": entry["path"], "sha256": entry["sha256"]},
            "en": {"label": description(mart), "note": method_lines(record.min_cell_size)[1]},
            "status": {symbol: {"nb": nb, "en": en} for symbol, (nb, en) in LEGEND.items()},
        },
    }


def key_dimension(record: ReleaseRecord, column: str, rows: list[dict]) -> Dimension:
    """The dimension of one key column: the categories the rows use, in the vocabulary's
    order, and every group of each breakdown and every culture index band."""
    present = {category_id(column, r) for r in rows}
    english: dict[str, str] = {}
    note: tuple[str, ...] = ()
    if column in ("wave", "wave_to"):
        categories = {str(record.wave): str(record.wave)}
    elif column == "wave_from":
        categories = {w: w for w in sorted(present)}
    elif column == "mart":
        categories = {m: MART_LABELS[m] for m in MARTS if m in present}
        english = {m: description(m) for m in categories}
    elif column == "measure":
        categories = {m: MEASURES[m].label for m in MEASURES if m in present}
        english = {m: MEASURES[m].description for m in categories}
    elif column == "breakdown":
        categories = {b.name: BREAKDOWN_LABELS[b.name] for b in BREAKDOWN_LIST if b.name in present}
        english = {b: BREAKDOWNS[b].description for b in categories}
    elif column == "group_code":
        categories = group_categories(rows)
        note = qualified_note("gruppekoden", "breakdown", "group_code")
    else:
        categories = item_categories(rows)
        note = qualified_note("elementkoden", "measure", "item")
    en = {"label": column_description(column)}
    if english:
        en["category"] = english
    return Dimension(column, HEADINGS[column], categories, {"en": en}, note)


def group_categories(rows: list[dict]) -> dict[str, str]:
    breakdowns = {r["breakdown"] for r in rows}
    return {
        f"{b.name}:{code}": label
        for b in BREAKDOWN_LIST
        if b.name in breakdowns
        for code, label in b.groups.items()
    }


def item_categories(rows: list[dict]) -> dict[str, str]:
    """Items by measure in the vocabulary's order, each measure's in the Parquet's order."""
    labels: dict[str, dict[str, str]] = {}
    for r in rows:
        labels.setdefault(r["measure"], {}).setdefault(r["item"], r["item_label"] or NO_ITEM)
    # the differences mart tests the items that are groups (the culture index bands) as one
    # table, item ''
    for m in ITEMS_ARE_GROUPS:
        if m in labels and "" not in labels[m]:
            labels[m] = {i.name: labels[m].get(i.name, i.label) for i in MEASURES[m].items}
    return {
        f"{m}:{item}": label for m in MEASURES if m in labels for item, label in labels[m].items()
    }


def qualified_note(code_word: str, parent: str, column: str) -> tuple[str, str]:
    word = HEADINGS[parent].lower()
    return (
        f"Kategori-id er {parent}:{column} ({word} og {code_word}): samme kode kan bety ulike "
        f"ting under ulike verdier av {word}.",
        f"The category id is {parent}:{column}: one code means different things under "
        f"different values of {parent}.",
    )


def column_description(column: str) -> str:
    return next(c.description for s in SHAPES.values() for c in s.columns if c.name == column)


def metric_dimension(mart: str, rows: list[dict]) -> Dimension:
    """The mart's numbers as the categories of SSB's ContentsCode, each with its unit."""
    kinds = sorted({number_kind(r["measure"]) for r in rows}, reverse=True) or ["share"]
    columns = value_columns(mart)
    units, by_kind = {}, {}
    for col in columns:
        places = {kind: decimals(col, kind) for kind in kinds}
        words = " eller ".join(KIND_WORDS[k] for k in kinds)
        units[col] = {"label": UNIT_LABELS.get(col, words), "decimals": max(places.values())}
        if len(set(places.values())) > 1:
            by_kind[col] = places
    extension: dict = {"en": {"label": "the published numbers of the row"}}
    extension["en"]["category"] = {c: column_description(c) for c in columns}
    if by_kind:
        extension["decimals"] = by_kind
    return Dimension(
        METRIC, "statistikkvariabel", {c: HEADINGS[c] for c in columns}, extension, unit=units
    )


def cells(
    mart: str, rows: list[dict], dims: list[Dimension]
) -> tuple[dict[int, float | int | None], dict[int, str]]:
    """Every published number by cell index, and the status of every cell without one."""
    positions = [{c: i for i, c in enumerate(d.categories)} for d in dims]
    strides = [prod(len(d.categories) for d in dims[i + 1 :]) for i in range(len(dims))]
    key = SHAPES[mart].key

    def start(ids: tuple[str, ...]) -> int:
        return sum(positions[d][c] * strides[d] for d, c in enumerate(ids))

    values: dict[int, float | int | None] = {}
    status: dict[int, str] = {}
    for row in rows:
        first = start(tuple(category_id(col, row) for col in key))
        for offset, col in enumerate(value_columns(mart)):
            values[first + offset] = row[col]
            if row[col] is None:
                status[first + offset] = missing_symbol(mart, row, col)
    if mart != "differences":
        for ids in empty_groups(key, rows):
            first = start(ids)
            for offset in range(len(dims[-1].categories)):
                values[first + offset] = None
                status[first + offset] = NO_FIGURE
    return values, status


def empty_groups(key: tuple[str, ...], rows: list[dict]) -> list[tuple[str, ...]]:
    """The keys of the groups without a row in a table that has rows: groups (or, for
    a measure whose items are the groups, items) without respondents in the wave, in the
    vocabulary's order."""
    present = [tuple(category_id(col, r) for col in key) for r in rows]
    seen = set(present)
    missing: dict[tuple[str, ...], None] = {}
    for row, ids in zip(rows, present, strict=True):
        if row["measure"] in ITEMS_ARE_GROUPS:
            m = row["measure"]
            at, codes = key.index("item"), [f"{m}:{i.name}" for i in MEASURES[m].items]
        else:
            at = key.index("group_code")
            codes = [f"{row['breakdown']}:{g}" for g in BREAKDOWNS[row["breakdown"]].groups]
        for code in codes:
            sibling = (*ids[:at], code, *ids[at + 1 :])
            if sibling not in seen:
                missing[sibling] = None
    return list(missing)
