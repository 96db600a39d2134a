"""The quality gate: a Great Expectations suite per mart, run on one wave of it.

GX runs on pandas (its SQL path is not used) in an in-memory context per Data
Docs folder, built once per process and reused. GX is imported inside the
functions that need it: importing it takes seconds, and modules that only
publish or read releases must not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.publish.marts import KEY
from pipelines.publish.privacy import check_min_cell_size
from pipelines.quality.expectations import MEASURES, expectations_for, with_helper_columns

if TYPE_CHECKING:
    import pandas as pd

DOCS_SITE = "quality"
_DATASOURCE = "marts"
_SHOWN = 5


@dataclass(frozen=True)
class GateFailure:
    """One failed expectation: GX's name for it, the rule, the column, what was found."""

    expectation: str
    rule: str
    column: str
    unexpected: tuple[str, ...]

    def __str__(self) -> str:
        found = "; ".join(self.unexpected) or "(no values reported)"
        return f"{self.expectation} on {self.column} ({self.rule}): {found}"


@dataclass(frozen=True)
class GateResult:
    mart: str
    success: bool
    evaluated: int
    failures: tuple[GateFailure, ...]
    docs_index: Path | None

    def summary(self) -> dict:
        return {
            "success": self.success,
            "expectations": self.evaluated,
            "failed": [str(f) for f in self.failures],
        }

    def __str__(self) -> str:
        head = f"{self.mart}: {len(self.failures)} of {self.evaluated} expectations failed"
        if self.docs_index is not None:
            head += f" (Data Docs: {self.docs_index})"
        return "\n".join([head, *(f"  - {f}" for f in self.failures)])


class QualityGateError(RuntimeError):
    def __init__(self, results: tuple[GateResult, ...]):
        self.results = tuple(results)
        super().__init__("quality gate failed:\n" + "\n".join(str(r) for r in self.results))


def run_gate(mart: str, df: pd.DataFrame, min_cell_size: int, docs_dir: Path | None) -> GateResult:
    """Validate one wave of `mart` and update the Data Docs in `docs_dir`.

    With `docs_dir` None no Data Docs are written (rendering them costs more
    than validating); the verdict and the failures are the same.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    if mart not in MEASURES:
        raise ValueError(f"unknown mart {mart!r}; the gate has suites for {tuple(MEASURES)}")
    check_min_cell_size(min_cell_size)
    docs_dir = Path(docs_dir).resolve() if docs_dir is not None else None
    frame = with_helper_columns(df)
    # Failing rows are named by their key; a frame missing a key column names them by the rest.
    index_columns = tuple(c for c in KEY if c in frame.columns)
    checkpoint = _checkpoint(docs_dir, mart, min_cell_size, index_columns)
    waves = sorted(frame["wave"].dropna().unique()) if "wave" in frame.columns else []
    run_name = "-".join([mart, "wave", *(str(w) for w in waves)])
    result = checkpoint.run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name)
    )
    (validation,) = result.run_results.values()
    return GateResult(
        mart=mart,
        success=bool(validation.success),
        evaluated=int(validation.statistics["evaluated_expectations"]),
        failures=tuple(_failure(r, index_columns) for r in validation.results if not r.success),
        docs_index=docs_dir / "index.html" if docs_dir is not None else None,
    )


@cache
def _context(docs_dir: Path | None):
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={} if docs_dir is None else {DOCS_SITE: _docs_site(docs_dir)},
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.data_sources.add_pandas(_DATASOURCE)
    return context


def _docs_site(docs_dir: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


@cache
def _suite(docs_dir: Path | None, mart: str, min_cell_size: int):
    import great_expectations as gx

    suite = gx.ExpectationSuite(
        name=f"{mart}_min_cell_size_{min_cell_size}",
        expectations=expectations_for(mart, min_cell_size),
    )
    return _context(docs_dir).suites.add(suite)


@cache
def _batch_definition(docs_dir: Path | None, mart: str):
    datasource = _context(docs_dir).data_sources.get(_DATASOURCE)
    return datasource.add_dataframe_asset(mart).add_batch_definition_whole_dataframe("one wave")


@cache
def _checkpoint(
    docs_dir: Path | None, mart: str, min_cell_size: int, index_columns: tuple[str, ...]
):
    import great_expectations as gx

    context = _context(docs_dir)
    suite = _suite(docs_dir, mart, min_cell_size)
    name = suite.name if index_columns == KEY else f"{suite.name}_by_{'_'.join(index_columns)}"
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=_batch_definition(docs_dir, mart), suite=suite)
    )
    docs = gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])
    return context.checkpoints.add(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[] if docs_dir is None else [docs],
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": _SHOWN,
                "unexpected_index_column_names": list(index_columns),
            },
        )
    )


def _failure(result, index_columns: tuple[str, ...]) -> GateFailure:
    config = result.expectation_config
    kwargs = config.kwargs
    if config.type.startswith("expect_table_"):
        column = "(table)"
    elif "column_A" in kwargs:
        column = f"{kwargs['column_A']}, {kwargs['column_B']}"
    else:
        column = kwargs.get("column") or ", ".join(kwargs.get("column_list", ()))
    return GateFailure(
        expectation=config.type,
        rule=config.description or "",
        column=column,
        unexpected=_unexpected(result, index_columns),
    )


def _unexpected(result, index_columns: tuple[str, ...]) -> tuple[str, ...]:
    """A few of the values that failed, as text, with the key of their rows where GX gives it."""
    errors = _exception_messages(result.exception_info)
    if errors:
        return tuple(f"error: {e}" for e in errors[:_SHOWN])
    found = result.result
    rows = found.get("partial_unexpected_index_list")
    if rows:
        return tuple(_row(r, index_columns) for r in rows[:_SHOWN])
    if found.get("partial_unexpected_list"):
        return tuple(_show(v) for v in found["partial_unexpected_list"][:_SHOWN])
    if found.get("details"):
        return (f"details {found['details']}",)
    return (f"observed {found.get('observed_value')!r}",)


def _exception_messages(info) -> list[str]:
    # GX reports either one {raised_exception, exception_message} or one per metric.
    entries = [info] if "raised_exception" in (info or {}) else list((info or {}).values())
    return [e["exception_message"] for e in entries if e.get("raised_exception")]


def _row(row: dict, index_columns: tuple[str, ...]) -> str:
    key = ", ".join(f"{c}={_show(row[c])}" for c in index_columns if c in row)
    values = ", ".join(f"{c}={_show(v)}" for c, v in row.items() if c not in index_columns)
    return f"row ({key}): {values}" if values else f"row ({key})"


def _show(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)
