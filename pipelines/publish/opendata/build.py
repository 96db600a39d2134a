"""Make every open-data file of a version (a module of its own: the writers import rdflib,
which a run that publishes no new version never needs)."""

from __future__ import annotations

from pipelines.publish.opendata import ReleaseRecord
from pipelines.publish.opendata.datapackage import datapackage_files
from pipelines.publish.opendata.dcat import dcat_files
from pipelines.publish.opendata.jsonstat import jsonstat_files
from pipelines.publish.opendata.workbook import workbook_files


def open_data_files(record: ReleaseRecord) -> dict[str, bytes]:
    """Every open-data file of the version, by name, made from its Parquet and record. The
    catalogue entry describes the others, so it is made last."""
    files = {**jsonstat_files(record), **workbook_files(record), **datapackage_files(record)}
    return dict(sorted({**files, **dcat_files(record, files)}.items()))
