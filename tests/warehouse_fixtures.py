"""Small hand-made warehouses: the ingest's tables filled with a few respondents."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.estimation import transform
from pipelines.ingest.reference import build_reference
from pipelines.warehouse.schema import FRAME, RESPONSES, ddl

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "raw" / "reference"


def warehouse(
    respondents: list[dict], frame: list[dict], waves: tuple[int, ...]
) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding ``respondents`` (canonical answers; absent = NULL)
    and ``frame`` rows, with reference data and the transformations run for ``waves``."""
    con = duckdb.connect()
    build_reference(con, REFERENCE_DIR)
    con.execute(ddl((RESPONSES, FRAME)))
    for row, answers in enumerate(respondents, start=2):
        record = {"source_file": "responses.csv", "source_row": row, **answers}
        names = ", ".join(record)
        con.execute(
            f"INSERT INTO responses ({names}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        )
    for cell in frame:
        names = ", ".join(cell)
        con.execute(
            f"INSERT INTO frame ({names}) VALUES ({', '.join('?' * len(cell))})",
            list(cell.values()),
        )
    transform.prepare_warehouse(con)
    for wave in waves:
        transform.build_respondents(con, wave)
    return con


def respondent(resp_id, sektor, kommunenr, innovative, **answers):
    """A kommune workplace of the 2020 wave; `innovative` sets innov_prosess 1 or 2."""
    return {
        "wave": 2020,
        "resp_id": resp_id,
        "kommunenr": kommunenr,
        "forvaltningsniva": 1,
        "sektor": sektor,
        "virksomhetstype": 10 * sektor + 1,
        "innov_tjeneste": 2,
        "innov_produkt": 2,
        "innov_prosess": 1 if innovative else 2,
        "innov_kommunikasjon": 2,
        **answers,
    }
