"""The changes into a wave come from the earlier waves' releases, at full precision, and say
which: the warehouse keeps each version's full-precision rows (release_estimates), the
manifest lists the versions compared with (`compared_with`), and a new version of an earlier
wave makes the later waves stale until they run again — by `make run`, which runs the
earliest wave first, and by the delivery sensor.

A wave's run is, for these tests, what its job does after the marts: `changes`, then
`release`, on small hand-made marts (tests/mart_fixtures.py) in a warehouse of the
pipeline's own tables.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipelines.estimation import comparisons
from pipelines.estimation.comparisons import ChangesError
from pipelines.marts.measures import MARTS
from pipelines.marts.shapes import ESTIMATES
from pipelines.orchestration import run
from pipelines.orchestration.automation import COMPARED_TAG, delivery_digest, delivery_sensor
from pipelines.orchestration.interrupts import StopRequest
from pipelines.publish import publish_wave
from pipelines.publish import release as release_module
from pipelines.publish.layout import latest_before, read_manifest
from pipelines.quality import GateResult
from pipelines.warehouse.mart_tables import mart_tables_sql
from pipelines.warehouse.sql_runner import insert_rows, run_sql
from tests.mart_fixtures import (
    MIN_CELL_SIZE,
    asked,
    cell_records,
    create_cell_records_table,
    good_rows,
)

CODE = "c" * 64
# A share that rounds (marts.md §8: three decimals) to something else.
FINE = 0.0123456789


def inputs(wave: int, frame: str = "1") -> dict[str, str]:
    return {f"{wave}/responses.csv": "0" * 64, f"{wave}/frame.csv": frame * 64}


def accept(mart, df, min_cell_size):
    return GateResult(mart, True, 1, (), None)


def estimate(con: duckdb.DuckDBPyConnection, wave: int, bump: float = 0.0) -> None:
    """The wave's estimate marts (re)made: the hand-made rows, the first estimate of each
    mart moved by ``bump``."""
    run_sql(con, mart_tables_sql())
    create_cell_records_table(con)
    con.execute("DELETE FROM mart_estimates WHERE wave = $wave", {"wave": wave})
    con.execute("DELETE FROM mart_cell_scores WHERE wave = $wave", {"wave": wave})
    for mart in MARTS:
        if asked(mart, wave):
            made = good_rows(mart, wave, bump)
            rows = pa.Table.from_pylist(made, schema=ESTIMATES.arrow_schema)
            con.register("new_rows", rows)
            con.execute("INSERT INTO mart_estimates SELECT $mart, * FROM new_rows", {"mart": mart})
            con.unregister("new_rows")
            insert_rows(con, "mart_cell_scores", cell_records(mart, made))


def run_wave(con, marts_dir: Path, wave: int, frame: str = "1"):
    """What the wave's job does after its marts: its changes, then its release."""
    comparisons.build_changes(con, wave, latest_before(marts_dir, wave))
    return publish_wave(
        con,
        wave,
        marts_dir=marts_dir,
        inputs=inputs(wave, frame),
        code_version=CODE,
        run_id=f"run of {wave}",
        min_cell_size=MIN_CELL_SIZE,
        gate=accept,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compared(marts_dir: Path, wave: int, version: str) -> dict:
    """How a manifest's compared_with names a version."""
    manifest = marts_dir / f"wave={wave}" / version / "manifest.json"
    return {"wave": wave, "version": version, "manifest_sha256": sha256(manifest)}


@pytest.fixture
def con():
    con = duckdb.connect()
    for wave in (2018, 2020, 2024):
        estimate(con, wave)
    yield con
    con.close()


def test_the_manifest_names_each_release_compared_with(con, tmp_path):
    marts = tmp_path / "marts"
    first = run_wave(con, marts, 2018)
    assert read_manifest(first.path)["compared_with"] == []
    run_wave(con, marts, 2020)
    latest = run_wave(con, marts, 2024)
    assert read_manifest(latest.path)["compared_with"] == [
        compared(marts, 2018, "v0001"),
        compared(marts, 2020, "v0001"),
    ]
    # the changes published with 2024 are those of exactly these releases
    changes = pq.read_table(latest.path / "changes.parquet")
    assert set(changes["wave_from"].to_pylist()) == {2018, 2020}
    assert set(changes["wave_to"].to_pylist()) == {2024}


def test_a_new_version_of_an_earlier_wave_makes_a_new_version_of_the_later(con, tmp_path):
    """Even when no number changes: 2018's new version differs by its inputs only."""
    marts = tmp_path / "marts"
    run_wave(con, marts, 2018)
    before = run_wave(con, marts, 2020)
    assert run_wave(con, marts, 2020).created_new is False  # nothing changed, nothing made

    corrected = run_wave(con, marts, 2018, frame="2")  # a corrected frame file, same numbers
    assert (corrected.version, corrected.created_new) == ("v0002", True)
    after = run_wave(con, marts, 2020)
    assert (after.version, after.created_new) == ("v0002", True)
    assert read_manifest(after.path)["compared_with"] == [compared(marts, 2018, "v0002")]
    files = {f["mart"]: f["sha256"] for f in read_manifest(after.path)["files"]}
    assert files == {f["mart"]: f["sha256"] for f in read_manifest(before.path)["files"]}
    assert run_wave(con, marts, 2020).created_new is False


def test_changes_are_computed_at_full_precision(con, tmp_path):
    """The releases publish rounded estimates (marts.md §8); the changes are computed from
    the full-precision rows the warehouse kept of the earlier release, then rounded."""
    marts = tmp_path / "marts"
    estimate(con, 2018)
    # the hand-made rows are at published precision; the warehouse holds full precision
    con.execute(
        "UPDATE mart_estimates SET estimate = 0.75 + $fine WHERE wave = 2018 "
        "AND mart = 'innovation' AND measure = 'innovative' AND breakdown = 'total'",
        {"fine": FINE},
    )
    earlier = run_wave(con, marts, 2018)
    run_wave(con, marts, 2020)

    total = "measure = 'innovative' AND breakdown = 'total'"
    [(full,)] = con.execute(
        f"SELECT estimate FROM mart_innovation WHERE wave = 2018 AND {total}"
    ).fetchall()
    [(kept,)] = con.execute(
        f"SELECT estimate FROM release_estimates WHERE wave = 2018 AND {total} "
        "AND mart = 'innovation'"
    ).fetchall()
    published = pq.read_table(earlier.path / "innovation.parquet").filter(
        (pc.field("measure") == "innovative") & (pc.field("breakdown") == "total")
    )
    assert full == kept == 0.75 + FINE
    assert published["estimate"].to_pylist() == [0.762]
    [(estimate_from, difference)] = con.execute(
        f"SELECT estimate_from, difference FROM mart_changes WHERE wave_to = 2020 AND {total} "
        "AND mart = 'innovation'"
    ).fetchall()
    assert estimate_from == full
    assert difference == 0.75 - full != 0.75 - 0.762


def test_the_rows_of_each_version_are_kept_and_a_crashed_attempts_replaced(
    con, tmp_path, monkeypatch
):
    marts = tmp_path / "marts"
    run_wave(con, marts, 2018)
    estimate(con, 2018, bump=0.01)
    with monkeypatch.context() as patched:
        real = release_module._fsync

        def crash(folder):
            if folder.name == ".staging":
                raise OSError("power cut before the version appeared")
            real(folder)

        patched.setattr(release_module, "_fsync", crash)
        with pytest.raises(OSError, match="power cut"):
            run_wave(con, marts, 2018)
    estimate(con, 2018, bump=0.02)
    assert run_wave(con, marts, 2018).version == "v0002"

    first = "measure = 'innovative' AND breakdown = 'total' AND mart = 'innovation'"
    kept = con.execute(
        f"SELECT version, estimate FROM release_estimates WHERE wave = 2018 AND {first} "
        "ORDER BY version"
    ).fetchall()
    assert kept == [("v0001", 0.75), ("v0002", 0.77)]
    [(rows,)] = con.execute(
        "SELECT count(*) FROM release_estimates WHERE version = 'v0002'"
    ).fetchall()
    assert rows == sum(len(good_rows(m, 2018)) for m in MARTS if asked(m, 2018))


def test_missing_rows_of_an_earlier_release_name_the_wave_to_run_again(con, tmp_path):
    """A warehouse built afresh beside published releases: 2020's changes cannot be made until
    2018 runs again, which keeps the rows of its version without making a new one."""
    marts = tmp_path / "marts"
    run_wave(con, marts, 2018)
    con.execute("DELETE FROM release_estimates")
    with pytest.raises(ChangesError) as missing:
        run_wave(con, marts, 2020)
    assert str(missing.value) == (
        "the changes into 2020 compare with the latest release of every earlier wave, but the "
        "warehouse holds no full-precision rows (release_estimates) of 2018 v0001: run wave "
        "2018 again (publishing records them), then wave 2020"
    )
    assert run_wave(con, marts, 2018).created_new is False
    assert run_wave(con, marts, 2020).version == "v0001"


def test_make_run_runs_the_earliest_wave_first(monkeypatch):
    ran = []

    class Job:
        def execute_in_process(self, partition_key, **_):
            ran.append(partition_key)
            return type("Result", (), {"success": True})()

    monkeypatch.setattr(run, "wave_job", Job)
    monkeypatch.setattr(run, "run_tags", lambda wave, entry: {})
    instance = dg.DagsterInstance.ephemeral()
    assert run.run_waves(instance, [2024, 2018, 2020], StopRequest()) == []
    assert ran == ["2018", "2020", "2024"]


@pytest.fixture
def deliveries(tmp_path, monkeypatch) -> Path:
    """Complete delivery folders of 2018 and 2020 (their bytes do not matter here), and the
    marts folder the sensor reads."""
    raw = tmp_path / "raw"
    for folder in ("reference", "2018", "2020"):
        (raw / folder).mkdir(parents=True)
    (raw / "reference" / "municipalities.csv").write_text("kommunenr\n0301\n")
    for wave in ("2018", "2020"):
        (raw / wave / "responses.csv").write_text("resp_id\n1\n")
        (raw / wave / "frame.csv").write_text("sektor,n_population\n1,10\n")
    monkeypatch.setenv("BAROMETER_RAW_DIR", str(raw))
    monkeypatch.setenv("BAROMETER_MARTS_DIR", str(tmp_path / "marts"))
    return raw


def test_the_sensor_runs_a_wave_again_when_an_earlier_wave_has_a_new_version(con, deliveries):
    marts = deliveries.parent / "marts"
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("wave", ["2018", "2020"])
    done = json.dumps({w: delivery_digest(int(w)) for w in ("2018", "2020")}, sort_keys=True)

    def evaluate(cursor: str = done):
        return delivery_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))

    run_wave(con, marts, 2018)
    run_wave(con, marts, 2020)
    assert isinstance(evaluate(), dg.SkipReason)

    run_wave(con, marts, 2018, frame="2")  # 2018 v0002
    [request] = evaluate().run_requests
    assert request.partition_key == "2020"
    now = [compared(marts, 2018, "v0002")]
    state = hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()
    assert (request.run_key, request.tags[COMPARED_TAG]) == (f"2020-compared-{state}", state)
    # the same state asks for the same run: Dagster starts one per run key
    assert [r.run_key for r in evaluate().run_requests] == [request.run_key]

    # while 2018's delivery is about to run, 2020 waits for what it will publish
    (deliveries / "2018" / "frame.csv").write_text("sektor,n_population\n1,11\n")
    assert [r.partition_key for r in evaluate().run_requests] == ["2018"]

    run_wave(con, marts, 2020)  # compares with 2018 v0002
    assert isinstance(
        evaluate(json.dumps({"2018": delivery_digest(2018), "2020": delivery_digest(2020)})),
        dg.SkipReason,
    )
