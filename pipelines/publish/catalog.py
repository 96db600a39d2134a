"""The analyst catalog: a small DuckDB file holding only views over released Parquet.

`<marts_dir>/barometer.duckdb` has one view per mart over the LATEST version of
every wave, `releases` listing every version of every release, and `release_files` every
file of every version with its format and whom it serves. Analysts
open it read-only and never touch the private warehouse. Views name Parquet
files by absolute path, because DuckDB resolves a relative path in a view
against the reader's working directory, not the catalog's folder.
`barometer.sql` holds the same statements for other clients.
"""

from __future__ import annotations

import os
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.marts.measures import PUBLISHED_MARTS, description
from pipelines.marts.shapes import SHAPES
from pipelines.publish.layout import (
    MANIFEST,
    latest_version,
    read_manifest,
    release_dirs,
    version_number,
    versions,
)
from pipelines.publish.opendata import OPEN_DATA
from pipelines.publish.opendata.formats import format_of
from pipelines.warehouse.sql_runner import held_by_another_process

CATALOG = "barometer.duckdb"
CATALOG_SQL = "barometer.sql"
RELEASES_VIEW = "releases"
FILES_VIEW = "release_files"
# Storage format readable by DuckDB 1.0 and later, not only by the version that built it.
STORAGE_VERSION = "v1.0.0"


@dataclass(frozen=True)
class ReleasedFile:
    mart: str
    wave: int
    version: str
    created: datetime
    rows: int
    is_latest: bool
    path: str
    manifest_path: str


RELEASES_COLUMNS = (
    ("mart", "VARCHAR"),
    ("wave", "INTEGER"),
    ("version", "VARCHAR"),
    ("created", "TIMESTAMP"),
    ("rows", "BIGINT"),
    ("is_latest", "BOOLEAN"),
    ("path", "VARCHAR"),
    ("manifest_path", "VARCHAR"),
)


@dataclass(frozen=True)
class VersionFile:
    wave: int
    version: str
    file: str
    format: str
    serves: str
    bytes: int
    sha256: str
    is_latest: bool
    path: str


FILES_COLUMNS = (
    ("wave", "INTEGER"),
    ("version", "VARCHAR"),
    ("file", "VARCHAR"),
    ("format", "VARCHAR"),
    ("serves", "VARCHAR"),
    ("bytes", "BIGINT"),
    ("sha256", "VARCHAR"),
    ("is_latest", "BOOLEAN"),
    ("path", "VARCHAR"),
)


# DuckDB opens a database file three times when it opens it read-only: for its magic
# bytes, for its headers, then for its blocks (strace shows it). An open whose three straddle
# build_catalog's os.replace takes the old catalog's headers to the new one's blocks, and
# fails ("No more data remaining in MetadataReader"); opening again reads the new catalog
# whole (docs/design.md, decision 56).
OPEN_ATTEMPTS = 3


def open_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    """``database`` opened read-only, opened again where an open straddled the swap of a new
    catalog. A lock is not retried: a writer that holds it holds it on the next open too."""
    for _ in range(OPEN_ATTEMPTS - 1):
        try:
            return duckdb.connect(str(database), read_only=True)
        except duckdb.Error as error:
            if held_by_another_process(error):
                raise
    return duckdb.connect(str(database), read_only=True)


