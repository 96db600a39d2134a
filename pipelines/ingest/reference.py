"""The reference dimensions in the warehouse, built from the SSB files in data/raw/reference."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.provenance import reference_fingerprints
from pipelines.warehouse import label_tables
from pipelines.warehouse.schema import REFERENCE_INPUTS
from pipelines.warehouse.sql_runner import run_model


def build_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> None:
    """Create ``ref_municipality`` and the label tables (replacing earlier ones)."""
    missing = [
        name
        for name in (
            "municipalities_2019.csv",
            "municipalities_2020.csv",
            "municipalities_2024.csv",
            "municipality_changes_2019_2020.csv",
            "counties.csv",
        )
        if not (reference_dir / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"{reference_dir}: reference file(s) missing: {', '.join(missing)}")
    read_from = reference_fingerprints(reference_dir)
    run_model(con, "ingest/reference/ref_municipality", reference_dir=str(reference_dir))
    if reference_fingerprints(reference_dir) != read_from:
        raise RuntimeError(f"{reference_dir}: the reference files changed while being read")
    # what the tables were built from, named in the manifests of the releases made from them
    con.execute(REFERENCE_INPUTS.ddl(replace=True))
    con.execute(
        "INSERT INTO reference_inputs SELECT unnest($names), unnest($digests)",
        {"names": list(read_from), "digests": list(read_from.values())},
    )
    label_tables.write_label_tables(con)
