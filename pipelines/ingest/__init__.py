"""Ingest: a wave's delivery folder -> validated, typed tables in the private warehouse.

See docs/ingest.md for the rules. Public entry points:

- ``ingest_wave(con, raw_dir, wave)`` reads, checks and loads one wave (IngestReport).
- ``discover(raw_dir)`` / ``discover_waves(raw_dir)``: the complete wave folders (and the
  folders that are no wave).
- ``schemas.delivery_schema(codebook, municipalities)``: the pandera schema that validates
  a wave's typed delivery (``validation.validate_delivery``), the rules of every row.
"""

from pipelines.ingest.delivery import Delivery, Discovery, discover, discover_waves, locate_delivery
from pipelines.ingest.errors import DeliveryError
from pipelines.ingest.ingest_summary import IngestReport
from pipelines.ingest.wave import ingest_wave

__all__ = [
    "Delivery",
    "DeliveryError",
    "Discovery",
    "IngestReport",
    "discover",
    "discover_waves",
    "ingest_wave",
    "locate_delivery",
]
