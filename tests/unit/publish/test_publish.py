"""Releases: manifest contents, determinism, immutability, crash safety, privacy."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sample
from pipelines.marts.disclosure_rules import MinCellSizeError
from pipelines.marts.measures import COMPARISON_MARTS, MARTS
from pipelines.marts.shapes import ESTIMATES, SHAPES
from pipelines.provenance import PROJECT_ROOT, code_version
from pipelines.publish import (
    MartTableError,
    PrivacyError,
    PublishError,
    publish_wave,
    wave_fingerprints,
)
from pipelines.publish import release as release_module
from pipelines.publish.layout import LATEST, LOCK, STAGING, release_dir, versions
from pipelines.publish.opendata import release_digest
from pipelines.quality import GateFailure, GateResult, QualityGateError
from pipelines.warehouse.mart_tables import warehouse_table
from tests.loaded_modules import loaded_after
from tests.mart_fixtures import MIN_CELL_SIZE, asked, good_rows, write_warehouse

INPUTS = {"2020/responses.sav": "1" * 64, "reference/counties.csv": "2" * 64}
CODE = "c" * 64


class AcceptingGate:
    """Stands in for the GX gate (tested in test_quality_gate.py): accepts, and records
    what it was shown, so the tests can check that every published mart went through it."""

    def __init__(self, failing: str | None = None):
        self.failing = failing
        self.seen: dict[str, pd.DataFrame] = {}

    def __call__(self, mart, df, min_cell_size):
        assert min_cell_size == MIN_CELL_SIZE
        self.seen[mart] = df
        failures = (GateFailure("expect_x", "a rule", "estimate", ("row (...)",)),)
        bad = mart == self.failing
        return GateResult(mart, not bad, 1, failures if bad else (), None)


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    write_warehouse(path)
    return path


def publish(warehouse, marts_dir, wave=2020, gate=None, inputs=INPUTS, run_id="run-1"):
    with duckdb.connect(str(warehouse)) as con:
        return publish_wave(
            con,
            wave,
            marts_dir=marts_dir,
            inputs=inputs,
            code_version=CODE,
            run_id=run_id,
            min_cell_size=MIN_CELL_SIZE,
            gate=gate or AcceptingGate(),
        )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_rows(mart, wave, bump=0.0):
    return sorted(good_rows(mart, wave, bump), key=lambda r: tuple(r[k] for k in ESTIMATES.key))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every visible file under `folder` with its bytes (dot files are not releases)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def test_first_release_files_and_manifest(warehouse, tmp_path):
    marts_dir = tmp_path / "marts"
    gate = AcceptingGate()
    before = datetime.now(UTC).replace(microsecond=0)
    release = publish(warehouse, marts_dir, gate=gate)
    after = datetime.now(UTC)

    folder = marts_dir / "wave=2020" / "v0001"
    assert (release.wave, release.version, release.created_new) == (2020, "v0001", True)
    assert (release.path, release.manifest_path) == (folder, folder / "manifest.json")
    assert (marts_dir / "wave=2020" / LATEST).read_text() == "v0001\n"
    open_data = sorted(
        [f"{m}.jsonstat.json" for m in MARTS]
        + ["barometer-2020.xlsx", "datapackage.json", "dcat.ttl"]
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{m}.parquet" for m in MARTS] + ["manifest.json", *open_data]
    )

    manifest = json.loads(release.manifest_path.read_text())
    assert manifest["release_digest"] == release_digest(manifest)
    assert [f["path"] for f in manifest.pop("open_data")] == open_data  # test_open_data_release
    manifest.pop("release_digest")
    created = datetime.fromisoformat(manifest.pop("created"))
    assert before <= created <= after and created.tzinfo == UTC
    files = manifest.pop("files")
    assert manifest == {
        "manifest_format": 2,
        "wave": 2020,
        "version": "v0001",
        "previous_version": None,
        "run_id": "run-1",
        "code_version": CODE,
        "min_cell_size": MIN_CELL_SIZE,
        "inputs": INPUTS,
        "compared_with": [],  # no changes made: tests/unit/estimation/test_changes_from_releases.py
        "schema": {
            mart: [{"name": c.name, "type": c.type} for c in shape.columns]
            for mart, shape in SHAPES.items()
        },
        "parquet": {**release_module.PARQUET_OPTIONS, "writer": pa.__version__},
        "marts_without_rows": list(COMPARISON_MARTS),
        "quality_gate": {
            "passed": True,
            "marts": {m: {"success": True, "expectations": 1, "failed": []} for m in MARTS},
        },
    }
    assert [f["mart"] for f in files] == list(MARTS)
    for entry in files:
        path = folder / entry["path"]
        assert entry["path"] == f"{entry['mart']}.parquet"
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == sha256(path)
        table = pq.read_table(path)
        assert table.schema.equals(ESTIMATES.arrow_schema)
        assert entry["rows"] == table.num_rows == len(good_rows(entry["mart"], 2020))
        # Rows in key order, values exactly as in the warehouse.
        assert table.to_pylist() == expected_rows(entry["mart"], 2020)
        assert b"ARROW:schema" in pq.read_metadata(path).metadata
    assert set(gate.seen) == set(MARTS)
    shown = pa.Table.from_pylist(expected_rows("failures", 2020), schema=ESTIMATES.arrow_schema)
    pd.testing.assert_frame_equal(gate.seen["failures"], shown.to_pandas())


def test_a_wave_without_a_mart_publishes_the_others(warehouse, tmp_path):
    gate = AcceptingGate()
    release = publish(warehouse, tmp_path / "marts", wave=2018, gate=gate)
    manifest = json.loads(release.manifest_path.read_text())
    assert [f["mart"] for f in manifest["files"]] == [m for m in MARTS if asked(m, 2018)]
    assert manifest["marts_without_rows"] == ["reform_pressure", *COMPARISON_MARTS]
    assert not (release.path / "reform_pressure.parquet").exists()
    assert "reform_pressure" not in gate.seen


def test_a_wave_with_no_rows_at_all_is_refused(warehouse, tmp_path):
    with pytest.raises(PublishError, match="no mart table has rows for wave 2024"):
        publish(warehouse, tmp_path / "marts", wave=2024)
    assert not (tmp_path / "marts" / "wave=2024").exists()


def test_publishing_identical_inputs_and_data_again_makes_no_new_version(warehouse, tmp_path):
    marts_dir = tmp_path / "marts"
    first = publish(warehouse, marts_dir)
    before = snapshot(marts_dir)
    again = publish(warehouse, marts_dir, run_id="run-2")
    assert (again.version, again.created_new, again.path) == ("v0001", False, first.path)
    assert snapshot(marts_dir) == before
    assert not (marts_dir / "wave=2020" / STAGING).exists()


def test_rebuilding_from_scratch_gives_byte_identical_parquet(warehouse, tmp_path):
    first = publish(warehouse, tmp_path / "a")
    # The same data stored in another physical order, published into a fresh folder.
    with duckdb.connect(str(warehouse)) as con:
        for mart in MARTS:
            table = warehouse_table(mart)
            con.execute(f"CREATE OR REPLACE TABLE {table} AS FROM {table} ORDER BY random()")
    second = publish(warehouse, tmp_path / "b", run_id="run-2")
    for mart in MARTS:
        name = f"{mart}.parquet"
        assert (first.path / name).read_bytes() == (second.path / name).read_bytes()


def test_changed_data_or_inputs_make_a_new_version_and_keep_the_old(warehouse, tmp_path):
    marts_dir = tmp_path / "marts"
    first = publish(warehouse, marts_dir)
    old = snapshot(first.path)

    write_warehouse(warehouse, bump=0.01)
    second = publish(warehouse, marts_dir, run_id="run-2")
    assert (second.version, second.created_new) == ("v0002", True)
    manifest = json.loads(second.manifest_path.read_text())
    assert manifest["previous_version"] == "v0001"
    assert manifest["run_id"] == "run-2"
    changed = {f["mart"] for f in manifest["files"]} - {
        f["mart"]
        for f in manifest["files"]
        if (first.path / f["path"]).read_bytes() == (second.path / f["path"]).read_bytes()
    }
    assert changed == set(MARTS)  # every mart's first estimate moved
    assert pq.read_table(second.path / "innovation.parquet").to_pylist() == expected_rows(
        "innovation", 2020, bump=0.01
    )

    third = publish(warehouse, marts_dir, inputs={**INPUTS, "2020/frame.csv": "3" * 64})
    assert (third.version, third.created_new) == ("v0003", True)
    assert snapshot(first.path) == old
    assert versions(marts_dir / "wave=2020") == ["v0001", "v0002", "v0003"]
    assert (marts_dir / "wave=2020" / LATEST).read_text() == "v0003\n"


def _fail_on_call(monkeypatch, name: str, call: int):
    real = getattr(release_module, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == call:
            raise OSError(f"disk full while in {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(release_module, name, failing)


@pytest.mark.parametrize(
    ("writer", "call"),
    [("_write_parquet", 2), ("_write_parquet", len(MARTS)), ("_write_manifest", 1)],
    ids=["after the first file", "at the last file", "after the files, at the manifest"],
)
def test_a_crash_while_writing_leaves_the_previous_version(
    warehouse, tmp_path, monkeypatch, writer, call
):
    marts_dir = tmp_path / "marts"
    publish(warehouse, marts_dir)
    before = snapshot(marts_dir)
    write_warehouse(warehouse, bump=0.01)

    with monkeypatch.context() as patched:
        _fail_on_call(patched, writer, call)
        with pytest.raises(OSError, match="disk full"):
            publish(warehouse, marts_dir, run_id="run-2")
    assert snapshot(marts_dir) == before  # v0001 and LATEST untouched, no v0002
    assert (marts_dir / "wave=2020" / STAGING).is_dir()  # the half version is hidden

    rerun = publish(warehouse, marts_dir, run_id="run-3")
    assert (rerun.version, rerun.created_new) == ("v0002", True)
    assert not (marts_dir / "wave=2020" / STAGING).exists()
    assert (marts_dir / "wave=2020" / LATEST).read_text() == "v0002\n"
    manifest = json.loads(rerun.manifest_path.read_text())
    assert [f["sha256"] for f in manifest["files"]] == [
        sha256(rerun.path / f["path"]) for f in manifest["files"]
    ]


def test_a_crash_before_pointing_latest_is_completed_by_the_next_run(
    warehouse, tmp_path, monkeypatch
):
    marts_dir = tmp_path / "marts"
    publish(warehouse, marts_dir)
    write_warehouse(warehouse, bump=0.01)
    with monkeypatch.context() as patched:
        _fail_on_call(patched, "_point_latest", 1)
        with pytest.raises(OSError):
            publish(warehouse, marts_dir, run_id="run-2")
    release = marts_dir / "wave=2020"
    assert (release / LATEST).read_text() == "v0001\n"
    assert versions(release) == ["v0001", "v0002"]  # complete, with its manifest

    rerun = publish(warehouse, marts_dir, run_id="run-3")
    assert (rerun.version, rerun.created_new) == ("v0002", False)
    assert (release / LATEST).read_text() == "v0002\n"
    assert json.loads(rerun.manifest_path.read_text())["run_id"] == "run-2"


def test_a_failing_gate_publishes_nothing(warehouse, tmp_path):
    marts_dir = tmp_path / "marts"
    publish(warehouse, marts_dir)
    before = snapshot(marts_dir)
    write_warehouse(warehouse, bump=0.01)
    with pytest.raises(QualityGateError) as raised:
        publish(warehouse, marts_dir, gate=AcceptingGate(failing="factors"))
    assert "factors: 1 of 1 expectations failed" in str(raised.value)
    assert "expect_x on estimate (a rule): row (...)" in str(raised.value)
    assert snapshot(marts_dir) == before


@pytest.mark.parametrize(
    ("group", "change", "shown"),
    [
        ("5", "estimate = 0.4, suppressed = false", "n=7 with estimate=0.4"),
        ("1", "n = NULL", "n=None with estimate=0.25, ci_lower=0.2, ci_upper=0.3"),
    ],
    ids=["small n", "unknown n"],
)
def test_an_estimate_for_a_small_cell_is_never_published(warehouse, tmp_path, group, change, shown):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"UPDATE {warehouse_table('failures')} SET {change} "
            f"WHERE group_code = '{group}' AND measure = 'failed_attempt' AND wave = 2020"
        )
    with pytest.raises(PrivacyError) as raised:
        publish(warehouse, tmp_path / "marts")
    message = str(raised.value)
    assert message.startswith("mart_failures (wave 2020): refusing to publish 1 row(s)")
    assert "minimum cell size 10" in message
    assert (
        "row (wave=2020, measure='failed_attempt', item='', breakdown='sector', "
        f"group_code='{group}'): {shown}" in message
    )
    assert not (tmp_path / "marts").exists()


def test_a_lone_hidden_group_is_never_published(warehouse, tmp_path):
    """marts.md §5: with its secondary partner shown, sector 5 could be worked back."""
    marts_dir = tmp_path / "marts"
    publish(warehouse, marts_dir)
    before = snapshot(marts_dir)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"UPDATE {warehouse_table('failures')} SET suppression = 'none', suppressed = false, "
            "estimate = 0.3, ci_lower = 0.2, ci_upper = 0.4, se = 0.05, deff = 1.1 "
            "WHERE group_code = '2' AND measure = 'failed_attempt' AND wave = 2020"
        )
    with pytest.raises(PrivacyError) as raised:
        publish(warehouse, marts_dir)
    assert str(raised.value) == (
        "mart_failures (wave 2020): refusing to publish what would disclose a suppressed cell:\n"
        "  table (wave=2020, measure='failed_attempt', item='', breakdown='sector') has exactly "
        "one suppressed group of 3: it can be worked back from the others"
    )
    assert snapshot(marts_dir) == before


def test_a_suppressed_row_with_a_number_is_never_published(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"UPDATE {warehouse_table('innovation')} SET se = 0.01 "
            "WHERE group_code = '2' AND measure = 'innovative' AND wave = 2020"
        )
    with pytest.raises(PrivacyError, match="is secondary-suppressed but carries numbers"):
        publish(warehouse, tmp_path / "marts")
    assert not (tmp_path / "marts").exists()


@pytest.mark.parametrize("size", [4, 0])
def test_a_minimum_cell_size_below_5_is_refused(warehouse, tmp_path, size):
    with (
        duckdb.connect(str(warehouse)) as con,
        pytest.raises(MinCellSizeError, match=f"minimum cell size {size} is below the floor of 5"),
    ):
        publish_wave(
            con,
            2020,
            marts_dir=tmp_path,
            inputs=INPUTS,
            code_version=CODE,
            run_id="r",
            min_cell_size=size,
            gate=AcceptingGate(),
        )


def test_only_tables_of_the_mart_shape_are_published(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"ALTER TABLE {warehouse_table('culture_index')} ADD COLUMN fritekst VARCHAR")
    with pytest.raises(MartTableError, match=r"mart_culture_index: columns .*'fritekst'"):
        publish(warehouse, tmp_path / "marts")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"DROP TABLE {warehouse_table('culture_index')}")
    with pytest.raises(MartTableError, match="warehouse table mart_culture_index does not exist"):
        publish(warehouse, tmp_path / "marts")


def test_fingerprints_must_be_sha256(warehouse, tmp_path):
    with pytest.raises(PublishError, match="'2020/frame.csv' = 'data/raw/2020/frame.csv'"):
        publish(warehouse, tmp_path, inputs={"2020/frame.csv": "data/raw/2020/frame.csv"})


def test_one_run_publishes_a_wave_at_a_time(warehouse, tmp_path):
    folder = release_dir(tmp_path / "marts", 2020)
    folder.mkdir(parents=True)
    with (folder / LOCK).open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(PublishError, match="another run is publishing this wave"):
            publish(warehouse, tmp_path / "marts")
    assert versions(folder) == []


def test_wave_fingerprints_hash_delivery_codebook_and_reference(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2020").mkdir(parents=True)
    (raw / "reference").mkdir()
    (raw / "2020" / "responses.sav").write_bytes(b"spss bytes")
    (raw / "2020" / "frame.csv").write_text("sektor,n_population\n1,100\n")
    (raw / "reference" / "counties.csv").write_text("county_code\n03\n")
    codebooks = tmp_path / "codebooks"
    codebooks.mkdir()
    (codebooks / "2020.toml").write_text("wave = 2020\n")

    prints = wave_fingerprints(raw, 2020, codebook_dir=codebooks)
    assert prints == {
        "2020/frame.csv": hashlib.sha256(b"sektor,n_population\n1,100\n").hexdigest(),
        "2020/responses.sav": hashlib.sha256(b"spss bytes").hexdigest(),
        "reference/counties.csv": hashlib.sha256(b"county_code\n03\n").hexdigest(),
        "codebook/2020.toml": hashlib.sha256(b"wave = 2020\n").hexdigest(),
    }
    with pytest.raises(FileNotFoundError, match=r"raw/2024: no input files"):
        wave_fingerprints(raw, 2024, codebook_dir=codebooks)


def test_code_version_depends_on_code_only(tmp_path):
    def tree(root: Path, query: str = "select 1") -> Path:
        for relative, text in {
            "sql/estimation/marts/innovation.sql": query,
            "pipelines/publish/release.py": "x = 1\n",
            "pipelines/survey/codebooks/2020.toml": "wave = 2020\n",
        }.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text)
        return root

    here, clone = tree(tmp_path / "here"), tree(tmp_path / "elsewhere" / "clone")
    assert code_version(here) == code_version(clone)
    (clone / "pipelines" / "__pycache__").mkdir()
    (clone / "pipelines" / "__pycache__" / "release.cpython-311.pyc").write_bytes(b"\0")
    (clone / "docs.md").write_text("notes")
    assert code_version(here) == code_version(clone)
    assert code_version(tree(tmp_path / "changed", query="select 2")) != code_version(here)
    assert len(code_version()) == 64


def test_editing_the_sample_generator_leaves_the_code_version_alone(tmp_path):
    """The generator is a tool beside the product: a release's code version names the code
    that made its marts, so a new generator makes no release look like new code."""
    generator = Path(sample.__file__).parent.relative_to(PROJECT_ROOT)
    for folder in ("pipelines", "sql", generator):
        shutil.copytree(
            PROJECT_ROOT / folder,
            tmp_path / folder,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    before = code_version(tmp_path)
    assert before == code_version()  # the copy holds everything the real one hashes

    with (tmp_path / generator / "generator.py").open("a") as f:
        f.write("# edited\n")
    assert code_version(tmp_path) == before
    with (tmp_path / "pipelines" / "estimation" / "transform.py").open("a") as f:
        f.write("# edited\n")
    assert code_version(tmp_path) != before


def test_importing_publish_does_not_import_great_expectations():
    assert "great_expectations" not in loaded_after("import pipelines.publish")
