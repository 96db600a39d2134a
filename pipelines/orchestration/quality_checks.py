"""The quality gate in Dagster: each mart's blocking check `quality_gate`, once per mart and
wave. Its evaluations are the gate's only record; publishing takes their verdicts.

A check records with its verdict the data version of the rows it judged (their digest, which
the mart's asset reports as its `DataVersion`), the code version it judged them by (the
suites are code), the minimum cell size and, for a pass, the validation result, from which
a new version's quality pages are rendered (pipelines/quality/pages.py). The result
describes the mart's aggregates: no respondent row is in it.

A check whose mart has the data version, code and minimum cell size of an earlier passing
evaluation of the same check takes that evaluation's verdict and result from the Dagster
instance instead of validating again, so a warm run of unchanged waves validates nothing
(which otherwise takes most of its time). A failure is never reused; its Data Docs are
rendered into the private quality folder, and nothing of it is published.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import TYPE_CHECKING

import dagster as dg

from pipelines import paths
from pipelines.orchestration.check_history import latest_passes
from pipelines.provenance import code_version

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from pipelines.publish.release import Gate
    from pipelines.quality.mart_validation import GateResult

CHECK = "quality_gate"
DATA_VERSION = "data_version"
CODE_VERSION = "code_version"
MIN_CELL_SIZE = "min_cell_size"
VALIDATION = "validation"
# The check's metadata entry naming the run whose passing evaluation it reused.
REUSED = "reused_from_run"
# How many of a check's latest evaluations are searched for a pass to reuse. A wave's latest
# pass is behind at most the evaluations of the other waves run since: 100 leaves room for
# far more waves than the survey has (one every two years) and failures between them, and a
# pass further back only costs one validation more.
_SEARCHED = 100


def data_version(df: pd.DataFrame) -> str:
    """The digest of one wave of a mart as published: its rows, in order, and its columns."""
    # imported here: pandas costs about half a second, which a run with nothing to do skips
    import pandas as pd

    rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
    return hashlib.sha256(rows.tobytes() + ",".join(df.columns).encode()).hexdigest()


@cache
def _code() -> str:
    # hashing the code takes about half a second: once per process, and only where a check runs
    return code_version()


def _judged_by(version: str, min_cell_size: int) -> dict:
    """What a verdict stands for: the rows' data version, the code and the minimum cell
    size; an earlier pass is taken only for all three."""
    return {DATA_VERSION: version, CODE_VERSION: _code(), MIN_CELL_SIZE: min_cell_size}


def gate_mart(mart: str, df: pd.DataFrame, min_cell_size: int) -> GateResult:
    """Validate one wave of ``mart``, in the GX worker if `make run` started one (taking a
    validation the mart's asset began), else here; a failure's Data Docs go to the private
    folder."""
    # GX costs seconds to import: only a process that validates pays for it
    from pipelines.quality import worker

    return worker.validate(mart, df, min_cell_size, paths.quality_docs_dir(), data_version(df))


def begin_gate(
    instance: dg.DagsterInstance, mart: str, table: pa.Table, min_cell_size: int
) -> None:
    """Where `make run` started a GX worker, begin validating one wave of ``mart`` (``table``,
    as read_wave reads it) there as soon as it is built, unless the check will take an
    earlier pass (pipelines/quality/worker.py): the check then takes the verdict, made while
    the run built the next marts."""
    from pipelines.quality import worker

    if worker.running() is None:
        return
    df = table.to_pandas()
    wanted = _judged_by(data_version(df), min_cell_size)
    if _earlier_pass(instance, mart, wanted) is None:
        worker.begin_validation(
            mart, df, min_cell_size, paths.quality_docs_dir(), wanted[DATA_VERSION]
        )


def _values(evaluation: dg.AssetCheckEvaluation) -> dict:
    return {key: value.value for key, value in evaluation.metadata.items()}


def _as_pass(mart: str, metadata: dict) -> GateResult:
    # imported here: the quality package loads pandas, which a run with nothing to do skips
    from pipelines.quality.mart_validation import GateResult

    return GateResult(mart, True, metadata["expectations"], (), None, metadata[VALIDATION])


def _earlier_pass(
    instance: dg.DagsterInstance, mart: str, wanted: dict
) -> tuple[GateResult, str] | None:
    """The latest passing evaluation of ``mart``'s check with the ``wanted`` metadata (data
    version, code version, minimum cell size), as a verdict, with the run it was made in."""
    key = dg.AssetCheckKey(dg.AssetKey(mart), CHECK)
    for record in latest_passes(instance, key, wanted[DATA_VERSION], _SEARCHED):
        # stored evaluations only: a check that is planned or running has not passed
        evaluation = record.event.dagster_event.event_specific_data
        metadata = _values(evaluation)
        # a failure is never reused, whatever the storage's status said
        if evaluation.passed and wanted.items() <= metadata.items() and VALIDATION in metadata:
            return _as_pass(mart, metadata), record.run_id
    return None


def gate_check(
    context: dg.AssetCheckExecutionContext, mart: str, table: pa.Table, min_cell_size: int
) -> dg.AssetCheckResult:
    """The blocking check's result for one wave of ``mart``: an earlier pass of the same
    data, code and minimum cell size, or a new validation."""
    df = table.to_pandas()
    wanted = _judged_by(data_version(df), min_cell_size)
    earlier = _earlier_pass(context.instance, mart, wanted)
    result, reused = earlier if earlier is not None else (gate_mart(mart, df, min_cell_size), None)
    metadata = {"expectations": result.evaluated, **wanted}
    metadata["failed"] = dg.MetadataValue.json([str(f) for f in result.failures])
    if result.docs_index is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(result.docs_index))
    if result.validation is not None:
        metadata[VALIDATION] = dg.MetadataValue.json(result.validation)
    if reused is not None:
        metadata[REUSED] = reused
    return dg.AssetCheckResult(
        asset_key=mart,
        check_name=CHECK,
        passed=result.success,
        description=None if result.success else str(result),
        metadata=metadata,
    )


def checked_gate(context: dg.AssetExecutionContext) -> Gate:
    """The gate publishing takes: the verdict of this run's check of the same mart, data
    version and minimum cell size; where the run has none (a run that redoes only a wave's
    changes, a release materialized without its checks), an earlier pass of the same data,
    code and minimum cell size; else a new validation."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    passes = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        metadata = _values(evaluation)
        if evaluation.check_name == CHECK and evaluation.passed and VALIDATION in metadata:
            mart = evaluation.asset_key.to_user_string()
            found = (mart, metadata[MIN_CELL_SIZE], metadata[DATA_VERSION])
            passes[found] = _as_pass(mart, metadata)

    def gate(mart: str, df: pd.DataFrame, min_cell_size: int) -> GateResult:
        version = data_version(df)
        checked = passes.get((mart, min_cell_size, version))
        if checked is not None:
            return checked
        wanted = _judged_by(version, min_cell_size)
        earlier = _earlier_pass(context.instance, mart, wanted)
        return earlier[0] if earlier is not None else gate_mart(mart, df, min_cell_size)

    return gate
