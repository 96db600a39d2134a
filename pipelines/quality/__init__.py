"""The quality gate run on every mart before it is published (see docs/publishing.md)."""

from pipelines.quality.gate import (
    GateFailure,
    GateResult,
    QualityGateError,
    build_data_docs,
    run_gate,
)

__all__ = ["GateFailure", "GateResult", "QualityGateError", "build_data_docs", "run_gate"]
