"""The quality gate in Dagster: run by each mart's blocking check, once per mart and wave.

The check validates the wave's mart with its Great Expectations suite and records, with
its verdict, the digest of the data it validated. Publishing takes the verdict of this
run's check for the same mart, data and minimum cell size instead of validating again;
only a release materialized without its checks in the run gates the mart itself.

A pass is also remembered across runs, in the private folder of the Data Docs, for the
same data, minimum cell size and code (the suites are code): validating the same bytes
with the same rules gives the same verdict, and a warm `make run` of three unchanged waves
otherwise spends most of its time re-validating them. A failure is never remembered.
"""

import hashlib
import json
import os
from functools import cache
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from pipelines import paths
from pipelines.publish.fingerprint import code_version
from pipelines.quality.gate import GateResult

CHECK = "quality_gate"
DIGEST = "data_sha256"
PASSED = "passed.json"


def digest(df: pd.DataFrame) -> str:
    rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes() + ",".join(df.columns).encode()).hexdigest()


@cache
def _code() -> str:
    return code_version()


def _passed(docs_dir: Path) -> dict[str, dict]:
    try:
        return json.loads((docs_dir / PASSED).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _remember(docs_dir: Path, key: str, result: GateResult) -> None:
    passed = {**_passed(docs_dir), key: {"mart": result.mart, "expectations": result.evaluated}}
    docs_dir.mkdir(parents=True, exist_ok=True)
    partial = docs_dir / f".{PASSED}.tmp"
    partial.write_text(json.dumps(passed, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, docs_dir / PASSED)


def gate_mart(mart: str, df: pd.DataFrame, min_cell_size: int) -> GateResult:
    """``run_gate`` with Data Docs in the private folder (publishing copies them beside a
    new version), or the pass remembered for the same data, rules and code."""
    # GX costs seconds to import: only a process that validates pays for it
    from pipelines.quality.gate import run_gate

    docs_dir = paths.quality_docs_dir()
    remembered = f"{mart}:{min_cell_size}:{digest(df)}:{_code()}"
    known = _passed(docs_dir).get(remembered)
    if known is not None:
        return GateResult(mart, True, known["expectations"], (), docs_dir / "index.html")
    result = run_gate(mart, df, min_cell_size, docs_dir)
    if result.success:
        _remember(docs_dir, remembered, result)
    return result


def gate_check(mart: str, table: pa.Table, min_cell_size: int) -> dg.AssetCheckResult:
    """The blocking check's result for one wave of ``mart``."""
    df = table.to_pandas()
    result = gate_mart(mart, df, min_cell_size)
    return dg.AssetCheckResult(
        asset_key=mart,
        check_name=CHECK,
        passed=result.success,
        description=None if result.success else str(result),
        metadata={
            "expectations": result.evaluated,
            "failed": dg.MetadataValue.json([str(f) for f in result.failures]),
            "data_docs": dg.MetadataValue.path(str(result.docs_index)),
            "min_cell_size": min_cell_size,
            DIGEST: digest(df),
        },
    )


def checked_gate(context: dg.AssetExecutionContext):
    """The gate publishing takes: the passing verdict of this run's check of the same mart,
    data and minimum cell size, and ``gate_mart`` where the run has none."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    verdicts = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        metadata = {key: value.value for key, value in evaluation.metadata.items()}
        if evaluation.check_name != CHECK or not evaluation.passed or DIGEST not in metadata:
            continue
        mart = evaluation.asset_key.to_user_string()
        verdicts[(mart, metadata["min_cell_size"], metadata[DIGEST])] = GateResult(
            mart, True, metadata["expectations"], (), Path(metadata["data_docs"])
        )

    def gate(mart: str, df: pd.DataFrame, min_cell_size: int) -> GateResult:
        checked = verdicts.get((mart, min_cell_size, digest(df)))
        return checked if checked is not None else gate_mart(mart, df, min_cell_size)

    return gate
