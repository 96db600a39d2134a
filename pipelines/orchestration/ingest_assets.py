"""Each wave's delivery validated into the private warehouse."""

import hashlib
import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import paths
from pipelines.orchestration.metadata import table_schema
from pipelines.orchestration.partitions import wave_of, waves
from pipelines.orchestration.resources import BarometerSettings
from pipelines.orchestration.respondent_metadata import respondent_metadata
from pipelines.orchestration.sources import raw_delivery
from pipelines.provenance import ingested_fingerprints
from pipelines.survey import codebook
from pipelines.warehouse.schema import RESPONSES


@dg.asset(
    group_name="validated",
    partitions_def=waves,
    deps=[raw_delivery, "reference_dimensions"],
    pool="warehouse",
    kinds={"duckdb"},
    metadata={"dagster/column_schema": table_schema(RESPONSES)},
)
def validated_responses(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: BarometerSettings
) -> dg.MaterializeResult:
    """The wave's responses read, validated (contract §5: the pandera schema generated from
    the questionnaire) and loaded into the warehouse: canonical typed rows in `responses`,
    refused rows in `quarantine`, ignored answers in `routing_warnings`, the weighting frame
    in `frame`. A refused delivery changes nothing."""
    # imported here, not at the top: a run with nothing to do loads the definitions only
    from pipelines.ingest import ingest_wave

    wave = wave_of(context)
    with warehouse.get_connection() as con:
        report = ingest_wave(con, paths.raw_dir(), wave)
        read_inputs = ingested_fingerprints(con, wave)
        metadata = respondent_metadata(
            con,
            RESPONSES.name,
            wave,
            min_cell_size=settings.min_cell_size,
            asked=codebook.load(wave).canonical,
        )
    ingest = report.as_metadata()
    for name in ("quarantine_by_rule", "routing_warnings_by_question", "extra_columns"):
        metadata[name] = dg.MetadataValue.json(ingest.pop(name))
    metadata.update({k: v for k, v in ingest.items() if v is not None})
    if report.rows_quarantined:
        context.log.warning(
            f"wave {wave}: {report.rows_quarantined} row(s) quarantined {report.quarantine_by_rule}"
        )
    # the digest of what ingest read: Dagster does not carry a partitioned source's version
    # (raw_delivery) into the version it derives, so the assets below would not see a change
    read = hashlib.sha256(json.dumps(read_inputs, sort_keys=True).encode()).hexdigest()
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(read))
