"""The privacy check run on every mart table before any of it is written.

It does not trust the estimator's `suppressed` flag: a row that carries an
estimate or interval bound while its `n` is below the minimum cell size (or
unknown) is refused, whatever the flag says.
"""

from __future__ import annotations

from functools import reduce

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.publish.marts import KEY, VALUE_COLUMNS
from pipelines.transform import SMALLEST_MIN_CELL_SIZE

_SHOWN = 5


class PrivacyError(ValueError):
    pass


def check_min_cell_size(min_cell_size: int) -> None:
    if isinstance(min_cell_size, bool) or not isinstance(min_cell_size, int):
        raise PrivacyError(f"minimum cell size must be an integer, got {min_cell_size!r}")
    if min_cell_size < SMALLEST_MIN_CELL_SIZE:
        raise PrivacyError(
            f"minimum cell size {min_cell_size} is below the floor of {SMALLEST_MIN_CELL_SIZE}"
        )


def refuse_small_cells(table: pa.Table, source: str, min_cell_size: int) -> None:
    """Raise PrivacyError naming the rows of `table` that would disclose a small cell."""
    check_min_cell_size(min_cell_size)
    small = pc.fill_null(pc.less(table["n"], min_cell_size), True)
    carries_value = reduce(pc.or_, (pc.is_valid(table[c]) for c in VALUE_COLUMNS))
    offending = table.filter(pc.and_(small, carries_value))
    if offending.num_rows == 0:
        return
    lines = []
    for row in offending.slice(0, _SHOWN).to_pylist():
        key = ", ".join(f"{k}={row[k]!r}" for k in KEY)
        values = ", ".join(f"{c}={row[c]!r}" for c in VALUE_COLUMNS if row[c] is not None)
        lines.append(f"  row ({key}): n={row['n']!r} with {values}")
    raise PrivacyError(
        f"{source}: refusing to publish {offending.num_rows} row(s) that carry an estimate or "
        f"interval while n is below the minimum cell size {min_cell_size}:\n" + "\n".join(lines)
    )
