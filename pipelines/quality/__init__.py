"""The quality gate run on every mart before it is published (see docs/publishing.md)."""

from pipelines.lazy_exports import lazy_exports

# Each name is imported from its module when first asked for, so that importing
# pipelines.quality.worker (which starts the GX worker) loads neither pandas nor the gate:
# the run starts its worker before that import, and the worker begins GX's at once.
_EXPORTS = {
    "GateFailure": "pipelines.quality.mart_validation",
    "GateResult": "pipelines.quality.mart_validation",
    "QualityGateError": "pipelines.quality.mart_validation",
    "run_gate": "pipelines.quality.mart_validation",
    "write_pages": "pipelines.quality.pages",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
