"""Every published version carries its open-data files (docs/publishing.md, "Open data"):
listed in its manifest with their sha256, rebuilt byte for byte from its Parquet and record,
and named in the analyst catalog with whom each serves."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.layout import latest_version, read_manifest, release_dirs
from pipelines.publish.opendata import OPEN_DATA, RELEASE_DIGEST, read_record, release_digest
from pipelines.publish.opendata.build import open_data_files
from pipelines.publish.opendata.formats import format_of

SAMPLE_WAVES = (2018, 2020, 2024)


def latest_folders(marts_dir: Path) -> dict[int, Path]:
    return {w: r / latest_version(r) for w, r in release_dirs(marts_dir).items()}


def test_every_version_holds_the_files_its_manifest_lists(published):
    folders = latest_folders(published)
    assert sorted(folders) == list(SAMPLE_WAVES)
    for wave, folder in folders.items():
        manifest = read_manifest(folder)
        marts = [f["mart"] for f in manifest["files"]]
        listed = {f["path"]: f for f in manifest[OPEN_DATA]}
        assert sorted(listed) == sorted(
            [f"{mart}.jsonstat.json" for mart in marts]
            + ["datapackage.json", "dcat.ttl", f"barometer-{wave}.xlsx"]
        )
        on_disk = {p.name for p in folder.iterdir() if p.is_file()}
        parquet = {f["path"] for f in manifest["files"]}
        assert on_disk == {*parquet, *listed, "manifest.json"}
        for name, entry in listed.items():
            data = (folder / name).read_bytes()
            assert entry["bytes"] == len(data) > 0
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
            assert (entry["format"], entry["mediatype"]) == (
                format_of(name).name,
                format_of(name).mediatype,
            )


def test_the_open_data_is_rebuilt_byte_for_byte_from_the_version(published, tmp_path):
    """From a copy of the version alone (its Parquet and manifest), elsewhere on disk: the
    files carry nothing of the warehouse, the clock or the folder they were made in."""
    for wave, folder in latest_folders(published).items():
        copy = tmp_path / f"wave={wave}" / folder.name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("*.json*", "*.ttl", "*.xlsx"))
        shutil.copy(folder / "manifest.json", copy)
        manifest = read_manifest(copy)
        assert manifest[RELEASE_DIGEST] == release_digest(manifest)
        rebuilt = open_data_files(read_record(copy))
        assert rebuilt == {
            f["path"]: (folder / f["path"]).read_bytes() for f in manifest[OPEN_DATA]
        }


def test_the_release_digest_changes_with_the_record(published):
    folder = latest_folders(published)[2020]
    manifest = read_manifest(folder)
    assert release_digest(manifest) == manifest[RELEASE_DIGEST]
    # the digest covers the record, not the list of open-data files (which it is written into)
    assert release_digest({**manifest, OPEN_DATA: []}) == manifest[RELEASE_DIGEST]
    assert (
        release_digest({**manifest, "created": "2030-01-01T00:00:00Z"}) != manifest[RELEASE_DIGEST]
    )
    tampered = json.loads(json.dumps(manifest))
    tampered["files"][0]["sha256"] = "0" * 64
    assert release_digest(tampered) != manifest[RELEASE_DIGEST]


def test_the_catalog_lists_every_file_with_whom_it_serves(published):
    with duckdb.connect(str(published / "barometer.duckdb"), read_only=True) as con:
        rows = con.sql(
            "SELECT wave, version, file, format, serves, bytes, sha256, path FROM release_files "
            "WHERE is_latest ORDER BY wave, file"
        ).fetchall()
        comment = con.sql(
            "SELECT comment FROM duckdb_views() WHERE view_name = 'release_files'"
        ).fetchall()
    assert comment == [("Every file of every released version: its format and whom it serves.",)]
    expected = []
    for wave, folder in latest_folders(published).items():
        manifest = read_manifest(folder)
        for entry in [*manifest["files"], *manifest[OPEN_DATA]]:
            kind = format_of(entry["path"])
            expected.append(
                (
                    wave,
                    folder.name,
                    entry["path"],
                    kind.name,
                    kind.serves,
                    entry["bytes"],
                    entry["sha256"],
                    str((folder / entry["path"]).resolve()),
                )
            )
    assert rows == sorted(expected, key=lambda r: (r[0], r[2]))
    formats = {r[3] for r in rows}
    assert formats == {
        "Parquet",
        "JSON-stat 2.0",
        "Data Package 2.0",
        "DCAT-AP-NO 2.0 (Turtle)",
        "Excel workbook",
    }


def test_a_file_no_version_holds_has_no_format():
    with pytest.raises(ValueError, match="notes.txt: not a file a release version holds"):
        format_of("notes.txt")


def test_make_run_says_where_the_open_data_is(published, monkeypatch):
    from pipelines.orchestration.run import summary

    monkeypatch.setenv("BAROMETER_MARTS_DIR", str(published))
    text = summary()
    for wave, folder in latest_folders(published).items():
        files = len(read_manifest(folder)[OPEN_DATA])
        line = f"  {wave} {folder.name}  {folder.resolve()}/  ({files} open-data files)"
        assert line in text.splitlines()
