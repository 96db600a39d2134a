"""The warehouse resource names a program that holds the warehouse open instead of leaving
DuckDB's lock error as the only word, and a step's writes are all or nothing."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from pipelines.orchestration.warehouse_resource import transaction

OPEN_WAREHOUSE = """
import sys
from pipelines.orchestration.warehouse_resource import LockedWarehouse
with LockedWarehouse(database=sys.argv[1]).get_connection():
    pass
"""


def test_a_warehouse_open_in_another_program_is_named(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)):  # another program, writing
        opened = subprocess.run(
            [sys.executable, "-c", OPEN_WAREHOUSE, str(warehouse)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert opened.returncode == 1
    last_line = opened.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        f"pipelines.orchestration.warehouse_lock.WarehouseBusy: the warehouse {warehouse} is open "
        "in another program, so this run cannot write it"
    )


def test_a_step_stopped_midway_leaves_the_table_as_it_was(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE TABLE respondents AS SELECT 2018 AS wave, range AS id FROM range(5)")
    with pytest.raises(KeyboardInterrupt), transaction(con):
        con.execute("DELETE FROM respondents WHERE wave = 2018")
        raise KeyboardInterrupt  # Ctrl-C between the delete and the insert
    assert con.execute("SELECT count(*) FROM respondents").fetchall() == [(5,)]
    with transaction(con):
        con.execute("DELETE FROM respondents WHERE wave = 2018")
        con.execute("INSERT INTO respondents SELECT 2018, range FROM range(3)")
    assert con.execute("SELECT count(*) FROM respondents").fetchall() == [(3,)]
