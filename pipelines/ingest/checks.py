"""SQL generated from the questionnaire and a wave's codebook: row checks, typing, routing.

Each function returns one statement over the ingest's temporary tables:

    ingest_landing   the delivered columns, as text                      (readers.py)
    ingest_raw       per variable the text delivered (raw_<name>) and its value (<name>)
    ingest_quarantine  one record per failed (rule, column) of a row
    ingest_accepted  the typed rows without quarantine records, with the derived flags
    ingest_routing   per routed question, whether the respondent was asked it
    ingest_routing_warnings, ingest_responses   what the warehouse receives

Only names from the questionnaire and codebook and integer codes are written into the
SQL; the wave, file and numbering are bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines import questionnaire as q
from pipelines.codebook import REQUIRED_VARIABLES, Codebook
from pipelines.ingest.encoding import ROW_COLUMN
from pipelines.ingest.sql import quote

SQL_TYPES = {
    "id": "VARCHAR",
    "municipality": "VARCHAR",
    "code": "SMALLINT",
    "flag": "SMALLINT",
    "text": "VARCHAR",
    "timestamp": "TIMESTAMP",
}


def asked(book: Codebook) -> list[q.Variable]:
    return [q.variable(name) for name in book.canonical]


def raw_sql(book: Codebook) -> str:
    """Landing -> canonical names (questionnaire order), the text untouched: ``raw_<name>``;
    next to it ``<name>``, the value read as its variable's kind (NULL: empty or
    unreadable). Codes are read as BIGINT, so that a number too large for SMALLINT is
    still reported as outside the code list. The checks and the typing read this one
    table; it replaces the landing table, which is dropped."""
    columns = [f"{quote(ROW_COLUMN)} AS source_row"]
    for v in asked(book):
        raw = quote(book.raw_for[v.name])
        columns += [f"{raw} AS raw_{v.name}", f"{_parse(v, raw)} AS {v.name}"]
    return _create("ingest_raw", f"SELECT\n    {_list(columns)}\nFROM ingest_landing")


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


def quarantine_sql(book: Codebook) -> str:
    """Every row check of delivery contract §5 as one UNION ALL; parameters $wave, $file,
    $numbering. ``value`` is the text as delivered, ``resp_id`` the trimmed id."""
    checks = list(_row_checks(book))
    # The rows a reader did not land: a malformed row has no columns to speak of (only a
    # stray spreadsheet cell has a place); a formula without a value names its variable.
    canonical = " ".join(
        f"WHEN {_text(raw)} THEN {_text(canon)}" for raw, canon in book.columns.items()
    )
    checks.append(
        "SELECT source_row, nullif(trim(resp_id), '') AS resp_id, "
        f'CASE raw_column {canonical} ELSE raw_column END AS "column", value, rule\n'
        "FROM ingest_malformed"
    )
    body = "\nUNION ALL\n".join(checks)
    return _create(
        "ingest_quarantine",
        "SELECT CAST($wave AS INTEGER) AS wave, CAST($file AS VARCHAR) AS file, "
        'source_row AS "row", resp_id, "column", value, rule\n'
        f"FROM (\n{body}\n) AS failed\n"
        'ORDER BY "row", "column", rule',
    )


def _row_checks(book: Codebook) -> Iterable[str]:
    def check(variable: str, rule: str, condition: str) -> str:
        return (
            f'SELECT source_row, resp_id, {_text(variable)} AS "column", '
            f"raw_{variable} AS value, {rule} AS rule\n"
            f"FROM ingest_raw\nWHERE {condition}"
        )

    yield check("resp_id", "'empty_resp_id'", "resp_id IS NULL")
    yield check(
        "resp_id",
        "'duplicate_resp_id'",
        "resp_id IN (SELECT resp_id FROM ingest_raw WHERE resp_id IS NOT NULL "
        "GROUP BY resp_id HAVING count(*) > 1)",
    )
    yield check(
        "kommunenr",
        "'unknown_kommunenr'",
        "NOT EXISTS (SELECT 1 FROM ref_municipality AS m "
        "WHERE m.numbering = $numbering AND m.kommunenr = ingest_raw.kommunenr)",
    )
    for v in asked(book):
        if v.kind in ("code", "flag"):
            # one pass per column for both rules: the value is read once
            unreadable = f"ingest_blank(raw_{v.name}) IS NOT NULL AND {v.name} IS NULL"
            outside = f"{v.name} NOT IN ({_codes(book.allowed_codes(v.name))})"
            if v.name in REQUIRED_VARIABLES:
                # an empty background code is no code of the list either
                outside = f"ingest_blank(raw_{v.name}) IS NULL OR {outside}"
            yield check(
                v.name,
                f"CASE WHEN {unreadable} THEN 'not_an_integer' ELSE 'code_not_in_list' END",
                f"({unreadable}) OR {outside}",
            )
        elif v.kind == "timestamp":
            yield check(
                v.name,
                "'bad_timestamp'",
                f"ingest_blank(raw_{v.name}) IS NOT NULL AND {v.name} IS NULL",
            )
    valid = {
        name: f"{name} IN ({_codes(book.allowed_codes(name))})"
        for name in ("forvaltningsniva", "sektor", "virksomhetstype")
    }
    # The type's first digit is its sector; its level is in the questionnaire.
    yield check(
        "virksomhetstype",
        "'type_sector_mismatch'",
        f"{valid['virksomhetstype']} AND {valid['sektor']} AND virksomhetstype // 10 <> sektor",
    )
    level = (
        "CASE virksomhetstype "
        + " ".join(f"WHEN {code} THEN {lvl}" for code, (_, lvl) in q.VIRKSOMHETSTYPER.items())
        + " END"
    )
    yield check(
        "virksomhetstype",
        "'type_level_mismatch'",
        f"{valid['virksomhetstype']} AND {valid['forvaltningsniva']} "
        f"AND {level} <> forvaltningsniva",
    )
    if book.asked("startet") and book.asked("fullfort"):
        yield check("fullfort", "'completed_before_started'", "fullfort < startet")


def accepted_sql(book: Codebook) -> str:
    """The rows without quarantine records, typed as in ``responses`` (a variable the wave
    did not ask is NULL), with the respondent's landsdel and the derived routing flags
    (shared macros of sql/warehouse/macros.sql); parameter $numbering."""
    columns = ["p.source_row"]
    for v in q.VARIABLES:
        value = f"p.{v.name}" if book.asked(v.name) else "NULL"
        columns.append(f"CAST({value} AS {SQL_TYPES[v.kind]}) AS {v.name}")
    innovation = ", ".join(
        f"p.{name}" if book.asked(name) else "NULL" for name in q.INNOVATION_COLUMNS
    )
    columns += [
        "m.landsdel",
        f"innovator({innovation}) AS innovator",
        "in_merging_unit(p.forvaltningsniva, m.municipality_merged_2020, m.county_merged_2020) "
        "AS in_merging_unit",
    ]
    return _create(
        "ingest_accepted",
        f"SELECT\n    {_list(columns)}\n"
        "FROM ingest_raw AS p\n"
        "JOIN ref_municipality AS m ON m.numbering = $numbering AND m.kommunenr = p.kommunenr\n"
        'WHERE NOT EXISTS (SELECT 1 FROM ingest_quarantine AS x WHERE x."row" = p.source_row)',
    )


def routed(book: Codebook) -> list[q.Variable]:
    """The questions the wave asked that only some respondents are asked."""
    return [v for v in asked(book) if v.routed]


def routing_sql(book: Codebook) -> str:
    """Per routed question, whether the respondent was routed to it (``asked_<name>``),
    from the delivered values of the accepted row (Variable.routing_sql)."""
    columns = ["source_row"] + [
        f"coalesce({v.routing_sql()}, false) AS asked_{v.name}" for v in routed(book)
    ]
    return _create(
        "ingest_routing", f"SELECT\n    {_list(columns)}\nFROM ingest_accepted", view=True
    )


def routing_warnings_sql(book: Codebook) -> str:
    """An answer to a question the respondent was not routed to; parameters $wave, $file."""
    selects = [
        f'SELECT a.source_row, a.resp_id, {_text(v.name)} AS "column", r.raw_{v.name} AS value\n'
        "FROM ingest_accepted AS a\n"
        "JOIN ingest_routing AS g USING (source_row)\n"
        "JOIN ingest_raw AS r USING (source_row)\n"
        f"WHERE a.{v.name} IS NOT NULL AND NOT g.asked_{v.name}"
        for v in routed(book)
    ]
    body = "\nUNION ALL\n".join(selects) or (
        'SELECT NULL::BIGINT AS source_row, NULL::VARCHAR AS resp_id, NULL::VARCHAR AS "column", '
        "NULL::VARCHAR AS value WHERE false"
    )
    return _create(
        "ingest_routing_warnings",
        "SELECT CAST($wave AS INTEGER) AS wave, CAST($file AS VARCHAR) AS file, "
        'source_row AS "row", resp_id, "column", value\n'
        f"FROM (\n{body}\n) AS warned\n"
        'ORDER BY "row", "column"',
    )


def responses_sql(book: Codebook) -> str:
    """The wave's rows of ``responses`` but ``wave`` and ``source_file`` (bound when they are
    written, sql/ingest/replace_wave.sql): answers given against routing are NULL."""
    asked_routed = {v.name for v in routed(book)}
    columns = ["a.source_row"]
    for v in q.VARIABLES:
        if v.name in asked_routed:
            columns.append(f"CASE WHEN g.asked_{v.name} THEN a.{v.name} END AS {v.name}")
        else:
            columns.append(f"a.{v.name}")
    return _create(
        "ingest_responses",
        f"SELECT\n    {_list(columns)}\n"
        "FROM ingest_accepted AS a\nJOIN ingest_routing AS g USING (source_row)",
        view=True,
    )


def responses_ddl() -> str:
    """The warehouse table ``responses`` (docs/design.md), columns from the questionnaire."""
    columns = [
        "wave INTEGER NOT NULL",
        "source_file VARCHAR NOT NULL",
        "source_row BIGINT NOT NULL",
    ] + [
        f"{v.name} {SQL_TYPES[v.kind]}" + (" NOT NULL" if v.name in REQUIRED_VARIABLES else "")
        for v in q.VARIABLES
    ]
    return f"CREATE TABLE IF NOT EXISTS responses (\n    {_list(columns)}\n)"


def _create(table: str, select: str, view: bool = False) -> str:
    """A staging table, or a view where a query reads it once and it is cheap to compute
    (a view is bound anew wherever it is named, so the many-branch checks read tables)."""
    return f"CREATE OR REPLACE TEMP {'VIEW' if view else 'TABLE'} {table} AS\n{select}"


def _list(items: list[str]) -> str:
    return ",\n    ".join(items)


def _codes(codes: Iterable[int]) -> str:
    return ", ".join(str(int(c)) for c in codes)


def _text(name: str) -> str:
    """A name from the questionnaire or codebook as an SQL string literal."""
    return "'" + name.replace("'", "''") + "'"
