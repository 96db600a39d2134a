"""`make sql`: the read-only shell on the analyst catalog that the README documents."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from tests.conftest import PROJECT


def shell(args: list[str], marts_dir, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=os.environ | {"BAROMETER_MARTS_DIR": str(marts_dir)},
        timeout=120,
    )


def catalog_value(marts_dir, sql: str):
    with duckdb.connect(str(marts_dir / "barometer.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_make_sql_reads_statements_from_its_input(published):
    latest = catalog_value(published, "SELECT count(*) FROM releases WHERE is_latest")
    done = shell(
        ["make", "-s", "sql"],
        published,
        "SELECT count(*) AS latest\nFROM releases WHERE is_latest;\n.quit\n",
    )
    assert done.returncode == 0, done.stderr
    assert f"│ {latest:>6} │" in done.stdout


def test_the_catalog_is_opened_read_only(published):
    statements = "SELECT 41 + 1 AS answer; CREATE TABLE scratch (a INTEGER);"
    done = shell(
        [sys.executable, "-m", "pipelines.publish.sql_shell", "-readonly", "-c", statements],
        published,
    )
    assert done.returncode == 1
    assert "│     42 │" in done.stdout
    assert "read-only mode" in done.stderr
    assert (
        catalog_value(
            published, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'"
        )
        == 0
    )


def test_without_a_catalog_it_says_what_to_do(tmp_path):
    done = shell([sys.executable, "-m", "pipelines.publish.sql_shell"], tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        f"{tmp_path}/barometer.duckdb: no such database; `make run` publishes the catalog\n"
    )
