"""SQL generated from the questionnaire and a wave's codebook: typing, records, cleaning.

Each function returns one statement over the ingest's temporary tables:

    ingest_landing   the delivered columns, as text                      (readers.py)
    ingest_raw       (a view) per variable the text delivered (raw_<name>) and its value
    delivery_rows    (a query) the typed delivery as the pandera schema validates it
    ingest_failures  what the schema found: (source_row, column, rule)   (validation.py)
    ingest_quarantine  one record per failed (rule, column) of a row
    ingest_accepted  the rows without quarantine records: row and weighting cell
    ingest_routing_warnings, ingest_responses   what the warehouse receives

The rules themselves are the pandera schema's (schemas.py); SQL turns its failures into
records, with the one rule a batch cannot see (a respondent id used twice in the wave).
Only names from the questionnaire and codebook and integer codes are written into the
SQL; the wave, file and numbering are bound parameters.
"""

from __future__ import annotations

from pipelines.ingest.encoding import ROW_COLUMN
from pipelines.ingest.identifiers import quote
from pipelines.survey import questionnaire as q
from pipelines.survey.codebook import WEIGHTING_CELL_COLUMNS, Codebook
from pipelines.warehouse.schema import SQL_TYPES

# The kinds whose delivered text the typing may fail to read (then the value is NULL, as
# for an empty one): the typed delivery says for them whether any text was delivered.
READ_KINDS = ("code", "flag", "timestamp")
# The rule of an answer outside routing in ingest_failures: a routing warning, not a
# quarantine record.
ROUTING = "routing"


def asked(book: Codebook) -> list[q.Variable]:
    return [q.variable(name) for name in book.canonical]


def routed(book: Codebook) -> list[q.Variable]:
    """The questions the wave asked that only some respondents are asked."""
    return [v for v in asked(book) if v.routed]


def raw_sql(book: Codebook) -> str:
    """Landing -> canonical names (questionnaire order), the text untouched: ``raw_<name>``;
    next to it ``<name>``, the value read as its variable's kind (NULL: empty or
    unreadable). Codes are read as BIGINT, so that a number too large for SMALLINT is
    still reported as outside the code list. Validation, the records and the typed rows
    read this one view. Not a table: that would hold every delivered text a second time
    beside the landing table (0.9 GB at a million rows, more than the warehouse's memory
    limit allows), and reading the texts once more where the rows are written costs less
    than copying them."""
    columns = [f"{quote(ROW_COLUMN)} AS source_row"]
    for v in asked(book):
        raw = quote(book.raw_for[v.name])
        columns += [f"{raw} AS raw_{v.name}", f"{_parse(v, raw)} AS {v.name}"]
    return _create("ingest_raw", f"SELECT\n    {_list(columns)}\nFROM ingest_landing", view=True)


def _parse(v: q.Variable, raw: str) -> str:
    return {
        "id": f"ingest_blank({raw})",
        "municipality": f"ingest_kommunenr({raw})",
        "code": f"ingest_integer({raw})",
        "flag": f"ingest_integer({raw})",
        # free text is kept exactly as written, unless there is nothing in it
        "text": f"CASE WHEN ingest_blank({raw}) IS NOT NULL THEN {raw} END",
        "timestamp": f"ingest_timestamp({raw})",
    }[v.kind]


def delivery_rows_sql(book: Codebook) -> str:
    """The typed delivery as schemas.delivery_schema validates it: per variable its value
    (NULL when empty or unreadable), for a value that can be unreadable
    whether the row holds any text for it (``delivered_<name>``), and the derived flags
    routing refers to (the shared macros of sql/warehouse/macros.sql, as the marts compute
    them); parameter $numbering. Not ordered: the records are ordered when they are made."""
    columns = ["r.source_row"]
    for v in asked(book):
        # codes as DOUBLE: the schema checks them as numpy floats (schemas.DTYPES)
        value = f"CAST(r.{v.name} AS DOUBLE)" if v.kind in ("code", "flag") else f"r.{v.name}"
        columns.append(f"{value} AS {v.name}")
        if v.kind in READ_KINDS:
            # a value read means text was delivered, no text means none: the blank test
            # (a trim of every text, half the cost of the query) only for what is left
            columns.append(
                f"CASE WHEN r.{v.name} IS NOT NULL THEN true WHEN r.raw_{v.name} IS NULL "
                f"THEN false ELSE ingest_blank(r.raw_{v.name}) IS NOT NULL END "
                f"AS delivered_{v.name}"
            )
    innovation = ", ".join(
        f"r.{name}" if book.asked(name) else "NULL" for name in q.INNOVATION_COLUMNS
    )
    columns += [
        f"innovator({innovation}) AS innovator",
        "in_merging_unit(r.forvaltningsniva, m.municipality_merged_2020, m.county_merged_2020) "
        "AS in_merging_unit",
    ]
    return (
        f"SELECT\n    {_list(columns)}\n"
        "FROM ingest_raw AS r\n"
        "LEFT JOIN ref_municipality AS m\n"
        "    ON m.numbering = $numbering AND m.kommunenr = r.kommunenr"
    )


