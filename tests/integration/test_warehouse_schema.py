"""The one schema of the warehouse (pipelines/warehouse/schema.py): it declares every table a
build leaves, column for column; every column has a privacy class; what is an id or free text
reaches no Dagster metadata; and a table that no longer follows its declaration is found."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.estimation import transform
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.metadata import relation_metadata
from pipelines.orchestration.respondent_metadata import respondent_metadata
from pipelines.survey import questionnaire as q
from pipelines.warehouse.schema import PRIVACY_CLASSES, RESPONSES, TABLES
from tests.warehouse_fixtures import respondent, warehouse

# never shown outside the warehouse
PRIVATE = ("id", "free_text")


def test_the_schema_declares_every_table_of_a_built_warehouse(sample_warehouse):
    built = sample_warehouse.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "JOIN duckdb_tables() USING (database_name, schema_name, table_name) "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for table, *column in built:
        found.setdefault(table, []).append(tuple(column))
    assert sorted(found) == sorted(TABLES)
    for name, table in TABLES.items():
        declared = [(c.name, c.type, c.nullable and c.name not in table.key) for c in table.columns]
        assert found[name] == declared, name


def test_every_column_has_a_privacy_class_from_the_questionnaire():
    for table in TABLES.values():
        assert len(set(table.names)) == len(table.names), table.name
        for c in table.columns:
            assert c.privacy in PRIVACY_CLASSES, (table.name, c.name)
            assert c.description, (table.name, c.name)
    classes = {c.name: c.privacy for c in RESPONSES.columns}
    assert classes["resp_id"] == "id"
    assert classes["fritekst_nyeste"] == "free_text"
    assert {classes[v.name] for v in q.VARIABLES if v.group == "bakgrunn" and v.kind != "id"} == {
        "quasi_identifier"
    }
    # a respondent's id is an id wherever a table holds it
    for table in TABLES.values():
        if "resp_id" in table.names:
            assert dict((c.name, c.privacy) for c in table.columns)["resp_id"] == "id"


def _private_columns() -> set[str]:
    return {c.name for t in TABLES.values() for c in t.columns if c.privacy in PRIVATE}


def test_no_profile_or_preview_shows_an_id_or_free_text(sample_warehouse):
    for table in TABLES.values():
        assert not {c.name for c in table.columns if c.privacy in PRIVATE} & set(table.profiled)
    for relation in ("responses", "respondents"):
        metadata = respondent_metadata(sample_warehouse, relation, 2020, min_cell_size=10)
        profile = metadata["profile"].value
        shown = {line.split(" | ")[0].strip("| ") for line in profile.splitlines()[2:]}
        assert shown == set(TABLES[relation].profiled) and not shown & _private_columns()
        values = sample_warehouse.execute(
            "SELECT DISTINCT resp_id FROM responses WHERE wave = 2020 UNION "
            "SELECT DISTINCT fritekst_nyeste FROM responses WHERE fritekst_nyeste IS NOT NULL"
        ).fetchall()
        assert not [v for (v,) in values if v in profile]
        schema = metadata["dagster/column_schema"]
        assert {c.tags["privacy"] for c in schema.columns} <= set(PRIVACY_CLASSES)
    with pytest.raises(ValueError, match="profiled, not previewed"):
        relation_metadata(sample_warehouse.table("responses"), RESPONSES)


def test_every_warehouse_asset_shows_its_columns_with_their_privacy_class():
    asset_graph = defs.get_repository_def().asset_graph
    described = {}
    for key in asset_graph.get_all_asset_keys():
        schema = asset_graph.get(key).metadata.get("dagster/column_schema")
        if isinstance(schema, dg.TableSchema):
            described[key.to_user_string()] = schema
    for asset, table in {
        "validated_responses": "responses",
        "respondents": "respondents",
        "reference_dimensions": "ref_municipality",
    }.items():
        columns = described[asset].columns
        assert [c.name for c in columns] == list(TABLES[table].names)
        assert all(c.description for c in columns)
        assert [c.tags["privacy"] for c in columns] == [c.privacy for c in TABLES[table].columns]


def test_a_planted_undeclared_column_makes_a_table_outdated():
    con = warehouse(
        [respondent(f"R{k}", 1, "0301", k < 6) for k in range(12)],
        [{"wave": 2020, "sektor": 1, "n_population": 100}],
        (2020,),
    )
    assert transform.outdated_tables(con) == []
    con.execute("ALTER TABLE weights ADD COLUMN planted INTEGER")
    con.execute("ALTER TABLE mart_cell_scores ALTER COLUMN s_h TYPE FLOAT")
    assert transform.outdated_tables(con) == ["weights", "mart_cell_scores"]
    transform.prepare_warehouse(con)
    assert transform.outdated_tables(con) == []
