"""The formats of a release version's files, and whom each serves.

The catalog's `release_files`, `make run`'s summary and docs/publishing.md name the formats
from this one table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    mediatype: str
    # whom the format serves, in a phrase (the catalog's `release_files.serves`)
    serves: str


PARQUET = Format(
    "Parquet",
    "application/vnd.apache.parquet",
    "analysts with DuckDB, pandas, R or Spark: the rows as published, typed",
)
JSON_STAT = Format(
    "JSON-stat 2.0",
    "application/json",
    "statbank-style tools and web charts (as SSB's PxWebApi serves tables): one dataset per mart",
)
DATA_PACKAGE = Format(
    "Data Package 2.0",
    "application/json",
    "Frictionless tools and data portals: the Parquet files' schema, licence and checksums",
)
DCAT = Format(
    "DCAT-AP-NO 2.0 (Turtle)",
    "text/turtle",
    "data.norge.no and other catalogues: the release's catalogue entry",
)
WORKBOOK = Format(
    "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "readers who open files by double-click: one sheet per mart, with a legend",
)


def format_of(file_name: str) -> Format:
    """The format of a file of a version, by its name."""
    if file_name.endswith(".parquet"):
        return PARQUET
    if file_name.endswith(".jsonstat.json"):
        return JSON_STAT
    if file_name == "datapackage.json":
        return DATA_PACKAGE
    if file_name == "dcat.ttl":
        return DCAT
    if file_name.endswith(".xlsx"):
        return WORKBOOK
    raise ValueError(f"{file_name}: not a file a release version holds")


def file_entry(name: str, data: bytes) -> dict:
    """A file as the manifest's `open_data` lists it."""
    return {
        "path": name,
        "format": format_of(name).name,
        "mediatype": format_of(name).mediatype,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
