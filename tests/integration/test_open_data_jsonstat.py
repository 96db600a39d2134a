"""The JSON-stat datasets of a release version hold exactly the Parquet's numbers.

Each cell is located independently of the writer: pyjstat turns a row's categories into the
cell index, and the row's categories follow the documented id rule (`measure:item`,
`breakdown:group_code`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from math import prod

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from jsonstat_validator import validate_jsonstat
from jsonstat_validator.utils import JSONStatValidationError
from pyjstat import pyjstat

from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.marts.measures import MEASURES
from pipelines.marts.shapes import SHAPES
from pipelines.publish.opendata import read_record
from pipelines.publish.opendata.jsonstat import jsonstat_files

# pyjstat's Dataset.write("dataframe") calls its own deprecated from_json_stat
pytestmark = pytest.mark.filterwarnings("ignore:Shouldn't use this function:DeprecationWarning")

WAVES = (2018, 2020, 2024)
METRICS = {
    "changes": (
        "estimate_from",
        "estimate_to",
        "difference",
        "se",
        "ci_lower",
        "ci_upper",
        "p_value",
    ),
    "differences": ("statistic", "df", "p_value", "q_value", "trend_z", "trend_p", "groups"),
}
ESTIMATE_METRICS = ("estimate", "ci_lower", "ci_upper", "se", "deff", "n")


def metrics(mart: str) -> tuple[str, ...]:
    return METRICS.get(mart, ESTIMATE_METRICS)


@pytest.fixture(scope="module")
def records(published):
    return {w: read_record(published / f"wave={w}" / "v0001") for w in WAVES}


@pytest.fixture(scope="module")
def datasets(records):
    return {
        (w, name.removesuffix(".jsonstat.json")): json.loads(data)
        for w, record in records.items()
        for name, data in jsonstat_files(record).items()
    }


def category(column: str, row: dict) -> str:
    if column == "item":
        return f"{row['measure']}:{row['item']}"
    if column == "group_code":
        return f"{row['breakdown']}:{row['group_code']}"
    return str(row[column])


def cell(ds: dict, mart: str, row: dict, metric: str) -> str:
    """The cell of ``row``'s ``metric``, found by pyjstat from the categories."""
    query = [{col: category(col, row)} for col in SHAPES[mart].key]
    reader = pyjstat.Dataset(ds)
    indices = reader.get_dimension_indices([*query, {"ContentsCode": metric}])
    return str(reader.get_value_index(indices))


def check(ds: dict) -> None:
    """What the validator leaves unchecked: every cell inside the cube, no number under a
    status, and a null under every status."""
    cells = prod(ds["size"])
    assert all(0 <= int(k) < cells for k in (*ds["value"], *ds["status"])), "cell off the cube"
    for key, symbol in ds["status"].items():
        assert key in ds["value"], f"status {symbol!r} at {key} without an explicit null"
        assert ds["value"][key] is None, f"a number under status {symbol!r} at {key}"
    numbers = [v for v in ds["value"].values() if v is not None]
    assert all(isinstance(v, int | float) for v in numbers)


def rows(record, mart: str) -> list[dict]:
    return record.table(mart).to_pylist()


def test_one_valid_dataset_per_mart(records, datasets):
    for wave, record in records.items():
        assert {m for w, m in datasets if w == wave} == set(record.marts)
        for mart in record.marts:
            ds = datasets[wave, mart]
            assert validate_jsonstat(ds) is True
            check(ds)
            assert ds["id"] == [*SHAPES[mart].key, "ContentsCode"]
            assert ds["size"] == [len(ds["dimension"][d]["category"]["index"]) for d in ds["id"]]
            assert list(ds["dimension"]["ContentsCode"]["category"]["index"]) == list(metrics(mart))
            assert ds["role"]["metric"] == ["ContentsCode"]
            assert ds["updated"] == record.created
            (entry,) = (f for f in record.parquet if f["mart"] == mart)
            assert ds["extension"]["parquet"] == {"path": entry["path"], "sha256": entry["sha256"]}
            assert ds["extension"]["release_digest"] == record.release_digest
            assert (ds["extension"]["wave"], ds["extension"]["version"]) == (wave, "v0001")
            assert f"{record.min_cell_size}" in ds["note"][0] and len(ds["note"]) == 2
    assert datasets[2024, "changes"]["role"]["time"] == ["wave_from", "wave_to"]
    assert datasets[2024, "innovation"]["role"]["time"] == ["wave"]


