"""Every warehouse table, declared once: its name, what it holds, and its columns.

A column has a DuckDB type, a description, whether it may be NULL and a privacy class:

    id                identifies a respondent's row (the respondent id, the row delivered, the
                      interview's times to the second): never shown outside the warehouse
    free_text         what a respondent wrote: never leaves the warehouse
    quasi_identifier  a background variable that places the workplace (municipality, sector,
                      type, size) or what is derived from them (weighting cell, groups)
    answer            an answer, or what is derived from answers
    aggregate         about no one respondent: the wave, bookkeeping, counts, weights,
                      estimates and labels

A survey variable's class is taken from the questionnaire (its kind and group). The DDL of
the tables, their Dagster column schemas, which columns a respondent profile may count and
the check that a derived table still has its declared columns are all generated from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pipelines.marts.breakdowns import BREAKDOWN_LIST, Breakdown
from pipelines.marts.disclosure_rules import COARSEST_LEVEL
from pipelines.marts.shapes import CHANGES, DIFFERENCES, ESTIMATES
from pipelines.marts.shapes import Column as MartColumn
from pipelines.survey import questionnaire as q
from pipelines.survey.codebook import REQUIRED_VARIABLES

Privacy = Literal["id", "free_text", "quasi_identifier", "answer", "aggregate"]
PRIVACY_CLASSES: tuple[Privacy, ...] = get_args(Privacy)
# What a profile of a respondent-level table may count, a column at a time: never an id or
# free text, which are one respondent's own; an aggregate column is no respondent's value.
PROFILED: tuple[Privacy, ...] = ("quasi_identifier", "answer")

# A survey variable's DuckDB type, by its kind in the questionnaire.
SQL_TYPES = {
    "id": "VARCHAR",
    "municipality": "VARCHAR",
    "code": "SMALLINT",
    "flag": "SMALLINT",
    "text": "VARCHAR",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    privacy: Privacy
    nullable: bool = True
    # an SQL condition every value meets, written into the DDL
    check: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    # a PRIMARY KEY: only on tables small enough that keeping its index is cheap
    key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def signature(self) -> list[tuple[str, str]]:
        """(name, type) of every column in order, as information_schema lists them."""
        return [(c.name, c.type) for c in self.columns]

    @property
    def profiled(self) -> tuple[str, ...]:
        """The columns a respondent profile may count."""
        return tuple(c.name for c in self.columns if c.privacy in PROFILED)

    def ddl(self, *, replace: bool = False) -> str:
        """CREATE TABLE: IF NOT EXISTS, or OR REPLACE for a table rebuilt whole each time."""
        lines = [_column_sql(c) for c in self.columns]
        if self.key:
            lines.append(f"PRIMARY KEY ({', '.join(self.key)})")
        create = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
        return f"{create} {self.name} (\n    " + ",\n    ".join(lines) + "\n);"


def _column_sql(c: Column) -> str:
    # quoted: `row` and `column` are SQL keywords
    sql = f'"{c.name}" {c.type}{"" if c.nullable else " NOT NULL"}'
    return f"{sql} CHECK ({c.check})" if c.check else sql


def ddl(tables: tuple[Table, ...], *, replace: bool = False) -> str:
    return "\n".join(t.ddl(replace=replace) for t in tables) + "\n"


def _aggregate(name: str, type_: str, description: str, nullable: bool = False) -> Column:
    return Column(name, type_, description, "aggregate", nullable)


def variable_privacy(v: q.Variable) -> Privacy:
    """A survey variable's privacy class, from its kind and group in the questionnaire."""
    if v.kind in ("id", "timestamp"):
        return "id"
    if v.kind == "text":
        return "free_text"
    return "quasi_identifier" if v.group == "bakgrunn" else "answer"


def _variable(v: q.Variable) -> Column:
    return Column(
        v.name, SQL_TYPES[v.kind], v.question, variable_privacy(v), v.name not in REQUIRED_VARIABLES
    )


def _from_shape(c: MartColumn) -> Column:
    return _aggregate(c.name, c.type, c.description, c.nullable)


WAVE = _aggregate("wave", "INTEGER", "survey wave (publication year)")
RESP_ID = _variable(q.variable("resp_id"))
FILE = _aggregate("file", "VARCHAR", "the delivered file")
ROW = Column("row", "BIGINT", "the row number a person sees in the file (header = 1)", "id")
MART = _aggregate("mart", "VARCHAR", "the mart's name")
VERSION = _aggregate("version", "VARCHAR", "the release version, e.g. v0002")


