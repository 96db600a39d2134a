"""The derived warehouse tables follow their declaration in the schema: preparing the
warehouse again keeps every wave's rows, and drops only a table whose columns are outdated."""

from __future__ import annotations

import duckdb

from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import transform
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.warehouse.sql_runner import insert_rows
from tests.warehouse_fixtures import respondent, warehouse

FRAME = [{"wave": 2020, "sektor": 1, "n_population": 100}]


def test_preparing_again_keeps_every_table_and_its_rows():
    con = warehouse([respondent(f"R{k}", 1, "0301", k < 6) for k in range(12)], FRAME, (2020,))
    transform.build_mart(con, "innovation", 2020)
    settle_precision(con, "innovation", 2020, MIN_CELL_SIZE)
    before = con.execute("SELECT count(*) FROM mart_estimates").fetchone()[0]
    assert before > 0
    # what the reconstruction audit wrote for a group
    con.execute("INSERT INTO published_precision VALUES ('innovation', 2020, 'innovative', "
                "'sector', '1', 1)")  # fmt: skip
    transform.prepare_warehouse(con)
    assert con.execute("SELECT count(*) FROM mart_estimates").fetchone()[0] == before
    assert con.execute("SELECT level FROM published_precision").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] == 12


def test_a_table_of_an_older_shape_is_dropped_and_made_anew():
    con = warehouse([respondent(f"R{k}", 1, "0301", k < 6) for k in range(12)], FRAME, (2020,))
    con.execute("ALTER TABLE mart_estimates DROP COLUMN deff")
    con.execute("ALTER TABLE respondents ADD COLUMN retired INTEGER")
    transform.prepare_warehouse(con)
    columns = [
        c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE mart_estimates)").fetchall()
    ]
    assert "deff" in columns
    assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] == 0  # run rebuilds it
    transform.build_respondents(con, 2020)
    transform.build_mart(con, "innovation", 2020)
    settle_precision(con, "innovation", 2020, MIN_CELL_SIZE)
    assert con.execute("SELECT count(*) FROM mart_estimates").fetchone()[0] > 0


def test_insert_rows_writes_every_row_across_statements_and_replaces_by_key():
    """More rows than one statement takes, NULLs and booleans bound as values; with
    ``replace`` a row of an existing key takes the place of the old one."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, label VARCHAR, flag BOOLEAN)")
    rows = [(k, None if k % 7 == 0 else f"'{k}'", k % 2 == 0) for k in range(2_500)]
    insert_rows(con, "t", rows)
    assert con.execute("SELECT * FROM t ORDER BY k").fetchall() == rows
    insert_rows(con, "t", [(3, "three", True)], replace=True)
    assert con.execute("SELECT * FROM t WHERE k = 3").fetchall() == [(3, "three", True)]
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(2_500,)]
    insert_rows(con, "t", [])
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(2_500,)]