def test_pyjstat_reads_every_cell(datasets):
    """pyjstat expands the whole cube of each of a wave's estimate and differences marts
    (the changes cube is read below, from a small record)."""
    for (wave, mart), ds in datasets.items():
        if wave != 2020 or mart == "changes":
            continue
        frame = pyjstat.Dataset.read(json.dumps(ds)).write("dataframe", naming="id")
        assert len(frame) == prod(ds["size"])
        assert frame["value"].notna().sum() == sum(v is not None for v in ds["value"].values())


def test_every_published_number_is_in_its_cell(records, datasets):
    for (wave, mart), ds in datasets.items():
        published = 0
        for row in rows(records[wave], mart):
            for metric in metrics(mart):
                if row[metric] is None:
                    continue
                shown = ds["value"][cell(ds, mart, row, metric)]
                assert shown == row[metric] and type(shown) is type(row[metric]), (mart, row)
                published += 1
        # and no number that is not a Parquet cell
        assert published == sum(v is not None for v in ds["value"].values())
        assert published > 0


def test_suppressed_rows_show_their_n_and_no_other_number(records, datasets):
    ds = datasets[2020, "reform_pressure"]
    suppressed = [r for r in rows(records[2020], "reform_pressure") if r["suppressed"]]
    assert {r["suppression"] for r in suppressed} == {"primary", "secondary"}
    for row in suppressed:
        for metric in ESTIMATE_METRICS[:-1]:
            key = cell(ds, "reform_pressure", row, metric)
            assert (ds["value"][key], ds["status"][key]) == (None, ":")
        key = cell(ds, "reform_pressure", row, "n")
        assert ds["value"][key] == row["n"] and key not in ds["status"]


def test_withheld_numbers_are_confidential(records, datasets):
    withheld = [
        r for r in rows(records[2018], "innovation") if not r["suppressed"] and r["se"] is None
    ]
    assert withheld
    ds = datasets[2018, "innovation"]
    for row in withheld:
        for metric in ("se", "deff"):
            key = cell(ds, "innovation", row, metric)
            assert (ds["value"][key], ds["status"][key]) == (None, ":")


def missing_groups(mart_rows: list[dict]) -> set[tuple]:
    """(measure, item, breakdown, group) of the vocabulary's groups, and culture index
    bands, that have no row in a table that has rows."""
    have = {(r["measure"], r["item"], r["breakdown"], r["group_code"]) for r in mart_rows}
    expected = set()
    for m, item, b, _ in have:
        if m == "innovative_by_index":
            expected |= {(m, i.name, b, "all") for i in MEASURES["innovative_by_index"].items}
        else:
            expected |= {(m, item, b, g) for g in BREAKDOWNS[b].groups}
    return expected - have


def test_a_group_without_respondents_has_no_figure(records, datasets):
    """2018 has groups without respondents; their cells, and only theirs, are `..`."""
    mart_rows = rows(records[2018], "innovation")
    missing = missing_groups(mart_rows)
    assert ("core_task", "", "sector", "5") in missing
    ds = datasets[2018, "innovation"]
    for m, item, b, g in missing:
        row = {"wave": 2018, "measure": m, "item": item, "breakdown": b, "group_code": g}
        for metric in ESTIMATE_METRICS:
            key = cell(ds, "innovation", row, metric)
            assert (ds["value"][key], ds["status"][key]) == (None, "..")
    assert list(ds["status"].values()).count("..") == len(missing) * len(ESTIMATE_METRICS)