def _cell_columns(privacy: Privacy) -> tuple[Column, ...]:
    """The weighting cell columns, a cell column the wave does not weight on NULL: of the
    frame's cells an aggregate, of a respondent's cell what places the workplace."""
    return (
        Column("sektor", "SMALLINT", "sector of the cell", privacy),
        Column("virksomhetstype", "SMALLINT", "workplace type of the cell", privacy),
        Column("landsdel", "VARCHAR", "landsdel (NUTS 2) of the cell", privacy),
    )


# --- the ingest's tables: each holds all waves; ingest replaces one wave's rows at once --

RESPONSES = Table(
    "responses",
    "every accepted respondent's canonical answers, one row per respondent and wave; a "
    "variable the wave did not ask is NULL, an answer given against routing too",
    (
        WAVE,
        _aggregate("source_file", "VARCHAR", "the delivered file the row was read from"),
        Column("source_row", "BIGINT", "the row number a person sees in the file", "id", False),
        *(_variable(v) for v in q.VARIABLES),
    ),
)
FRAME = Table(
    "frame",
    "the weighting frame: population per cell",
    (
        WAVE,
        *_cell_columns("aggregate"),
        _aggregate("n_population", "BIGINT", "workplaces of the cell"),
    ),
)
QUARANTINE = Table(
    "quarantine",
    "one record per failed (rule, column) of a delivered row",
    (
        WAVE,
        FILE,
        ROW,
        Column("resp_id", "VARCHAR", "the row's respondent id, trimmed", "id"),
        _aggregate("column", "VARCHAR", "the variable that failed", nullable=True),
        Column("value", "VARCHAR", "the text as delivered", "free_text"),
        _aggregate("rule", "VARCHAR", "the rule that failed (docs/design.md)"),
    ),
)
ROUTING_WARNINGS = Table(
    "routing_warnings",
    "an answer to a question the respondent was not routed to; responses holds NULL there",
    (
        WAVE,
        FILE,
        Column("row", "BIGINT", ROW.description, "id", False),
        Column("resp_id", "VARCHAR", "the row's respondent id", "id", False),
        _aggregate("column", "VARCHAR", "the question answered"),
        Column("value", "VARCHAR", "the text as delivered", "free_text"),
    ),
)
WAVE_INPUTS = Table(
    "wave_inputs",
    "sha256 of the delivery's files and the codebook as ingest read them, keyed as a release "
    "manifest's inputs; publishing refuses when the files now differ",
    (
        WAVE,
        _aggregate("name", "VARCHAR", "the input, as the manifest names it"),
        _aggregate("sha256", "VARCHAR", "its sha256"),
    ),
)
INGEST_TABLES = (RESPONSES, FRAME, QUARANTINE, ROUTING_WARNINGS, WAVE_INPUTS)

# --- the reference dimensions and label tables, rebuilt whole from the reference files and
# the vocabulary ---------------------------------------------------------------------------

REF_MUNICIPALITY = Table(
    "ref_municipality",
    "every municipality of each numbering the waves use, with the attributes behind the "
    "breakdowns of marts.md §4 (written by its query, sql/reference/ref_municipality.sql)",
    tuple(
        _aggregate(name, type_, description, nullable=True)
        for name, type_, description in (
            ("numbering", "INTEGER", "the municipality numbering (2018, 2019, 2024)"),
            ("kommunenr", "VARCHAR", "the municipality's number in that numbering"),
            ("municipality_name", "VARCHAR", "its name"),
            ("county_code", "VARCHAR", "its county"),
            ("landsdel", "VARCHAR", "its landsdel (NUTS 2)"),
            ("population", "INTEGER", "its population"),
            ("size_group", "VARCHAR", "its group of the municipality_size breakdown"),
            ("centrality_group", "VARCHAR", "its group of the centrality breakdown"),
            ("economy_group", "VARCHAR", "its group of the economy breakdown"),
            ("municipality_merged_2020", "BOOLEAN", "it merged on 1 Jan 2020"),
            ("county_merged_2020", "BOOLEAN", "its county merged on 1 Jan 2020"),
        )
    ),
)
REFERENCE_INPUTS = Table(
    "reference_inputs",
    "sha256 of the reference files the reference tables were built from",
    (
        _aggregate("name", "VARCHAR", "the reference file", nullable=True),
        _aggregate("sha256", "VARCHAR", "its sha256", nullable=True),
    ),
)
_MEASURE = _aggregate("measure", "VARCHAR", "the measure (marts.md §3)")
_ITEM = _aggregate("item", "VARCHAR", "the item of the measure; '' where it has none")
_BREAKDOWN = _aggregate("breakdown", "VARCHAR", "the breakdown (marts.md §4)")
_GROUP = _aggregate("group_code", "VARCHAR", "the group within the breakdown")
LABEL_MEASURE = Table(
    "label_measure",
    "every measure's kind of estimate, and whether its items are the groups of its table",
    (
        _MEASURE,
        _aggregate("kind", "VARCHAR", "share, mean or distribution"),
        _aggregate("items_are_groups", "BOOLEAN", "its items are the groups of its table"),
    ),
    key=("measure",),
)
LABEL_ITEM = Table(
    "label_item",
    "every item of every measure with its Norwegian label and the answer code it stands for",
    (
        _MEASURE,
        _ITEM,
        _aggregate("item_label", "VARCHAR", "the Norwegian label", nullable=True),
        _aggregate("code", "INTEGER", "the answer code the item stands for", nullable=True),
        _aggregate("position", "INTEGER", "its place within the measure", nullable=True),
    ),
    key=("measure", "item"),
)
LABEL_GROUP = Table(
    "label_group",
    "every group of every breakdown with its Norwegian label",
    (
        _BREAKDOWN,
        _GROUP,
        _aggregate("group_label", "VARCHAR", "the Norwegian label", nullable=True),
        _aggregate("position", "INTEGER", "its place within the breakdown", nullable=True),
    ),
    key=("breakdown", "group_code"),
)
LABEL_TABLES = (LABEL_MEASURE, LABEL_ITEM, LABEL_GROUP)

