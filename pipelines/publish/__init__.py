"""Publishing: immutable versioned Parquet releases of the marts and the analyst catalog.

See docs/publishing.md. Importing this package does not import Great
Expectations; the gate is passed in to `publish_wave`.
"""

from pipelines.lazy_exports import lazy_exports

# Each name is imported from its module when first asked for, so that importing
# pipelines.publish.layout (the folders of the releases) loads no writer.
_EXPORTS = {
    "read_wave": "pipelines.estimation.published_rows",
    "MARTS": "pipelines.marts.measures",
    "code_version": "pipelines.provenance",
    "wave_fingerprints": "pipelines.provenance",
    "build_catalog": "pipelines.publish.catalog",
    "PrivacyError": "pipelines.publish.privacy",
    "PublishError": "pipelines.publish.release",
    "Release": "pipelines.publish.release",
    "publish_wave": "pipelines.publish.release",
    "MartTableError": "pipelines.warehouse.mart_tables",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