def test_differences_mark_untestable_and_inapplicable(records, datasets):
    ds = datasets[2020, "differences"]
    for row in rows(records[2020], "differences"):
        for metric in ("trend_z", "trend_p", "statistic", "p_value"):
            if row[metric] is None:
                ordered = BREAKDOWNS[row["breakdown"]].ordered or row["breakdown"] == "total"
                expected = ".." if metric in ("statistic", "p_value") or ordered else "."
                assert ds["status"][cell(ds, "differences", row, metric)] == expected


@pytest.fixture(scope="module")
def small_changes(records, tmp_path_factory):
    """The 2024 changes of two measures, with a group dropped, a group suppressed and a
    standard error of 0: each of the changes mart's symbols once."""
    table = records[2024].table("changes")
    kept = [
        r
        for r in table.to_pylist()
        if r["measure"] in ("innovative", "innovative_by_index")
        and not (r["wave_from"] == 2020 and r["breakdown"] == "sector" and r["group_code"] == "3")
    ]
    for r in kept:
        if r["breakdown"] == "employees" and r["group_code"] in ("1", "2"):
            r.update(dict.fromkeys(METRICS["changes"]), suppressed=True)
        if r["measure"] == "innovative" and r["breakdown"] == "total":
            r.update(se=0.0, ci_lower=r["difference"], ci_upper=r["difference"], p_value=None)
    folder = tmp_path_factory.mktemp("small_changes")
    pq.write_table(pa.Table.from_pylist(kept, schema=table.schema), folder / "changes.parquet")
    entry = {"mart": "changes", "path": "changes.parquet", "rows": len(kept), "sha256": "0" * 64}
    return replace(records[2024], parquet=(entry,), folder=folder)


def test_changes_cube_has_each_symbol(small_changes):
    ds = json.loads(jsonstat_files(small_changes)["changes.jsonstat.json"])
    assert validate_jsonstat(ds)
    check(ds)
    frame = pyjstat.Dataset.read(json.dumps(ds)).write("dataframe", naming="id")
    assert len(frame) == prod(ds["size"])
    changes = rows(small_changes, "changes")
    innovative = next(r for r in changes if r["measure"] == "innovative")
    dropped = {**innovative, "wave_from": 2020, "breakdown": "sector", "group_code": "3"}
    assert all(ds["status"][cell(ds, "changes", dropped, m)] == ".." for m in METRICS["changes"])
    for row in changes:
        for metric in METRICS["changes"]:
            key = cell(ds, "changes", row, metric)
            if row["suppressed"]:
                assert (ds["value"][key], ds["status"][key]) == (None, ":")
            elif row["se"] == 0 and metric == "p_value":
                assert (ds["value"][key], ds["status"][key]) == (None, "..")
            elif row[metric] is not None:
                assert ds["value"][key] == row[metric] and key not in ds["status"]


def test_planted_defects_are_caught(datasets):
    good = datasets[2020, "reform_pressure"]
    wrong_size = copy.deepcopy(good)
    wrong_size["size"][2] += 1
    with pytest.raises(JSONStatValidationError, match="size"):
        validate_jsonstat(wrong_size)

    revealed = copy.deepcopy(good)
    hidden = next(k for k, s in revealed["status"].items() if s == ":")
    revealed["value"][hidden] = 0.25
    assert validate_jsonstat(revealed)  # the validator does not look at status
    with pytest.raises(AssertionError, match="a number under status ':'"):
        check(revealed)

    off_cube = copy.deepcopy(good)
    off_cube["value"][str(prod(good["size"]))] = 0.5
    with pytest.raises(AssertionError, match="off the cube"):
        check(off_cube)


def test_same_record_same_bytes(records, published):
    first = jsonstat_files(records[2024])
    again = jsonstat_files(read_record(published / "wave=2024" / "v0001"))
    assert first == again
    text = first["innovation.jsonstat.json"]
    assert text.endswith(b"\n") and "Sør-Østlandet".encode() in text