# --- the tables the transformations fill one wave at a time (each wave's rows replaced in
# one transaction); derived from the ingest tables, so an outdated one is dropped and made
# anew (transform.prepare_warehouse). respondents and weights hold one row per (wave,
# resp_id): checked after each wave is inserted (sql/estimation/), not by a PRIMARY KEY, as
# DuckDB removes index entries one at a time, which made replacing a wave of a million
# respondents take half a minute per table (measured with make bench). ---------------------


def _group(b: Breakdown) -> Column:
    """The respondent's group of a breakdown: derived from its answers or its background."""
    description = f"its group of the breakdown: {b.description}"
    if b.name == "total":
        # the one group every respondent is in
        return _aggregate(b.name, "VARCHAR", description)
    privacy = "answer" if b.name == "innovation_status" else "quasi_identifier"
    return Column(b.name, "VARCHAR", description, privacy)


_CELL = Column(
    "cell", "VARCHAR", "the weighting cell (the stratum of the design, marts.md §2)",
    "quasi_identifier", False,
)  # fmt: skip
RESPONDENTS = Table(
    "respondents",
    "one row per accepted respondent: weighting cell with its respondents n_h and population "
    "N_h, post-stratification weight N_h / n_h, derived flags and the group of every "
    "breakdown of marts.md §4 (NULL = not in any group of that breakdown)",
    (
        WAVE,
        RESP_ID,
        _CELL,
        _aggregate("cell_respondents", "BIGINT", "n_h, the cell's respondents"),
        _aggregate("cell_population", "BIGINT", "N_h, the cell's population"),
        _aggregate("weight", "DOUBLE", "the post-stratification weight N_h / n_h"),
        Column("innovator", "BOOLEAN", "introduced an innovation", "answer"),
        Column("in_merging_unit", "BOOLEAN", "its municipality or county merged", "answer"),
        Column("culture_index", "INTEGER", "how many culture statements it agrees with", "answer"),
        *(_group(b) for b in BREAKDOWN_LIST),
    ),
)
WEIGHTS = Table(
    "weights",
    "each respondent's weighting cell (the frame row it falls in) and weight",
    (
        WAVE,
        RESP_ID,
        *_cell_columns("quasi_identifier"),
        _aggregate("n_population", "BIGINT", "the cell's population"),
        _aggregate("n_respondents", "BIGINT", "the cell's respondents"),
        _aggregate("weight", "DOUBLE", "the post-stratification weight"),
    ),
)
MART_CELL_SCORES = Table(
    "mart_cell_scores",
    "per mart row and weighting cell: S_h, the sum over the cell of the row's linearised "
    "scores (marts.md §2, §7), and the row's respondents in the cell with the integer sums of "
    "their values, which the reconstruction audit needs (docs/disclosure.md); functions of "
    "answers, only ever published through a test statistic of published groups",
    (
        MART,
        WAVE,
        _MEASURE,
        _ITEM,
        _BREAKDOWN,
        _GROUP,
        Column("cell", "VARCHAR", _CELL.description, "quasi_identifier", False),
        _aggregate("n_h", "BIGINT", "the cell's respondents"),
        _aggregate("big_n_h", "BIGINT", "the cell's population"),
        Column(
            "s_h", "DOUBLE", "the sum of the row's linearised scores in the cell", "answer", False
        ),
        Column("n_d", "BIGINT", "the row's respondents in the cell", "answer", False),
        Column("sum_x", "BIGINT", "Σy over them", "answer", False),
        Column("sum_x2", "BIGINT", "Σy² over them", "answer", False),
    ),
)