def build_catalog(marts_dir: Path) -> Path:
    """(Re)build barometer.duckdb and barometer.sql from the releases; returns the catalog path.

    Both are written beside themselves and swapped in with os.replace: a reader
    opens either the previous catalog or the new one (an open that straddles the swap
    fails, and the next one reads the new catalog: open_read_only).
    """
    marts_dir = Path(marts_dir).resolve()
    marts_dir.mkdir(parents=True, exist_ok=True)
    sql = catalog_sql(marts_dir)
    sql_tmp = marts_dir / f".{CATALOG_SQL}.tmp"
    sql_tmp.write_text(sql, encoding="utf-8")
    os.replace(sql_tmp, marts_dir / CATALOG_SQL)

    db_tmp = marts_dir / f".{CATALOG}.tmp"
    for leftover in (db_tmp, db_tmp.with_name(db_tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(db_tmp), config={"storage_compatibility_version": STORAGE_VERSION})
    try:
        con.execute(sql)
    finally:
        con.close()
    os.replace(db_tmp, marts_dir / CATALOG)
    return marts_dir / CATALOG


@dataclass(frozen=True)
class _Version:
    wave: int
    folder: Path
    manifest: dict
    is_latest: bool


def _versions(marts_dir: Path) -> list[_Version]:
    """Every version under `marts_dir` with its manifest, by wave and version."""
    found = []
    for wave, release in release_dirs(marts_dir).items():
        latest = latest_version(release)
        for version in versions(release):
            found.append(
                _Version(
                    wave, release / version, read_manifest(release / version), version == latest
                )
            )
    return found


def released_files(marts_dir: Path) -> list[ReleasedFile]:
    """Every Parquet file of every version under `marts_dir`, by mart, wave and version."""
    found = [
        ReleasedFile(
            mart=file["mart"],
            wave=v.wave,
            version=v.folder.name,
            created=datetime.fromisoformat(v.manifest["created"]).replace(tzinfo=None),
            rows=file["rows"],
            is_latest=v.is_latest,
            path=str((v.folder / file["path"]).resolve()),
            manifest_path=str((v.folder / MANIFEST).resolve()),
        )
        for v in _versions(marts_dir)
        for file in v.manifest["files"]
    ]
    return sorted(
        found, key=lambda f: (PUBLISHED_MARTS.index(f.mart), f.wave, version_number(f.version))
    )


def version_files(marts_dir: Path) -> list[VersionFile]:
    """Every data file of every version under `marts_dir` (its Parquet and open-data files,
    as its manifest lists them), by wave, version and name."""
    found = [
        VersionFile(
            wave=v.wave,
            version=v.folder.name,
            file=file["path"],
            format=format_of(file["path"]).name,
            serves=format_of(file["path"]).serves,
            bytes=file["bytes"],
            sha256=file["sha256"],
            is_latest=v.is_latest,
            path=str((v.folder / file["path"]).resolve()),
        )
        for v in _versions(marts_dir)
        for file in [*v.manifest["files"], *v.manifest.get(OPEN_DATA, [])]
    ]
    return sorted(found, key=lambda f: (f.wave, version_number(f.version), f.file))


def catalog_sql(marts_dir: Path) -> str:
    files = released_files(Path(marts_dir).resolve())
    latest = {
        mart: [f.path for f in files if f.mart == mart and f.is_latest] for mart in PUBLISHED_MARTS
    }
    statements = [
        "-- Analyst catalog of the Innovasjonsbarometeret marts: views over the released\n"
        "-- Parquet, generated by pipelines/publish/catalog.py. Do not edit; republish instead.",
        *(_mart_view(mart, paths) + "\n" + _comments(mart) for mart, paths in latest.items()),
        _values_view(RELEASES_VIEW, RELEASES_COLUMNS, [astuple(f) for f in files]),
        _values_view(
            FILES_VIEW,
            FILES_COLUMNS,
            [astuple(f) for f in version_files(Path(marts_dir).resolve())],
        )
        + f"\nCOMMENT ON VIEW {FILES_VIEW} IS "
        + _literal("Every file of every released version: its format and whom it serves.")
        + ";",
    ]
    return "\n\n".join(statements) + "\n"


def _mart_view(mart: str, paths: list[str]) -> str:
    typed = tuple((c.name, c.type) for c in SHAPES[mart].columns)
    if not paths:
        return _values_view(mart, typed, [])
    columns = ", ".join(name for name, _ in typed)
    listed = ",\n    ".join(_literal(p) for p in paths)
    # A wave=NNNN folder would otherwise be read as a hive partition column.
    return (
        f"CREATE OR REPLACE VIEW {mart} AS\nSELECT {columns}\n"
        f"FROM read_parquet([\n    {listed}\n], hive_partitioning = false);"
    )


def _comments(mart: str) -> str:
    """What the view and each of its columns hold, for `duckdb_views()` and `duckdb_columns()`."""
    return "\n".join(
        [
            f"COMMENT ON VIEW {mart} IS {_literal(description(mart))};",
            *(
                f"COMMENT ON COLUMN {mart}.{c.name} IS {_literal(c.description)};"
                for c in SHAPES[mart].columns
            ),
        ]
    )


def _values_view(name: str, columns: tuple[tuple[str, str], ...], rows: list[tuple]) -> str:
    """A view over literal rows, typed by `columns`; with no rows, typed and empty."""
    listed = rows or [(None,) * len(columns)]
    values = ",\n    ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in listed)
    names = ", ".join(column for column, _ in columns)
    casts = ", ".join(f"CAST({column} AS {sql_type}) AS {column}" for column, sql_type in columns)
    where = "" if rows else "\nWHERE false"
    return (
        f"CREATE OR REPLACE VIEW {name} AS\nSELECT {casts}\n"
        f"FROM (VALUES\n    {values}\n) AS r({names}){where};"
    )


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
    return "'" + str(value).replace("'", "''") + "'"
