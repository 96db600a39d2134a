"""The release a wave's page is made from: the version LATEST names, never the warehouse.

Its Parquet files are loaded into an in-memory DuckDB as tables named like the analyst
catalog's views (`innovation`, …, `changes`, `differences`), each file checked against the
sha256 its manifest records, so that the page shows exactly the published numbers. A mart
the version has no file of is an empty table of its shape.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.marts.measures import PUBLISHED_MARTS
from pipelines.marts.shapes import SHAPES
from pipelines.publish.layout import MANIFEST, PublishedVersion, latest_published


class UnpublishedError(RuntimeError):
    pass


def published_version(marts_dir: Path, wave: int) -> PublishedVersion:
    """The version LATEST names for `wave`; an error when the wave has none yet."""
    version = latest_published(marts_dir, wave)
    if version is None:
        raise UnpublishedError(
            f"wave {wave} has no release in {marts_dir}: the report shows a release, "
            "so materialize release for the wave first"
        )
    return version


@contextmanager
def opened(version: PublishedVersion) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB holding the marts of `version`, one table per published mart."""
    text = (version.path / MANIFEST).read_bytes()
    if hashlib.sha256(text).hexdigest() != version.manifest_sha256:
        raise UnpublishedError(f"{version.path / MANIFEST}: changed since it was read")
    manifest = json.loads(text)
    con = duckdb.connect()
    try:
        files = {f["mart"]: f for f in manifest["files"]}
        for mart in PUBLISHED_MARTS:
            rows = _verified(version.path, files[mart]) if mart in files else _empty(mart)
            con.register("published_rows", rows)
            con.execute(f"CREATE TABLE {mart} AS SELECT * FROM published_rows")
            con.unregister("published_rows")
        yield con
    finally:
        con.close()


def _verified(folder: Path, file: dict) -> pa.Table:
    """A file of the version, if its bytes are those its manifest names."""
    data = (folder / file["path"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != file["sha256"]:
        raise UnpublishedError(
            f"{folder / file['path']}: its sha256 differs from the manifest's; a published "
            "version is never changed, so it was changed by hand — inspect it"
        )
    return pq.read_table(pa.BufferReader(data))


def _empty(mart: str) -> pa.Table:
    return SHAPES[mart].arrow_schema.empty_table()
