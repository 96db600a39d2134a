"""Whether the pipeline's marts and the baseline's are the same rows.

Keys, labels, `n`, `suppression` and `suppressed` must be equal; `estimate`, `ci_lower`,
`ci_upper`, `se` and `deff` equal within TOLERANCE (both NULL counts as equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.marts.measures import MARTS
from pipelines.marts.shapes import ESTIMATES, VALUE_COLUMNS
from pipelines.warehouse.mart_tables import warehouse_table

TOLERANCE = 1e-9
SHOWN = 5
_EXACT = tuple(c for c in ESTIMATES.names if c not in ESTIMATES.key and c not in VALUE_COLUMNS)


@dataclass(frozen=True)
class MartComparison:
    rows: int  # rows compared over all marts (a row of either side counts once)
    differing: int  # rows missing on one side or with a value that differs
    max_difference: float  # largest |pipeline - baseline| of an estimate or bound
    examples: tuple[str, ...]  # the first differing rows of each mart

    @property
    def identical(self) -> bool:
        return self.rows > 0 and self.differing == 0


def _differs(column: str) -> str:
    if column in VALUE_COLUMNS:
        return (
            f"(p.{column} IS NULL) <> (b.{column} IS NULL) "
            f"OR abs(p.{column} - b.{column}) > {TOLERANCE!r}"
        )
    # `n` is never NULL in a mart, so a row missing on one side differs here too
    return f"p.{column} IS DISTINCT FROM b.{column}"


def compare_marts(pipeline_db: Path, baseline_db: Path, wave: int) -> MartComparison:
    """Compare one wave of every mart of two warehouses (opened read-only)."""
    con = duckdb.connect()
    con.execute("ATTACH $path AS p (READ_ONLY)", {"path": str(pipeline_db)})
    con.execute("ATTACH $path AS b (READ_ONLY)", {"path": str(baseline_db)})
    compared = (*_EXACT, *VALUE_COLUMNS)
    differs = " OR ".join(f"({_differs(c)})" for c in compared)
    gap = ", ".join(f"coalesce(abs(p.{c} - b.{c}), 0)" for c in VALUE_COLUMNS)
    rows = differing = 0
    largest, examples = 0.0, []
    for mart in MARTS:
        table = warehouse_table(mart)
        joined = (
            f"FROM (SELECT * FROM p.{table} WHERE wave = $wave) AS p "
            f"FULL JOIN (SELECT * FROM b.{table} WHERE wave = $wave) AS b "
            f"USING ({', '.join(ESTIMATES.key)})"
        )
        [(count, bad, biggest)] = con.execute(
            f"SELECT count(*), count(*) FILTER ({differs}), max(greatest({gap})) {joined}",
            {"wave": wave},
        ).fetchall()
        rows, differing = rows + count, differing + bad
        largest = max(largest, biggest or 0.0)
        shown = ", ".join(f"p.{c}, b.{c}" for c in compared)
        examples += [
            f"{mart} {row}"
            for row in con.execute(
                f"SELECT {', '.join(ESTIMATES.key)}, {shown} {joined} WHERE {differs} "
                f"ORDER BY ALL LIMIT {SHOWN}",
                {"wave": wave},
            ).fetchall()
        ]
    con.close()
    return MartComparison(rows, differing, largest, tuple(examples))
