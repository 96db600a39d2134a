"""The one error a refused delivery raises (delivery contract §5, whole-delivery errors)."""

from __future__ import annotations

from pathlib import Path


class DeliveryError(Exception):
    """A delivery the pipeline refuses as a whole.

    The message names the file and, where they apply, the row, the column and the
    offending value, so that whoever prepares the next delivery knows what to fix.
    """

    def __init__(
        self,
        file: Path | str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.file = str(file)
        self.problem = problem
        self.row = row
        self.column = column
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        return f"{', '.join(where)}: {self.problem}"
