"""Ingest: a wave's delivery folder -> validated, typed tables in the private warehouse.

See docs/ingest.md for the rules. Public entry points:

- ``ingest_wave(con, raw_dir, wave)`` reads, checks and loads one wave (IngestReport).
- ``discover(raw_dir)`` / ``discover_waves(raw_dir)``: the complete wave folders (and the
  folders that are no wave).
- ``schemas.delivery_schema(codebook, municipalities)``: the pandera schema that validates
  a wave's typed delivery (``validation.validate_delivery``), the rules of every row.
"""

from pipelines.lazy_exports import lazy_exports

# Each name is imported from its module when first asked for: reading and validating load
# pandas and pandera (about a second; pyreadstat or openpyxl too, for an SPSS or Excel
# delivery only), which a process that only looks for wave folders (`make run` with nothing
# to do, the sensor) does not need.
_EXPORTS = {
    "Delivery": "pipelines.ingest.delivery",
    "Discovery": "pipelines.ingest.delivery",
    "discover": "pipelines.ingest.delivery",
    "discover_waves": "pipelines.ingest.delivery",
    "locate_delivery": "pipelines.ingest.delivery",
    "DeliveryError": "pipelines.ingest.errors",
    "IngestReport": "pipelines.ingest.ingest_summary",
    "ingest_wave": "pipelines.ingest.wave",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