def quarantine_sql(book: Codebook) -> str:
    """The quarantine records: the schema's failures but routing (ingest_failures), the
    respondent ids used more than once and the rows a reader could not land, as one
    UNION ALL; parameters $wave, $file. ``value`` is the text as delivered, ``resp_id``
    the trimmed id."""
    canonical = " ".join(
        f"WHEN {_text(raw)} THEN {_text(canon)}" for raw, canon in book.columns.items()
    )
    records = [
        'SELECT f.source_row, r.resp_id, f."column", '
        f"{_delivered_text(book)} AS value, f.rule\n"
        "FROM ingest_failures AS f\nJOIN ingest_raw AS r USING (source_row)\n"
        f"WHERE f.rule <> {_text(ROUTING)}",
        # A batch of the schema does not see the whole wave, so this rule is SQL's.
        "SELECT source_row, resp_id, 'resp_id' AS \"column\", raw_resp_id AS value, "
        "'duplicate_resp_id' AS rule\n"
        "FROM ingest_raw\n"
        "WHERE resp_id IN (SELECT resp_id FROM ingest_raw WHERE resp_id IS NOT NULL "
        "GROUP BY resp_id HAVING count(*) > 1)",
        # The rows a reader did not land: a malformed row has no columns to speak of (only
        # a stray spreadsheet cell has a place); a formula without a value names its variable.
        "SELECT source_row, nullif(trim(resp_id), '') AS resp_id, "
        f'CASE raw_column {canonical} ELSE raw_column END AS "column", value, rule\n'
        "FROM ingest_malformed",
    ]
    body = "\nUNION ALL\n".join(records)
    return _create(
        "ingest_quarantine",
        "SELECT CAST($wave AS INTEGER) AS wave, CAST($file AS VARCHAR) AS file, "
        'source_row AS "row", resp_id, "column", value, rule\n'
        f"FROM (\n{body}\n) AS failed\n"
        'ORDER BY "row", "column", rule',
    )


def accepted_sql(book: Codebook) -> str:
    """The rows without quarantine records: their source_row and weighting cell (typed as in
    ``responses``, with the respondent's landsdel), all the frame checks need; parameter
    $numbering. Their typed answers are read from ingest_raw once, as they are written
    (``responses_sql``): a wide copy of a million rows here took longer than the join."""
    columns = ["p.source_row"]
    for name in WEIGHTING_CELL_COLUMNS:
        if name in q.BY_NAME:
            columns.append(f"{_typed(book, q.variable(name), 'p')} AS {name}")
    columns.append("m.landsdel")
    return _create(
        "ingest_accepted",
        f"SELECT\n    {_list(columns)}\n"
        "FROM ingest_raw AS p\n"
        "JOIN ref_municipality AS m ON m.numbering = $numbering AND m.kommunenr = p.kommunenr\n"
        'WHERE NOT EXISTS (SELECT 1 FROM ingest_quarantine AS x WHERE x."row" = p.source_row)',
    )


def routing_warnings_sql(book: Codebook) -> str:
    """The schema's routing failures of the accepted rows: an answer to a question the
    respondent was not routed to; parameters $wave, $file."""
    return _create(
        "ingest_routing_warnings",
        "SELECT CAST($wave AS INTEGER) AS wave, CAST($file AS VARCHAR) AS file, "
        f'f.source_row AS "row", r.resp_id, f."column", {_delivered_text(book)} AS value\n'
        "FROM ingest_failures AS f\n"
        "JOIN ingest_accepted AS a USING (source_row)\n"
        "JOIN ingest_raw AS r USING (source_row)\n"
        f"WHERE f.rule = {_text(ROUTING)}\n"
        'ORDER BY "row", "column"',
    )


def responses_sql(book: Codebook) -> str:
    """The wave's rows of ``responses`` but ``wave`` and ``source_file`` (bound when they are
    written, sql/ingest/replace_wave.sql): the accepted rows typed (a variable the wave did
    not ask is NULL), with every answer that has a routing warning blanked."""
    asked_routed = {v.name for v in routed(book)}
    columns = ["r.source_row"]
    for v in q.VARIABLES:
        value = _typed(book, v, "r")
        if v.name in asked_routed:
            value = (
                f"CASE WHEN list_contains(w.blanked, {_text(v.name)}) THEN NULL ELSE {value} END"
            )
        columns.append(f"{value} AS {v.name}")
    return _create(
        "ingest_responses",
        f"SELECT\n    {_list(columns)}\n"
        "FROM ingest_raw AS r\n"
        'LEFT JOIN (SELECT "row" AS source_row, list("column") AS blanked '
        'FROM ingest_routing_warnings GROUP BY "row") AS w USING (source_row)\n'
        "WHERE r.source_row IN (SELECT source_row FROM ingest_accepted)",
        view=True,
    )


def _typed(book: Codebook, v: q.Variable, table: str) -> str:
    """``v``'s value in ``table`` (an alias of ingest_raw) typed as in ``responses``: NULL
    where the wave did not ask it."""
    value = f"{table}.{v.name}" if book.asked(v.name) else "NULL"
    return f"CAST({value} AS {SQL_TYPES[v.kind]})"


def _create(table: str, select: str, view: bool = False) -> str:
    """A staging table, or a view where a query reads it once, or a copy would cost more
    than computing it anew (a view is computed wherever it is named)."""
    return f"CREATE OR REPLACE TEMP {'VIEW' if view else 'TABLE'} {table} AS\n{select}"


def _list(items: list[str]) -> str:
    return ",\n    ".join(items)


def _delivered_text(book: Codebook) -> str:
    """The text as delivered (``r.raw_<name>``) of the variable named in ``f."column"``."""
    cases = " ".join(f"WHEN {_text(v.name)} THEN r.raw_{v.name}" for v in asked(book))
    return f'CASE f."column" {cases} END'


def _text(name: str) -> str:
    """A name from the questionnaire or codebook as an SQL string literal."""
    return "'" + name.replace("'", "''") + "'"
