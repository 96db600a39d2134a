"""The baseline: a bare DuckDB script that reads the delivery's CSV straight into
`responses` and runs the pipeline's own SQL models on it, in the order and through the
functions the pipeline's steps run them (pipelines/estimation/transform.py: estimate_wave,
pipelines/estimation/comparisons.py: build_differences) — no ingest checks, no pandera, no Great
Expectations, no Dagster, no publishing.

The baseline's DuckDB gets the same memory limit as the pipeline's warehouse connection
(pipelines/warehouse/sql_runner.py), so that the ratio of the two measures what the pipeline adds
to the work, not what the limit costs.

The generator plants a few defective rows in every delivery (a duplicated id, a code
outside the list, an answer against routing, …) and lists them in `<wave>.defects.json`
beside it. The pipeline quarantines those rows and blanks the routed answer; the baseline
takes the list's word for it and does the same, without checking anything, so that the two
can be held to identical mart rows.

    python -m bench.baseline RAW_DIR DATABASE REPORT_JSON
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import comparisons, transform
from pipelines.ingest.identifiers import quote
from pipelines.ingest.reference import build_reference
from pipelines.ingest.responses_table import SQL_TYPES
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.marts.measures import MARTS
from pipelines.survey import codebook
from pipelines.survey import questionnaire as q
from pipelines.warehouse.sql_runner import WAREHOUSE_MEMORY_LIMIT

WAVE = 2020
# The frame's cell columns (docs/design.md, table `frame`); a cell the wave does not weight
# on is NULL.
FRAME_CELLS = {"sektor": "SMALLINT", "virksomhetstype": "SMALLINT", "landsdel": "VARCHAR"}
# Defects that are no quarantined row: an ignored extra column, an answer against routing.
NOT_QUARANTINED = ("extra_column", "routing")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_delivery(con: duckdb.DuckDBPyConnection, raw_dir: Path, wave: int) -> None:
    """`responses` and `frame` of `wave`, read by DuckDB's read_csv with the codebook's
    column names mapped to the canonical ones; the listed defective rows left out."""
    book = codebook.load(wave)
    types = ", ".join(
        f"{_literal(book.raw_for[v.name])}: {_literal(SQL_TYPES[v.kind])}"
        for v in q.VARIABLES
        if book.asked(v.name)
    )
    columns = ", ".join(
        f"{quote(book.raw_for[v.name])} AS {v.name}"
        if book.asked(v.name)
        else f"CAST(NULL AS {SQL_TYPES[v.kind]}) AS {v.name}"
        for v in q.VARIABLES
    )
    folder = raw_dir / str(wave)
    con.execute(
        f"CREATE OR REPLACE TABLE responses AS SELECT CAST($wave AS INTEGER) AS wave, {columns} "
        f"FROM read_csv($path, header = true, types = {{{types}}})",
        {"wave": wave, "path": str(folder / "responses.csv")},
    )
    cells = ", ".join(
        f"CAST({name if name in book.weighting_cells else 'NULL'} AS {sql_type}) AS {name}"
        for name, sql_type in FRAME_CELLS.items()
    )
    con.execute(
        f"CREATE OR REPLACE TABLE frame AS SELECT CAST($wave AS INTEGER) AS wave, {cells}, "
        "CAST(n_population AS BIGINT) AS n_population "
        "FROM read_csv($path, header = true, all_varchar = true)",
        {"wave": wave, "path": str(folder / "frame.csv")},
    )
    _leave_out_defects(con, raw_dir / f"{wave}.defects.json")


def _leave_out_defects(con: duckdb.DuckDBPyConnection, listed: Path) -> None:
    defects = json.loads(listed.read_text(encoding="utf-8"))["defects"]
    quarantined = [d for d in defects if d["rule"] not in NOT_QUARANTINED]
    if any(d["resp_id"] is None for d in quarantined):
        raise ValueError(f"{listed}: a defective row without an id; the baseline cannot drop it")
    con.execute(
        "DELETE FROM responses WHERE list_contains($ids, resp_id)",
        {"ids": sorted({d["resp_id"] for d in quarantined})},
    )
    for d in defects:
        if d["rule"] == "routing":
            con.execute(
                f"UPDATE responses SET {quote(d['column'])} = NULL WHERE resp_id = $id",
                {"id": d["resp_id"]},
            )


def run_baseline(con: duckdb.DuckDBPyConnection, raw_dir: Path, wave: int = WAVE) -> dict:
    """Reference tables, the delivery, then weights, respondents and every mart; returns
    the seconds each part took."""
    started = time.perf_counter()
    build_reference(con, raw_dir / "reference")
    load_delivery(con, raw_dir, wave)
    loaded = time.perf_counter()
    transform.estimate_wave(con, wave)
    # the pipeline's mart step settles each group's published precision (the reconstruction
    # audit) after estimating it; the baseline does the same work, so that the ratio measures
    # what the orchestration adds
    for mart in MARTS:
        settle_precision(con, mart, wave, MIN_CELL_SIZE)
    # the tests of the groups are marts too; a single wave has no earlier one to change from
    comparisons.build_differences(con, wave)
    done = time.perf_counter()
    return {"read_s": loaded - started, "marts_s": done - loaded, "seconds": done - started}


def main(argv: list[str]) -> int:
    raw_dir, database, report = (Path(a) for a in argv)
    with duckdb.connect(str(database), config={"memory_limit": WAREHOUSE_MEMORY_LIMIT}) as con:
        timings = run_baseline(con, raw_dir)
    report.write_text(json.dumps(timings), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
