"""The quality pages of a version: Great Expectations Data Docs of the validations its marts
passed, rendered into the version's own folder while it is staged.

Only passing validations get here. The gate returns each passing validation's result with
its verdict (`GateResult.validation`, a `kept_validation`), and the Dagster gate keeps it in
the metadata of the check's evaluation (pipelines/orchestration/quality_checks.py), so a
verdict reused from the run's check, or by the check from an earlier run, still brings its
result. A failing
validation is rendered into the gate's private folder only. Every version is rendered in a
context of its own, which holds the results of that version's marts and nothing else: its
index lists no other wave, version or failure.

GX is imported inside the functions: importing this module must stay cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.quality.expectations import expectations_for

if TYPE_CHECKING:
    from pipelines.quality.mart_validation import GateResult

# The folder of a version that holds its pages, and the name of the GX site.
QUALITY_PAGES = "quality"
DOCS_SITE = "quality"


def kept_validation(result_key, validation) -> dict:
    """A validation result as plain JSON values, with the key its page is filed under."""
    return {"key": list(result_key.to_tuple()), "result": validation.to_json_dict()}


def write_pages(results: Sequence[GateResult], folder: Path, min_cell_size: int) -> Path | None:
    """Render the pages of the validations ``results`` keep into ``folder``: one per
    result, one per suite, and the index, which is returned. Results that keep no
    validation (a gate that keeps none) have no page; without any, nothing is written."""
    kept = [r for r in results if r.validation is not None]
    if not kept:
        return None
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context = site_context(folder)
    rendered = []
    for result in kept:
        key = ValidationResultIdentifier.from_tuple(tuple(result.validation["key"]))
        store = context.validation_results_store
        store.set(key, store.deserialize(result.validation["result"]))
        suite = gx.ExpectationSuite(
            name=key.expectation_suite_identifier.name,
            expectations=expectations_for(result.mart, min_cell_size),
        )
        context.suites.add(suite)
        rendered += [key, ExpectationSuiteIdentifier(name=suite.name)]
    context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=rendered)
    return Path(folder) / "index.html"


def site_context(folder: Path | None):
    """A new in-memory GX context whose Data Docs site is ``folder`` (None: no site)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {} if folder is None else {DOCS_SITE: _docs_site(Path(folder))}
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _docs_site(folder: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(folder),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
