"""Publishing: immutable versioned Parquet releases of the marts and the analyst catalog.

See docs/publishing.md. Importing this package does not import Great
Expectations; the gate is passed in to `publish_wave`.
"""

from pipelines.estimation.published_rows import read_wave
from pipelines.marts.measures import MARTS
from pipelines.provenance import code_version, wave_fingerprints
from pipelines.publish.catalog import build_catalog
from pipelines.publish.privacy import PrivacyError
from pipelines.publish.release import PublishError, Release, publish_wave
from pipelines.warehouse.mart_tables import MartTableError

__all__ = [
    "MARTS",
    "MartTableError",
    "PrivacyError",
    "PublishError",
    "Release",
    "build_catalog",
    "code_version",
    "publish_wave",
    "read_wave",
    "wave_fingerprints",
]
