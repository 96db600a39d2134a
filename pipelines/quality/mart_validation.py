"""The quality gate: a Great Expectations suite per mart, run on one wave of it.

GX runs on pandas (its SQL path is not used) in an in-memory context per Data
Docs folder, built once per process and reused. GX is imported inside the
functions that need it: importing it takes seconds, and modules that only
publish or read releases must not pay for it.

What the gate costs (measured with `make bench`). A suite is validated with GX's BASIC
result format, which does not look up the rows behind what is unexpected; where it fails,
the expectations that failed (and only they: validating a suite costs about 10 ms an
expectation, whatever the data) are validated again with SUMMARY, which names the failing
rows by their key, and their results replace the BASIC ones (the verdict does not depend
on the format, only the detail does). While a suite is validated, GX builds each
expectation's configuration and filters each row condition's rows once
(validation_caches.py), which halves what an expectation costs.

Data Docs. A failing validation is rendered at once into the gate's Data Docs folder
(in the pipeline the private one beside the warehouse), so that its failure can be read
before anything is published; nothing makes it public. A passing validation is not
rendered here: its result goes with the verdict (`GateResult.validation`), and
publishing renders the pages of a version from the results of the marts it publishes,
into that version (pipelines/quality/pages.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.marts.disclosure_rules import check_min_cell_size
from pipelines.marts.shapes import SHAPES
from pipelines.quality.expectations import expectations_for
from pipelines.quality.helper_columns import with_helper_columns
from pipelines.quality.pages import DOCS_SITE, kept_validation, site_context
from pipelines.quality.validation_caches import validating

if TYPE_CHECKING:
    import pandas as pd

_DATASOURCE = "marts"
_SHOWN = 5
_VERDICT = {"result_format": "BASIC"}
# Suites whose page a Data Docs folder already has (rendered once per process).
_rendered_suites: set[tuple[Path, str]] = set()


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
    """The verdict on one wave of a mart. ``docs_index``: the Data Docs index that shows a
    failing validation (None for a pass). ``validation``: a passing validation's result,
    from which publishing renders the version's pages (pages.kept_validation; None for a
    failure, or a gate that keeps none)."""

    mart: str
    success: bool
    evaluated: int
    failures: tuple[GateFailure, ...]
    docs_index: Path | None
    validation: dict | None = field(default=None, repr=False, compare=False)

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
    """Validate one wave of `mart`.

    A failing result is rendered at once into `docs_dir` (with `docs_dir` None nothing is
    rendered; the verdict and the failures are the same); a passing one is returned with
    its validation result for the pages of the version that publishes it.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    if mart not in SHAPES:
        raise ValueError(f"unknown mart {mart!r}; the gate has suites for {tuple(SHAPES)}")
    check_min_cell_size(min_cell_size)
    docs_dir = Path(docs_dir).resolve() if docs_dir is not None else None
    shape = SHAPES[mart]
    frame = with_helper_columns(mart, df)
    # Failing rows are named by their key; a frame missing a key column names them by the rest.
    index_columns = tuple(c for c in shape.key if c in frame.columns)
    definition = _definition(docs_dir, mart, min_cell_size)
    wave = shape.wave_column
    waves = sorted(frame[wave].dropna().unique()) if wave in frame.columns else []
    run_id = RunIdentifier(run_name="-".join([mart, "wave", *(str(w) for w in waves)]))
    batch = {"dataframe": frame}
    with validating():
        validation = definition.run(batch_parameters=batch, result_format=_VERDICT, run_id=run_id)
        if not validation.success:
            _detail_failures(definition, batch, validation, index_columns)
    result_key, suite_key = _keys(definition.suite.name, run_id, validation.batch_id)
    passed = bool(validation.success)
    if docs_dir is not None and not passed:
        _render(docs_dir, result_key, suite_key, validation)
    return GateResult(
        mart=mart,
        success=passed,
        evaluated=int(validation.statistics["evaluated_expectations"]),
        failures=tuple(_failure(r, index_columns) for r in validation.results if not r.success),
        docs_index=docs_dir / "index.html" if docs_dir is not None and not passed else None,
        validation=kept_validation(result_key, validation) if passed else None,
    )


def _detail_failures(definition, batch: dict, validation, index_columns: tuple[str, ...]) -> None:
    """Replace, in ``validation``, the results of the expectations that failed by their
    results in the SUMMARY format (the failing rows, named by ``index_columns``)."""
    import great_expectations as gx

    failed = [r.expectation_config for r in validation.results if not r.success]
    # GX validates an expectation of one suite only: a copy (without its id) of each failed
    again = [copy.copy(config.to_domain_obj()) for config in failed]
    detailed = (
        definition.batch_definition.get_batch(batch_parameters=batch)
        .validate(
            gx.ExpectationSuite(name=f"{definition.suite.name} (failed)", expectations=again),
            result_format=_details(index_columns),
        )
        .results
    )
    by_rule = {_rule(r.expectation_config): r for r in detailed}
    replaced = {}
    for config in failed:
        result = by_rule[_rule(config)]
        result.expectation_config = config  # with its id, as the suite has it
        replaced[config.id] = result
    validation.results = [replaced.get(r.expectation_config.id, r) for r in validation.results]


def _rule(config) -> tuple:
    """An expectation without its id: its type, arguments and rule in words."""
    return config.type, repr(sorted(config.kwargs.items())), config.description


def _render(docs_dir: Path, result_key, suite_key, validation) -> None:
    """The page of ``validation`` in the context of `docs_dir`, its suite's page (once per
    process) and the index."""
    context = _context(docs_dir)
    # the detailed result replaces the one the validation stored
    context.validation_results_store.set(result_key, validation)
    rendered = [result_key]
    if (docs_dir, suite_key.name) not in _rendered_suites:
        rendered.append(suite_key)
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=rendered)
    _rendered_suites.add((docs_dir, suite_key.name))


def _details(index_columns: tuple[str, ...]) -> dict:
    return {
        "result_format": "SUMMARY",
        "partial_unexpected_count": _SHOWN,
        "unexpected_index_column_names": list(index_columns),
    }


def _keys(suite: str, run_id, batch_id: str) -> tuple:
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    suite_key = ExpectationSuiteIdentifier(name=suite)
    return ValidationResultIdentifier(suite_key, run_id, batch_id), suite_key


@cache
def _context(docs_dir: Path | None):
    """The context validations run in: one per Data Docs folder and process, so that a
    failing result it holds can be rendered into that folder."""
    context = site_context(docs_dir)
    context.data_sources.add_pandas(_DATASOURCE)
    return context


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
def _definition(docs_dir: Path | None, mart: str, min_cell_size: int):
    import great_expectations as gx

    suite = _suite(docs_dir, mart, min_cell_size)
    return _context(docs_dir).validation_definitions.add(
        gx.ValidationDefinition(
            name=suite.name, data=_batch_definition(docs_dir, mart), suite=suite
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
