"""Dagster definitions, one module per domain of the pipeline."""
