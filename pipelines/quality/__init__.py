"""The quality gate run on every mart before it is published (see docs/publishing.md)."""

from pipelines.quality.mart_validation import GateFailure, GateResult, QualityGateError, run_gate
from pipelines.quality.pages import write_pages

__all__ = ["GateFailure", "GateResult", "QualityGateError", "run_gate", "write_pages"]
