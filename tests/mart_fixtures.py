"""Small hand-made marts that satisfy every rule of marts.md, for the publishing tests.

`good_marts(wave)` gives, per mart, rows as dicts: shares with their interval, standard
error and design effect, distributions summing to 1, means on their scale, one group
suppressed for its size and one to protect it (marts.md §5); every number as it is
published, rounded as marts.md §8 says, so that publishing leaves them as they are.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.estimation.published_rows import read_wave
from pipelines.marts.disclosure_rules import number_kind, published_rounding
from pipelines.marts.measures import COMPARISON_MARTS, MARTS
from pipelines.marts.shapes import ESTIMATES, SHAPES
from pipelines.publish.layout import LATEST, MANIFEST, release_dir
from pipelines.warehouse.mart_tables import warehouse_table
from pipelines.warehouse.schema import MART_CELL_SCORES, PUBLISHED_PRECISION
from pipelines.warehouse.sql_runner import insert_rows

MIN_CELL_SIZE = 10
# breakdown, group_code, group_label, n, suppression: the last group is below the minimum
# cell size, and the smallest other group is hidden with it.
GROUPS = (
    ("total", "all", "Alle", 120, "none"),
    ("sector", "1", "Helse og omsorg", 70, "none"),
    ("sector", "2", "Oppvekst", 43, "secondary"),
    ("sector", "5", "Teknisk", 7, "primary"),
)
INDEX_DISTRIBUTION = (0.05, 0.1, 0.15, 0.2, 0.25, 0.25)
# mart -> (measure, item, estimate per group other than the suppressed one), by measure.
MART_ESTIMATES = {
    "innovation": [
        ("innovative", "", 0.75),
        ("novelty", "improvement", 0.5),
        ("novelty", "new_approach", 0.3),
        ("novelty", "dont_know", 0.2),
    ],
    "factors": [
        ("promoted", "ny_teknologi", 0.6),
        ("mean_score", "ny_teknologi", 4.25),
    ],
    "failures": [
        ("failed_attempt", "", 0.25),
        ("failure_type", "tjeneste", 0.4),
        ("failure_type", "produkt", 0.0),
        ("failure_type", "prosess", 0.35),
        ("failure_type", "kommunikasjon", 0.25),
    ],
    "culture_index": [
        ("agree", "ideer", 0.8),
        *(("index_distribution", str(k), p) for k, p in enumerate(INDEX_DISTRIBUTION)),
        ("mean_index", "", 3.1),
    ],
    "reform_pressure": [
        ("in_merging_unit", "", 0.3),
        ("pressure", "more", 0.45),
        ("pressure", "same", 0.4),
        ("pressure", "less", 0.05),
        ("pressure", "dont_know", 0.1),
    ],
}


def _published(x: float, column: str, kind: str) -> float:
    return round(x, published_rounding(column, kind).decimals)


def good_rows(mart: str, wave: int, bump: float = 0.0) -> list[dict]:
    """The rows of `mart` for `wave`; `bump` moves the first estimate (a corrected figure)."""
    rows = []
    for i, (measure, item, estimate) in enumerate(MART_ESTIMATES[mart]):
        kind = number_kind(measure)
        value = _published(estimate + (bump if i == 0 else 0.0), "estimate", kind)
        if kind == "mean":
            interval = (value - 0.3, value + 0.3)
        else:
            interval = (max(0.0, value - 0.05), min(1.0, value + 0.05))
        lower, upper = (_published(x, "ci_lower", kind) for x in interval)
        se = _published((upper - lower) / 4, "se", kind)
        for breakdown, group_code, group_label, n, suppression in GROUPS:
            suppressed = suppression != "none"
            rows.append(
                {
                    "wave": wave,
                    "measure": measure,
                    "item": item,
                    "item_label": f"Etikett {item}" if item else "",
                    "breakdown": breakdown,
                    "group_code": group_code,
                    "group_label": group_label,
                    "n": n,
                    "estimate": None if suppressed else value,
                    "ci_lower": None if suppressed else lower,
                    "ci_upper": None if suppressed else upper,
                    "se": None if suppressed else se,
                    "deff": None if suppressed else 1.2,
                    "suppression": suppression,
                    "suppressed": suppressed,
                }
            )
    return rows


def good_frame(mart: str, wave: int = 2020) -> pd.DataFrame:
    """One wave of a mart as the gate receives it (through Arrow, in the published types)."""
    return pa.Table.from_pylist(good_rows(mart, wave), schema=ESTIMATES.arrow_schema).to_pandas()


def asked(mart: str, wave: int) -> bool:
    return mart != "reform_pressure" or wave == 2020


def create_mart_table(
    con: duckdb.DuckDBPyConnection, mart: str, rows=(), table: str | None = None
) -> None:
    """A table of ``mart`` in its shape, holding ``rows`` (tuples in its order): the
    warehouse's, or ``table`` (e.g. the mart's name, as a release opened for the report has
    it)."""
    shape = SHAPES[mart]
    table = table or warehouse_table(mart)
    columns = ", ".join(f"{c.name} {c.type}" for c in shape.columns)
    con.execute(f"CREATE OR REPLACE TABLE {table} ({columns})")
    insert_rows(con, table, list(rows))


def write_release(marts_dir: Path, wave: int, marts: dict[str, list[tuple]], version: str) -> Path:
    """A version of the wave's release as publishing leaves it, made by hand from rows in
    each mart's shape (tuples in its column order): the Parquet of every mart with rows, a
    manifest naming their sha256, and LATEST naming the version. Returns its folder."""
    folder = release_dir(marts_dir, wave) / version
    folder.mkdir(parents=True)
    files = []
    for mart, rows in marts.items():
        shape = SHAPES[mart]
        records = [dict(zip(shape.names, row, strict=True)) for row in rows]
        path = folder / f"{mart}.parquet"
        pq.write_table(pa.Table.from_pylist(records, schema=shape.arrow_schema), path)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        files.append(
            {
                "mart": mart,
                "path": path.name,
                "bytes": len(data),
                "rows": len(rows),
                "sha256": digest,
            }
        )
    manifest = {"manifest_format": 1, "wave": wave, "version": version, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (folder.parent / LATEST).write_text(f"{version}\n", encoding="ascii")
    return folder


# Where the hand-made groups' respondents are, for the reconstruction audit: two weighting
# cells (respondents, population), every published group's respondents in cells of at least
# the minimum cell size, so that the audit has no small cell to attack; the sector groups
# split the total, so that it bounds the hidden ones' estimates.
CELLS = {"a": (70, 140), "b": (50, 100)}
GROUP_CELLS = {
    ("total", "all"): {"a": 70, "b": 50},
    ("sector", "1"): {"a": 70},
    ("sector", "2"): {"b": 43},
    ("sector", "5"): {"b": 7},
}


def cell_records(mart: str, rows: list[dict]) -> list[tuple]:
    """The private per-cell records (mart_cell_scores) of hand-made rows."""
    return [
        (mart, r["wave"], r["measure"], r["item"], r["breakdown"], r["group_code"], cell,
         *CELLS[cell], 0.0, n_d, 0, 0)
        for r in rows
        for cell, n_d in GROUP_CELLS[(r["breakdown"], r["group_code"])].items()
    ]  # fmt: skip


def create_cell_records_table(con: duckdb.DuckDBPyConnection) -> None:
    """mart_cell_scores as the schema declares it."""
    con.execute(MART_CELL_SCORES.ddl())


def write_warehouse(path: Path, waves: tuple[int, ...] = (2018, 2020), bump: float = 0.0) -> None:
    """Create (or replace) the mart tables of a warehouse file holding `waves`, with the
    per-cell records the reconstruction audit reads, and the precision levels publishing
    reads (none set)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(PUBLISHED_PRECISION.ddl())
        create_cell_records_table(con)
        con.execute("DELETE FROM mart_cell_scores")
        for mart in MARTS:
            rows = [r for w in waves if asked(mart, w) for r in good_rows(mart, w, bump)]
            con.register("new_rows", pa.Table.from_pylist(rows, schema=ESTIMATES.arrow_schema))
            create_mart_table(con, mart)
            con.execute(f"INSERT INTO {warehouse_table(mart)} SELECT * FROM new_rows")
            con.unregister("new_rows")
            insert_rows(con, "mart_cell_scores", cell_records(mart, rows))
        # the comparison marts, without rows: what they hold is
        # tests/unit/estimation/test_comparisons.py's
        for mart in COMPARISON_MARTS:
            create_mart_table(con, mart)
    finally:
        con.close()


def planting(mart: str, where: dict, **values):
    """A stand-in for ``read_wave``: the published rows, with ``values`` set on the rows of
    ``mart`` that match ``where`` (column -> value) — what a fault past the warehouse would
    leave for the checks to catch."""

    def planted(con: duckdb.DuckDBPyConnection, name: str, wave: int) -> pa.Table:
        table = read_wave(con, name, wave)
        if name != mart:
            return table
        rows = table.to_pylist()
        for row in rows:
            if all(row[column] == value for column, value in where.items()):
                row.update(values)
        return pa.Table.from_pylist(rows, schema=table.schema)

    return planted
