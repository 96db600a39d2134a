"""The weighting frame of a wave (``frame.csv``, delivery contract §3)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest.encoding import ROW_COLUMN
from pipelines.ingest.errors import DeliveryError
from pipelines.ingest.identifiers import quote
from pipelines.ingest.readers import FRAME_LANDING, Landed, land_frame
from pipelines.survey.codebook import WEIGHTING_CELL_COLUMNS, Codebook
from pipelines.warehouse.sql_runner import run_model

POPULATION = "n_population"


def required_columns(book: Codebook) -> list[str]:
    """The columns the wave's frame.csv must have."""
    return [*book.weighting_cells, POPULATION]


def stage_frame(con: duckdb.DuckDBPyConnection, path: Path, book: Codebook) -> Landed:
    """Read and check ``frame.csv`` into ``ingest_frame``; a DeliveryError on any problem."""
    landed = land_frame(con, path)
    needed = required_columns(book)
    missing = [c for c in needed if c not in landed.columns]
    if missing:
        raise DeliveryError(
            path,
            f"required column(s) missing: {', '.join(missing)} "
            f"(the wave's frame has columns {', '.join(needed)})",
            row=1,
            column=missing[0],
        )
    columns = [f"{quote(ROW_COLUMN)} AS source_row"] + [
        f"{quote(c) if c in needed else 'CAST(NULL AS VARCHAR)'} AS {c}"
        for c in (*WEIGHTING_CELL_COLUMNS, POPULATION)
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_frame_raw AS SELECT "
        + ", ".join(columns)
        + f" FROM {FRAME_LANDING}"
    )
    problem = run_model(con, "ingest/frame_problems", **_cells(book)).fetchall()
    if problem:
        row, column, value, text = problem[0]
        raise DeliveryError(path, text, row=row, column=column, value=value)
    run_model(con, "ingest/frame_typed", wave=book.wave)
    return landed


def check_cells_covered(
    con: duckdb.DuckDBPyConnection, path: Path, book: Codebook, responses_name: str
) -> None:
    """Every weighting cell with accepted respondents must have a frame row."""
    run_model(con, "ingest/respondent_cells", **_cells(book))
    _check_cells_large_enough(con, path, book, responses_name)
    missing = run_model(con, "ingest/frame_cells_missing").fetchall()
    if not missing:
        return
    *cell, n_respondents, first_row = missing[0]
    values = dict(zip(WEIGHTING_CELL_COLUMNS, cell, strict=True))
    more = f"; {len(missing) - 1} more cell(s) are missing too" if len(missing) > 1 else ""
    raise DeliveryError(
        path,
        f"no frame row for this cell, which holds {n_respondents} respondent(s) "
        f"(the first at {responses_name} row {first_row}){more}",
        column=", ".join(book.weighting_cells),
        value=", ".join(str(values[c]) for c in book.weighting_cells),
    )


def _check_cells_large_enough(
    con: duckdb.DuckDBPyConnection, path: Path, book: Codebook, responses_name: str
) -> None:
    """A cell cannot have more respondents than workplaces in the population (0 included):
    a frame error, found here rather than as impossible weights and sampling fractions."""
    empty = run_model(con, "ingest/frame_cells_short", **_cells(book)).fetchall()
    if not empty:
        return
    row, population, *cell, n_respondents, first_row = empty[0]
    values = dict(zip(WEIGHTING_CELL_COLUMNS, cell, strict=True))
    named = ", ".join(f"{c} {values[c]}" for c in book.weighting_cells)
    more = f"; {len(empty) - 1} more such cell(s)" if len(empty) > 1 else ""
    raise DeliveryError(
        path,
        f"the cell {named} has a population of {population} but holds {n_respondents} "
        f"respondent(s) (the first at {responses_name} row {first_row}){more}; a cell cannot "
        "have more respondents than workplaces: give the cell its population count",
        row=row,
        column=POPULATION,
        value=population,
    )


def _cells(book: Codebook) -> dict[str, bool]:
    return {f"by_{c}": c in book.weighting_cells for c in WEIGHTING_CELL_COLUMNS}
