"""The analyst catalog: views over the latest Parquet, readable while a run writes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.marts.measures import MART, MARTS, PUBLISHED_MARTS
from pipelines.marts.shapes import ESTIMATES, SHAPES
from pipelines.publish import build_catalog, publish_wave
from pipelines.publish.catalog import CATALOG_SQL, OPEN_ATTEMPTS, RELEASES_COLUMNS, open_read_only
from pipelines.quality import GateResult
from pipelines.warehouse.sql_runner import held_by_another_process
from tests.mart_fixtures import MIN_CELL_SIZE, asked, good_rows, write_warehouse

ROOT = Path(__file__).resolve().parents[3]


def accept(mart, df, min_cell_size):
    """Stands in for the GX gate, which test_quality_gate.py covers."""
    return GateResult(mart, True, 0, (), None)


def publish(warehouse: Path, marts_dir: Path, wave: int, run_id: str = "run"):
    with duckdb.connect(str(warehouse)) as con:
        return publish_wave(
            con,
            wave,
            marts_dir=marts_dir,
            inputs={"x": "0" * 64},
            code_version="c" * 64,
            run_id=run_id,
            min_cell_size=MIN_CELL_SIZE,
            gate=accept,
        )


@pytest.fixture
def released(tmp_path):
    """2018 once; 2020 twice, the second time with corrected figures (v0002)."""
    warehouse = tmp_path / "warehouse.duckdb"
    marts_dir = tmp_path / "marts"
    write_warehouse(warehouse)
    publish(warehouse, marts_dir, 2018)
    publish(warehouse, marts_dir, 2020)
    write_warehouse(warehouse, waves=(2020,), bump=0.02)
    publish(warehouse, marts_dir, 2020)
    return marts_dir


def read(catalog: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(catalog), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_views_hold_the_latest_version_of_every_wave(released):
    catalog = build_catalog(released)
    assert catalog == released.resolve() / "barometer.duckdb"
    for mart in MARTS:
        counts = read(catalog, f"SELECT wave, count(*) FROM {mart} GROUP BY wave ORDER BY wave")
        assert counts == [(w, len(good_rows(mart, w))) for w in (2018, 2020) if asked(mart, w)]
    first = "SELECT estimate FROM innovation WHERE measure = 'innovative' AND breakdown = 'total'"
    assert read(catalog, first + " AND wave = 2020") == [(0.75 + 0.02,)]
    assert read(catalog, first + " AND wave = 2018") == [(0.75,)]

    releases = read(catalog, "SELECT mart, wave, version, is_latest, rows FROM releases")
    expected = [
        (mart, wave, version, latest, len(good_rows(mart, wave)))
        for mart in MARTS
        for wave, version, latest in ((2018, "v0001", True), (2020, "v0001", False))
        + ((2020, "v0002", True),)
        if asked(mart, wave)
    ]
    assert releases == expected
    for path, manifest, created in read(
        catalog, "SELECT path, manifest_path, created FROM releases"
    ):
        assert Path(path).is_file() and Path(manifest).is_file()
        assert isinstance(created, datetime)
    storage = read(
        catalog, "SELECT tags['storage_version'] FROM duckdb_databases() WHERE NOT internal"
    )
    assert storage == [("v1.0.0+",)]
    assert sorted(p.name for p in released.iterdir() if p.is_file()) == [
        "barometer.duckdb",
        "barometer.sql",
    ]


def test_views_name_parquet_by_absolute_path_and_work_from_any_directory(
    released, tmp_path, monkeypatch
):
    catalog = build_catalog(released)
    views = dict(read(catalog, "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal"))
    assert set(views) == {*PUBLISHED_MARTS, "releases", "release_files"}
    absolute = f"'{released.resolve()}/wave=2020/v0002/innovation.parquet'"
    assert absolute in views["innovation"]
    assert "'wave=" not in views["innovation"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert read(catalog, "SELECT count(*) FROM failures") == [
        (2 * len(good_rows("failures", 2020)),)
    ]


def test_every_view_and_column_says_what_it_holds(released):
    catalog = build_catalog(released)
    views = dict(read(catalog, "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal"))
    assert views["innovation"] == MART["innovation"].description
    assert views["differences"] == "Whether the groups of each table of the wave differ."
    for mart in PUBLISHED_MARTS:
        comments = read(
            catalog,
            f"SELECT column_name, comment FROM duckdb_columns() WHERE table_name = '{mart}'",
        )
        assert comments == [(c.name, c.description) for c in SHAPES[mart].columns]


def test_the_sql_file_builds_the_same_views(released):
    catalog = build_catalog(released)
    with duckdb.connect() as con:
        con.execute((released / CATALOG_SQL).read_text())
        for view in (*MARTS, "releases"):
            query = f"SELECT * FROM {view} ORDER BY ALL"
            assert con.sql(query).fetchall() == read(catalog, query)


def test_a_mart_without_releases_still_has_a_typed_empty_view(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    write_warehouse(warehouse, waves=(2018,))
    publish(warehouse, tmp_path / "marts", 2018)
    catalog = build_catalog(tmp_path / "marts")
    spec = [(c.name, c.type) for c in ESTIMATES.columns]
    for mart in MARTS:
        assert read(catalog, f"SELECT column_name, column_type FROM (DESCRIBE {mart})") == spec
    assert read(catalog, "SELECT count(*) FROM reform_pressure") == [(0,)]

    empty = build_catalog(tmp_path / "nothing yet")
    assert read(empty, "SELECT count(*) FROM innovation") == [(0,)]
    assert read(empty, "SELECT column_name, column_type FROM (DESCRIBE releases)") == list(
        RELEASES_COLUMNS
    )
    assert read(empty, "SELECT count(*) FROM releases") == [(0,)]


WRITER = textwrap.dedent(
    """
    import sys
    import duckdb
    sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
    from mart_fixtures import write_warehouse
    from pipelines.publish import build_catalog, publish_wave
    from pipelines.quality import GateResult

    warehouse, marts_dir, rounds = sys.argv[2], sys.argv[3], int(sys.argv[4])
    con = duckdb.connect(warehouse)  # the pipeline's write connection, held throughout
    for i in range(rounds):
        con.execute("UPDATE mart_innovation SET estimate = estimate + 0.001 "
                    "WHERE measure = 'innovative' AND NOT suppressed")
        publish_wave(con, 2020, marts_dir=marts_dir, inputs={"x": "0" * 64},
                     code_version="c" * 64, run_id=f"run-{i}", min_cell_size=10,
                     gate=lambda mart, df, m: GateResult(mart, True, 0, (), None))
        build_catalog(marts_dir)
        if i == 0:
            print("ready", flush=True)
    sys.stdin.readline()
    con.close()
    """
)


def test_the_catalog_opens_read_only_while_a_run_writes(tmp_path):
    """An analyst opens the catalog read-only while a run holds the warehouse and publishes
    versions: every open that succeeds reads one whole version, and the versions are seen
    in turn. DuckDB reads a file's headers and its blocks in separate opens, so an open
    that straddles the swap of a new catalog fails (decision 56): never for the writer's
    lock, and at most once per new catalog."""
    warehouse = tmp_path / "warehouse.duckdb"
    marts_dir = tmp_path / "marts"
    write_warehouse(warehouse, waves=(2020,))
    # versions published while the reader reads: enough to be seen in turn (the reader
    # polls without pause; each round is a publication, about half a second)
    rounds = 6
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(ROOT), str(warehouse), str(marts_dir), str(rounds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "ready\n"
        with pytest.raises(duckdb.IOException) as locked:
            duckdb.connect(str(warehouse), read_only=True)  # the warehouse is the run's
        assert held_by_another_process(locked.value)
        seen, straddled = set(), []
        deadline = time.monotonic() + 60
        while f"v{rounds:04d}" not in seen and time.monotonic() < deadline:
            # as an analyst opens it: DuckDB itself, no retry (decision 56)
            try:
                con = duckdb.connect(str(marts_dir / "barometer.duckdb"), read_only=True)
            except duckdb.Error as error:
                # an open that straddled a swap: never the writer's lock
                assert not held_by_another_process(error), error
                straddled.append(str(error))
                continue
            with con:
                rows = con.sql("SELECT count(*) FROM innovation").fetchall()
                latest = con.sql("SELECT DISTINCT version FROM releases WHERE is_latest").fetchall()
            assert rows == [(len(good_rows("innovation", 2020)),)]
            assert len(latest) == 1
            seen.add(latest[0][0])
        writer.stdin.write("done\n")
        writer.stdin.close()
        assert writer.wait(timeout=60) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
    assert len(seen) > 1  # the catalog was read while new versions were being published
    # an open fails only across a swap, one a new catalog at most (opens follow each other)
    assert len(straddled) < rounds, straddled
    final = read(marts_dir / "barometer.duckdb", "SELECT version FROM releases WHERE is_latest")
    assert final == [(f"v{rounds:04d}",)] * len([m for m in MARTS if asked(m, 2020)])


def test_the_pipelines_readers_open_again_after_an_open_that_straddled_a_swap(
    tmp_path, monkeypatch
):
    """`make sql` and the run's summary open the catalog with open_read_only: an open that
    failed across a swap is made again (the third fails for good), a lock is not waited
    out."""
    catalog = tmp_path / "barometer.duckdb"
    duckdb.connect(str(catalog)).close()
    real = duckdb.connect
    failures: list[str] = []

    def connect(database, read_only):
        if failures:
            raise duckdb.IOException(failures.pop(0))
        return real(database, read_only=read_only)

    monkeypatch.setattr(duckdb, "connect", connect)
    straddled = "IO Error: No more data remaining in MetadataReader"
    failures[:] = [straddled] * (OPEN_ATTEMPTS - 1)
    with open_read_only(catalog) as con:
        assert con.sql("SELECT 1").fetchall() == [(1,)]
    failures[:] = [straddled] * OPEN_ATTEMPTS
    with pytest.raises(duckdb.IOException, match="MetadataReader"):
        open_read_only(catalog)
    failures[:] = ["IO Error: Could not set lock on file: Conflicting lock is held", straddled]
    with pytest.raises(duckdb.IOException, match="lock"):
        open_read_only(catalog)
    assert failures == [straddled]  # not opened again
