"""The quality gate run on every mart before it is published (see docs/publishing.md)."""

from pipelines.quality.pages import write_pages
from pipelines.quality.validation import GateFailure, GateResult, QualityGateError, run_gate

__all__ = ["GateFailure", "GateResult", "QualityGateError", "run_gate", "write_pages"]