# --- the marts, written from the vocabulary's shapes: every column NOT NULL unless the
# shape says it may be NULL. Each estimate mart's rows are in mart_estimates, keyed by the
# mart's name, with one view mart_<name> per mart (pipelines/warehouse/mart_tables.py). ---

MART_ESTIMATES = Table(
    "mart_estimates",
    "the rows of every estimate mart",
    (MART, *map(_from_shape, ESTIMATES.columns)),
    key=("mart", *ESTIMATES.key),
)
MART_DIFFERENCES = Table(
    "mart_differences",
    "whether the groups of each table of a wave differ",
    tuple(map(_from_shape, DIFFERENCES.columns)),
    key=DIFFERENCES.key,
)
MART_CHANGES = Table(
    "mart_changes",
    "the change of every estimate from every earlier published wave",
    tuple(map(_from_shape, CHANGES.columns)),
    key=CHANGES.key,
)
PUBLISHED_PRECISION = Table(
    "published_precision",
    "the coarser precision the reconstruction audit asks for a group (marts.md §8), one row "
    "per group it flags; a group without a row is published at level 0",
    (
        MART,
        WAVE,
        _MEASURE,
        _BREAKDOWN,
        _GROUP,
        Column(
            "level",
            "SMALLINT",
            "the precision level (the vocabulary's)",
            "aggregate",
            False,
            check=f'"level" BETWEEN 0 AND {COARSEST_LEVEL}',
        ),
    ),
    key=("mart", "wave", "measure", "breakdown", "group_code"),
)
DISCLOSURE_VERDICTS = Table(
    "disclosure_verdicts",
    "the reconstruction audit's verdict on each wave of a mart as settled "
    "(pipelines/disclosure/audit.py), which the check and publishing take for the same inputs",
    (
        MART,
        WAVE,
        _aggregate(
            "audit_digest",
            "VARCHAR",
            "sha256 of what the audit read, with the code and the minimum cell size",
        ),
        _aggregate("problems", "VARCHAR[]", "what the audit found, in words; empty: nothing"),
        _aggregate(
            "settled_on",
            "VARCHAR",
            "sha256 of the full-precision rows and cell records the precision was settled on, "
            "with the code and the minimum cell size",
        ),
    ),
    key=("mart", "wave"),
)
DERIVED_TABLES = (
    WEIGHTS,
    RESPONDENTS,
    MART_ESTIMATES,
    MART_CELL_SCORES,
    MART_DIFFERENCES,
    MART_CHANGES,
    PUBLISHED_PRECISION,
    DISCLOSURE_VERDICTS,
)

# --- the private record of what was published (pipelines/warehouse/release_records.py):
# not derived, no run could make them again, so they are never dropped --------------------

_WAVE, *_ESTIMATE_COLUMNS = map(_from_shape, ESTIMATES.columns)
RELEASE_ESTIMATES = Table(
    "release_estimates",
    "the full-precision estimate rows of every version published",
    (_WAVE, VERSION, MART, *_ESTIMATE_COLUMNS),
    key=("wave", "version", "mart", *ESTIMATES.key[1:]),
)
COMPARED_RELEASES = Table(
    "compared_releases",
    "the earlier versions the changes into each wave compared with",
    (
        _aggregate("wave_to", "INTEGER", "the wave whose changes were computed"),
        _aggregate("wave_from", "INTEGER", "an earlier wave they compare with"),
        VERSION,
        _aggregate("manifest_sha256", "VARCHAR", "sha256 of that version's manifest.json"),
    ),
    key=("wave_to", "wave_from"),
)
RELEASE_TABLES = (RELEASE_ESTIMATES, COMPARED_RELEASES)

TABLES = {
    t.name: t
    for t in (
        *INGEST_TABLES,
        REF_MUNICIPALITY,
        REFERENCE_INPUTS,
        *LABEL_TABLES,
        *DERIVED_TABLES,
        *RELEASE_TABLES,
    )
}
