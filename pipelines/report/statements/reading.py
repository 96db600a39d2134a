"""Reading `published-figures.csv`: `load_statements` reads and validates the file."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, fields
from pathlib import Path

from pipelines.marts.breakdowns import BREAKDOWNS
from pipelines.marts.measures import MARTS, MEASURES
from pipelines.report.statements.base import NO_GROUP, Count, SignificanceStatement, Statement
from pipelines.report.statements.kinds import KINDS

COLUMNS = (
    "id",
    "wave",
    "mart",
    "measure",
    "item",
    "breakdown",
    "group_code",
    "kind",
    "target",
    "tolerance",
    "statement_no",
    "source",
)
# The columns that hold a kind's numbers; a kind has a field of each it needs.
NUMBERS = ("target", "tolerance")


class StatementsFileError(ValueError):
    pass


def load_statements(path: Path) -> list[Statement]:
    """Every statement of the file, in file order; a malformed cell raises
    StatementsFileError naming the file, line, column and value."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise StatementsFileError(
                f"{path}: line 1: columns {reader.fieldnames} differ from {list(COLUMNS)}"
            )
        statements = []
        seen: set[str] = set()
        for record in reader:
            statement = _parse(record, _Cell(path, reader.line_num, record))
            if statement.id in seen:
                raise StatementsFileError(
                    f"{path}: line {reader.line_num}, column id: value {statement.id!r} repeats"
                )
            seen.add(statement.id)
            statements.append(statement)
    return statements


@dataclass(frozen=True)
class _Cell:
    """Where a cell is, so that an error names it."""

    path: Path
    line: int
    record: dict[str, str]

    def error(self, column: str, reason: str) -> StatementsFileError:
        value = self.record.get(column)
        return StatementsFileError(
            f"{self.path}: line {self.line}, column {column}: value {value!r} {reason}"
        )


_ITEMS_OF_MEASURE = {m.name: {item.name for item in m.items} for m in MEASURES.values()}


def _parse(record: dict[str, str], cell: _Cell) -> Statement:
    if None in record or any(v is None for v in record.values()):
        raise StatementsFileError(
            f"{cell.path}: line {cell.line}: the row does not have {len(COLUMNS)} cells"
        )
    kind = KINDS.get(record["kind"])
    if kind is None:
        raise cell.error("kind", f"is no kind; the kinds are {', '.join(KINDS)}")
    if not record["id"]:
        raise cell.error("id", "is empty")
    if not record["statement_no"]:
        raise cell.error("statement_no", "is empty: the published sentence is missing")
    try:
        wave = int(record["wave"])
    except ValueError:
        raise cell.error("wave", "is not a year") from None
    if record["mart"] not in MARTS:
        raise cell.error("mart", f"is no mart; the marts are {', '.join(MARTS)}")
    measure = record["measure"]
    if measure not in _ITEMS_OF_MEASURE:
        raise cell.error("measure", "is no measure of marts.md §3")
    breakdown = record["breakdown"]
    if breakdown not in BREAKDOWNS:
        raise cell.error("breakdown", "is no breakdown of marts.md §4")
    if issubclass(kind, SignificanceStatement) and MEASURES[measure].items_are_groups:
        # its items are the groups of the test: the item is empty (shared/README.md)
        items = _listed(cell, "item", kind.item_count, {""})
    else:
        items = _listed(cell, "item", kind.item_count, _ITEMS_OF_MEASURE[measure])
    if kind.group_count == NO_GROUP:
        if cell.record["group_code"]:
            raise cell.error("group_code", f"is given, but kind {kind.kind} tests a whole table")
        groups: tuple[str, ...] = ()
    else:
        groups = _listed(cell, "group_code", kind.group_count, set(BREAKDOWNS[breakdown].groups))
    needed = {f.name for f in fields(kind)}
    numbers = {column: _number(cell, column, column in needed) for column in NUMBERS}
    return kind(
        id=record["id"],
        wave=wave,
        mart=record["mart"],
        measure=measure,
        items=items,
        breakdown=breakdown,
        group_codes=groups,
        text=record["statement_no"],
        source=record["source"],
        **{column: number for column, number in numbers.items() if column in needed},
    )


def _listed(cell: _Cell, column: str, count: Count, known: set[str]) -> tuple[str, ...]:
    values = tuple(cell.record[column].split("|"))
    least, most = count
    if len(values) < least or (most is not None and len(values) > most):
        wanted = f"{least}" if least == most else f"at least {least}"
        raise cell.error(column, f"lists {len(values)} value(s); kind needs {wanted}")
    if len(set(values)) < len(values):
        raise cell.error(column, "lists a value twice")
    unknown = [v for v in values if v not in known]
    if unknown:
        raise cell.error(column, f"has {unknown[0]!r}, unknown here; known: {sorted(known)}")
    return values


def _number(cell: _Cell, column: str, required: bool) -> float | None:
    text = cell.record[column]
    if not required:
        if text:
            raise cell.error(column, f"is given, but kind {cell.record['kind']} uses none")
        return None
    try:
        number = float(text)
    except ValueError:
        kind = cell.record["kind"]
        raise cell.error(column, f"is not a number (kind {kind} needs one)") from None
    if not math.isfinite(number) or number < 0:
        raise cell.error(column, "is not a finite number of at least 0")
    return number
