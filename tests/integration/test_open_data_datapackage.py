"""`datapackage.json` of a published version: valid against the Data Package 2.0 profiles,
read back by frictionless row for row as the Parquet files hold them, and the same bytes
every time it is made."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import shutil
from decimal import Decimal
from pathlib import Path

import frictionless
import pyarrow.parquet as pq
import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from pipelines.publish.opendata import read_record
from pipelines.publish.opendata.datapackage import PROFILE, datapackage_files

PROJECT = Path(__file__).resolve().parents[2]
# as in CI: the standards sit beside the project, not in it
PROFILES = PROJECT.parent / "shared" / "standards" / "datapackage-2.0"
PROFILE_FILES = ("datapackage", "dataresource", "tableschema", "tabledialect")


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    """The Data Package profile, its sibling profiles registered under their published URLs:
    the 2.0 profiles come bundled (no `$ref` today), and should one refer to another, it is
    resolved from these files, never fetched."""
    schemas = {name: json.loads((PROFILES / f"{name}.json").read_text()) for name in PROFILE_FILES}
    registry = Registry().with_resources(
        (f"https://datapackage.org/profiles/2.0/{name}.json", Resource(schema, DRAFT7))
        for name, schema in schemas.items()
    )
    return Draft7Validator(schemas["datapackage"], registry=registry)


@pytest.fixture(scope="module")
def record(published):
    return read_record(published / "wave=2020" / "v0001")


@pytest.fixture(scope="module")
def descriptor(record) -> dict:
    return json.loads(datapackage_files(record)["datapackage.json"])


@pytest.fixture(scope="module")
def package_dir(record, tmp_path_factory) -> Path:
    """A copy of the version with its datapackage.json beside the Parquet files."""
    folder = tmp_path_factory.mktemp("datapackage") / "v0001"
    shutil.copytree(record.folder, folder, ignore=shutil.ignore_patterns("quality"))
    (folder / "datapackage.json").write_bytes(datapackage_files(record)["datapackage.json"])
    return folder


def _errors(validator: Draft7Validator, descriptor: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(descriptor)
    ]


def test_descriptor_is_valid_data_package_2(validator, descriptor, record):
    assert _errors(validator, descriptor) == []
    assert descriptor["$schema"] == PROFILE
    assert descriptor["version"] == "v0001"
    assert descriptor["created"] == record.created
    assert [lic["name"] for lic in descriptor["licenses"]] == ["NLOD-2.0"]
    assert [r["name"] for r in descriptor["resources"]] == [
        "innovation",
        "factors",
        "failures",
        "culture_index",
        "reform_pressure",
        "changes",
        "differences",
    ]


@pytest.mark.parametrize(
    "defect",
    [
        pytest.param(lambda d: d["resources"][0].pop("path"), id="resource-without-path"),
        pytest.param(
            lambda d: d["resources"][0]["schema"]["fields"][0].update(type="int"),
            id="unknown-field-type",
        ),
        pytest.param(lambda d: d["resources"][1].update(bytes="23165"), id="bytes-as-string"),
        pytest.param(lambda d: d.update(licenses=[]), id="no-licence"),
    ],
)
def test_planted_defect_fails_the_profile(validator, descriptor, defect):
    broken = copy.deepcopy(descriptor)
    defect(broken)
    assert _errors(validator, broken)


def test_resources_match_the_manifest_and_the_files(descriptor, record):
    for resource, entry in zip(descriptor["resources"], record.parquet, strict=True):
        data = (record.folder / resource["path"]).read_bytes()
        assert resource["bytes"] == entry["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["mediatype"] == "application/vnd.apache.parquet"
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert names == pq.read_schema(record.folder / resource["path"]).names


def test_types_nullability_and_key_of_the_estimate_marts(descriptor):
    (innovation,) = (r for r in descriptor["resources"] if r["name"] == "innovation")
    schema = innovation["schema"]
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types["wave"] == types["n"] == "integer"
    assert types["estimate"] == types["se"] == "number"
    assert types["item"] == types["suppression"] == "string"
    assert types["suppressed"] == "boolean"
    required = [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")]
    assert "estimate" not in required and "item" in required
    assert schema["primaryKey"] == ["wave", "measure", "item", "breakdown", "group_code"]
    assert schema["missingValues"] == []


def test_frictionless_validates_the_rows_against_the_schemas(package_dir):
    # frictionless reads Parquet through pyarrow, not through its byte loader, so it has no
    # byte count or hash of its own to compare (the test above checks both on the bytes)
    report = frictionless.validate(
        str(package_dir / "datapackage.json"), skip_errors=["byte-count", "hash-count"]
    )
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])


def _plain(value):
    """A cell as the Parquet file holds it: frictionless reads numbers as Decimal, and (through
    pandas) a null double as NaN."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def test_frictionless_reads_every_row_as_published(package_dir, record):
    package = frictionless.Package(str(package_dir / "datapackage.json"))
    suppressed = 0
    for resource, entry in zip(package.resources, record.parquet, strict=True):
        rows = [{k: _plain(v) for k, v in row.items()} for row in resource.read_rows()]
        assert len(rows) == entry["rows"]
        assert rows == pq.read_table(package_dir / entry["path"]).to_pylist()
        suppressed += sum(1 for row in rows if row.get("suppressed"))
    assert suppressed > 0, "no suppressed row: the nulls were not read back"
    (innovation,) = (r for r in package.resources if r.name == "innovation")
    # '' is the item of a measure without items, a value, not a missing one
    items = {row["item"] for row in innovation.read_rows() if row["measure"] == "innovative"}
    assert items == {""}


def test_same_record_same_bytes(record, published):
    assert datapackage_files(record) == datapackage_files(read_record(record.folder))
    other = datapackage_files(read_record(published / "wave=2024" / "v0001"))
    assert other != datapackage_files(record)
