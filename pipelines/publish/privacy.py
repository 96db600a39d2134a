"""The privacy checks run on every mart table before any of it is written (marts.md §5).

They do not trust the estimator's flags: a row that carries an estimate, interval
bound, standard error or design effect while its `n` is below the minimum cell size
(or unknown), or while it is suppressed, is refused whatever the flags say; and so is
a table in which exactly one group is hidden, since the total, the other groups and
the public frame counts would give it away.
"""

from __future__ import annotations

from functools import reduce

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.marts.measures import ITEMS_ARE_GROUPS
from pipelines.marts.shapes import ESTIMATES, VALUE_COLUMNS

_SHOWN = 5


class PrivacyError(ValueError):
    pass


def refuse_small_cells(table: pa.Table, source: str, min_cell_size: int) -> None:
    """Raise PrivacyError naming the rows of `table` that would disclose a small cell
    (`min_cell_size` is checked where it enters publishing, `publish_wave`)."""
    small = pc.fill_null(pc.less(table["n"], min_cell_size), True)
    carries_value = reduce(pc.or_, (pc.is_valid(table[c]) for c in VALUE_COLUMNS))
    offending = table.filter(pc.and_(small, carries_value))
    if offending.num_rows == 0:
        return
    lines = []
    for row in offending.slice(0, _SHOWN).to_pylist():
        key = ", ".join(f"{k}={row[k]!r}" for k in ESTIMATES.key)
        values = ", ".join(f"{c}={row[c]!r}" for c in VALUE_COLUMNS if row[c] is not None)
        lines.append(f"  row ({key}): n={row['n']!r} with {values}")
    raise PrivacyError(
        f"{source}: refusing to publish {offending.num_rows} row(s) that carry an estimate or "
        f"interval while n is below the minimum cell size {min_cell_size}:\n" + "\n".join(lines)
    )


def disclosure_problems(table: pa.Table) -> list[str]:
    """What in one wave of a mart would disclose a suppressed cell, in words (marts.md §5).

    A table is the groups of one breakdown other than `total` for one (measure, item) — for
    a measure whose items are the groups of its table (the vocabulary's ITEMS_ARE_GROUPS),
    the measure. Exactly one suppressed
    group among two or more can be worked back from the others and the total; a suppressed
    row with any number on it discloses itself.
    """
    problems = []
    suppressed = pc.not_equal(table["suppression"], "none")
    carries_value = reduce(pc.or_, (pc.is_valid(table[c]) for c in VALUE_COLUMNS))
    for row in table.filter(pc.and_(suppressed, carries_value)).slice(0, _SHOWN).to_pylist():
        key = ", ".join(f"{k}={row[k]!r}" for k in ESTIMATES.key)
        problems.append(f"row ({key}) is {row['suppression']}-suppressed but carries numbers")
    bands = pc.is_in(table["measure"], pa.array(ITEMS_ARE_GROUPS, pa.string()))
    grouped = table.filter(pc.or_(pc.not_equal(table["breakdown"], "total"), bands))
    tables = pa.table(
        {
            "wave": grouped["wave"],
            "measure": grouped["measure"],
            "item": pc.if_else(
                pc.is_in(grouped["measure"], pa.array(ITEMS_ARE_GROUPS, pa.string())),
                "",
                grouped["item"],
            ),
            "breakdown": grouped["breakdown"],
            "hidden": pc.cast(pc.not_equal(grouped["suppression"], "none"), pa.int64()),
        }
    )
    counts = tables.group_by(["wave", "measure", "item", "breakdown"], use_threads=False).aggregate(
        [("hidden", "sum"), ("hidden", "count")]
    )
    lone = counts.filter(
        pc.and_(pc.equal(counts["hidden_sum"], 1), pc.greater(counts["hidden_count"], 1))
    )
    for row in lone.slice(0, _SHOWN).to_pylist():
        problems.append(
            f"table (wave={row['wave']}, measure={row['measure']!r}, item={row['item']!r}, "
            f"breakdown={row['breakdown']!r}) has exactly one suppressed group of "
            f"{row['hidden_count']}: it can be worked back from the others"
        )
    return problems


def refuse_disclosure(table: pa.Table, source: str) -> None:
    """Raise PrivacyError when `disclosure_problems` finds anything in `table`."""
    problems = disclosure_problems(table)
    if problems:
        raise PrivacyError(
            f"{source}: refusing to publish what would disclose a suppressed cell:\n  "
            + "\n  ".join(problems)
        )
