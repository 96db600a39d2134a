"""The derived warehouse tables follow their declaration in the schema: preparing the
warehouse again keeps every wave's rows, and drops only a table whose columns are outdated."""

from __future__ import annotations

from pipelines.disclosure.audit import settle_precision
from pipelines.estimation import transform
from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
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
