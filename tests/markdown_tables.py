"""The Markdown tables of a page the project writes (bench/results.md), as rows of cells."""

from __future__ import annotations


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def table_after(text: str, header: str) -> list[list[str]]:
    """The rows of the first Markdown table whose header line starts with `header`, its
    header and rule included."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    return rows
