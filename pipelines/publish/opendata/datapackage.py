"""`datapackage.json`: the version's Parquet files as a Frictionless Data Package 2.0.

The descriptor lists each mart's Parquet file with its size, sha256 and Table Schema, so a
Frictionless tool (or anyone reading the JSON) checks and reads the files without DuckDB. It is
made from the `ReleaseRecord` alone: the sizes and hashes are the manifest's, the schemas are
the marts' vocabulary, and the only time in it is the version's `created`.
"""

from __future__ import annotations

import json

from pipelines.marts.measures import description
from pipelines.marts.shapes import SHAPES, MartShape
from pipelines.publish.opendata import ReleaseRecord

DATAPACKAGE = "datapackage.json"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
LANDING_PAGE = "https://www.ks.no/fagomrader/innovasjon/innovasjonsbarometeret/"

# Open government data: KS publishes under the Norwegian licence for open government data, the
# licence of SSB's reference data the breakdowns are made from as well.
NLOD = {
    "name": "NLOD-2.0",
    "path": "https://data.norge.no/nlod/no/2.0",
    "title": "Norsk lisens for offentlige data (NLOD) 2.0",
}
SSB_SOURCE = {
    "title": "Statistisk sentralbyrå (SSB): municipalities, counties, population, centrality "
    "and KOSTRA groups (NLOD; attribution: Statistisk sentralbyrå)",
    "path": "https://www.ssb.no/",
}
KS = {
    "title": "KS (Kommunesektorens organisasjon), organisation number 971032146",
    "path": "https://www.ks.no/",
    "email": "postmottak@ks.no",
    "roles": ["publisher", "creator", "contact"],
}
KEYWORDS = [
    "innovasjon",
    "kommunesektoren",
    "kommuner",
    "fylkeskommuner",
    "spørreundersøkelse",
    "innovation",
    "public sector",
    "municipalities",
    "survey",
]

TABLE_TYPES = {"INTEGER": "integer", "DOUBLE": "number", "VARCHAR": "string", "BOOLEAN": "boolean"}


def datapackage_files(record: ReleaseRecord) -> dict[str, bytes]:
    """`datapackage.json` of the version, byte for byte the same for the same record."""
    descriptor = {
        "$schema": PROFILE,
        "name": f"ks-innovasjonsbarometeret-{record.wave}",
        "title": f"KS Innovasjonsbarometeret {record.wave}, release {record.version}",
        "description": (
            f"Weighted estimates of the {record.wave} wave of KS' Innovasjonsbarometeret, a "
            "survey of innovation in Norwegian municipalities and counties: one Parquet file "
            "per mart. Groups below the minimum cell size of "
            f"{record.min_cell_size} respondents are suppressed. Release digest (sha256 of the "
            f"version's manifest record): {record.release_digest}."
        ),
        "homepage": LANDING_PAGE,
        "version": record.version,
        "created": record.created,
        "licenses": [NLOD],
        "sources": [
            {
                "title": f"KS Innovasjonsbarometeret, survey wave {record.wave}",
                "path": LANDING_PAGE,
            },
            SSB_SOURCE,
        ],
        "contributors": [KS],
        "keywords": KEYWORDS,
        "resources": [_resource(entry) for entry in record.parquet],
    }
    text = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    return {DATAPACKAGE: text.encode()}


def _resource(entry: dict) -> dict:
    mart = entry["mart"]
    return {
        "name": mart,
        "path": entry["path"],
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        "bytes": entry["bytes"],
        "hash": f"sha256:{entry['sha256']}",
        "title": mart,
        "description": description(mart),
        "schema": table_schema(SHAPES[mart]),
    }


def table_schema(shape: MartShape) -> dict:
    """The Table Schema of a mart's Parquet file."""
    fields = []
    for column in shape.columns:
        field = {
            "name": column.name,
            "type": TABLE_TYPES[column.type],
            "description": column.description,
        }
        if not column.nullable:
            field["constraints"] = {"required": True}
        fields.append(field)
    # No string is missing: `item` and `item_label` are '' where a measure has no item, a value
    # Table Schema's default (missingValues [""]) would read as null. A missing number is a
    # Parquet null.
    return {"fields": fields, "primaryKey": list(shape.key), "missingValues": []}
