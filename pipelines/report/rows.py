"""Rows of a published mart as the report reads them (the estimates of marts.md §1), from a
release opened by pipelines/report/published.py: each mart is the table of its name."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class MartRow:
    item: str
    item_label: str
    group_code: str
    group_label: str
    n: int
    # None when the row is suppressed (marts.md §5)
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    # 'none'; 'primary': n below the minimum cell size; 'secondary': hidden so that a lone
    # primary cell of its table cannot be worked back from the others
    suppression: str

    @property
    def suppressed(self) -> bool:
        return self.suppression != "none"


def read_rows(
    con: duckdb.DuckDBPyConnection, mart: str, wave: int, measure: str, breakdown: str
) -> list[MartRow]:
    """Every row of one measure and breakdown of a mart in a wave, by item and group."""
    query = (
        "SELECT item, item_label, group_code, group_label, n, estimate, ci_lower, ci_upper, "
        f"suppression FROM {mart} "
        "WHERE wave = $wave AND measure = $measure AND breakdown = $breakdown "
        "ORDER BY item, group_code"
    )
    params = {"wave": wave, "measure": measure, "breakdown": breakdown}
    return [MartRow(*row) for row in con.execute(query, params).fetchall()]


@dataclass(frozen=True)
class GroupTest:
    """A row of the differences mart: whether the published groups of a table differ."""

    groups: int
    groups_left_out: str
    p_value: float | None
    q_value: float | None
    trend_z: float | None
    trend_p: float | None


def read_test(
    con: duckdb.DuckDBPyConnection, wave: int, mart: str, measure: str, item: str, breakdown: str
) -> GroupTest | None:
    """The test of one table's groups (marts.md §7), if the wave has one."""
    rows = con.execute(
        "SELECT groups, groups_left_out, p_value, q_value, trend_z, trend_p "
        "FROM differences WHERE wave = $wave AND mart = $mart AND measure = $measure "
        "AND item = $item AND breakdown = $breakdown",
        {"wave": wave, "mart": mart, "measure": measure, "item": item, "breakdown": breakdown},
    ).fetchall()
    return GroupTest(*rows[0]) if rows else None


def has_wave(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> bool:
    """Whether the mart has any row for the wave (a wave that did not ask has none)."""
    query = f"SELECT count(*) > 0 FROM {mart} WHERE wave = $wave"
    [(found,)] = con.execute(query, {"wave": wave}).fetchall()
    return found
