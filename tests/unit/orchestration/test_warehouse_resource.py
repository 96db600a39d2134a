"""The warehouse resource names a program that holds the warehouse open instead of leaving
DuckDB's lock error as the only word, a run's steps share one open database, and a step's
writes are all or nothing."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from pipelines.orchestration.warehouse_resource import LockedWarehouse, transaction

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


def test_a_runs_steps_share_one_open_database_each_with_a_connection_of_its_own(
    tmp_path, monkeypatch
):
    """The file is opened once for the run (docs/design.md, decision 60) and closed when it
    ends; each step still has a connection of its own: its temporary tables are its own."""
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(warehouse))
    opened = []
    real_connect = duckdb.connect

    def connect(database=":memory:", *args, **kwargs):
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)

    @dg.asset
    def first(warehouse: LockedWarehouse) -> None:
        with warehouse.get_connection() as con:
            con.execute("CREATE TABLE kept AS SELECT 1 AS x")
            con.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")

    @dg.asset(deps=[first])
    def second(warehouse: LockedWarehouse) -> None:
        with warehouse.get_connection() as con:
            assert con.execute("SELECT x FROM kept").fetchall() == [(1,)]
            temp = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'"
            assert con.execute(temp).fetchall() == [(0,)]

    result = dg.materialize(
        [first, second],
        resources={"warehouse": LockedWarehouse()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    assert opened == [str(warehouse)]
    # closed with the run: a read-only open in this process would be refused while it is open
    with real_connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT x FROM kept").fetchall() == [(1,)]
