"""The quality gate in Dagster: run by each mart's blocking check, once per mart and wave.

The check validates the wave's mart with its Great Expectations suite and records, with
its verdict, the digest of the data it validated. Publishing takes the verdict of this
run's check for the same mart, data and minimum cell size instead of validating again;
only a release materialized without its checks in the run gates the mart itself.

A pass is kept in the gate's private folder (``passed/``), one file per mart, minimum cell
size, data and code (the suites are code): the verdict with its validation result, from
which publishing renders the quality pages of the version (pipelines/quality/pages.py).
So a verdict taken from the run's check, or from an earlier run, brings its pages; and a
warm `make run` of unchanged waves does not validate the same bytes with the same rules
again, which otherwise takes most of its time. A failure is never kept: its pages are
rendered into the private folder, and nothing of it is published.
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
from pipelines.provenance import code_version
from pipelines.quality.validation import GateResult

CHECK = "quality_gate"
DIGEST = "data_sha256"
# The check's metadata entry naming the file its pass is kept in.
KEPT = "kept_pass"
# The private folder's subfolder of kept passes.
PASSED = "passed"


def digest(df: pd.DataFrame) -> str:
    rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes() + ",".join(df.columns).encode()).hexdigest()


@cache
def _code() -> str:
    return code_version()


def kept_pass(mart: str, min_cell_size: int, data_digest: str) -> Path:
    """The file a pass of ``mart`` on these data, with this minimum cell size and code,
    is kept in."""
    key = hashlib.sha256(f"{mart}:{min_cell_size}:{data_digest}:{_code()}".encode()).hexdigest()
    return paths.quality_docs_dir() / PASSED / f"{mart}-{key}.json"


def _recall(kept: Path) -> GateResult | None:
    try:
        known = json.loads(kept.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return GateResult(known["mart"], True, known["expectations"], (), None, known["validation"])


def _keep(kept: Path, result: GateResult) -> None:
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f".{kept.name}.tmp")
    passed = {
        "mart": result.mart,
        "expectations": result.evaluated,
        "validation": result.validation,
    }
    partial.write_text(json.dumps(passed, sort_keys=True), encoding="utf-8")
    os.replace(partial, kept)


def gate_mart(mart: str, df: pd.DataFrame, min_cell_size: int) -> GateResult:
    """``run_gate`` with a failure's Data Docs in the private folder and a pass kept there,
    or the pass kept for the same data, rules and code."""
    # GX costs seconds to import: only a process that validates pays for it
    from pipelines.quality.validation import run_gate

    kept = kept_pass(mart, min_cell_size, digest(df))
    known = _recall(kept)
    if known is not None:
        return known
    result = run_gate(mart, df, min_cell_size, paths.quality_docs_dir())
    if result.success:
        _keep(kept, result)
    return result


def gate_check(mart: str, table: pa.Table, min_cell_size: int) -> dg.AssetCheckResult:
    """The blocking check's result for one wave of ``mart``."""
    df = table.to_pandas()
    result = gate_mart(mart, df, min_cell_size)
    data = digest(df)
    where = {}
    if result.docs_index is not None:
        where["data_docs"] = dg.MetadataValue.path(str(result.docs_index))
    if result.success:
        where[KEPT] = dg.MetadataValue.path(str(kept_pass(mart, min_cell_size, data)))
    return dg.AssetCheckResult(
        asset_key=mart,
        check_name=CHECK,
        passed=result.success,
        description=None if result.success else str(result),
        metadata={
            "expectations": result.evaluated,
            "failed": dg.MetadataValue.json([str(f) for f in result.failures]),
            **where,
            "min_cell_size": min_cell_size,
            DIGEST: data,
        },
    )


def checked_gate(context: dg.AssetExecutionContext):
    """The gate publishing takes: the pass of this run's check of the same mart, data and
    minimum cell size, as kept, and ``gate_mart`` where the run has none."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    passes = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        metadata = {key: value.value for key, value in evaluation.metadata.items()}
        if evaluation.check_name != CHECK or not evaluation.passed or KEPT not in metadata:
            continue
        mart = evaluation.asset_key.to_user_string()
        passes[(mart, metadata["min_cell_size"], metadata[DIGEST])] = Path(metadata[KEPT])

    def gate(mart: str, df: pd.DataFrame, min_cell_size: int) -> GateResult:
        kept = passes.get((mart, min_cell_size, digest(df)))
        checked = _recall(kept) if kept is not None else None
        return checked if checked is not None else gate_mart(mart, df, min_cell_size)

    return gate
