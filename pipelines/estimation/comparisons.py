"""Builds the two marts that compare estimates: `differences` between the groups of a wave
(marts.md §7) and `changes` between waves (§6). The SQL in sql/estimation/comparisons/ gives the
estimates, covariances and joins; pipelines/estimation/significance.py does the linear algebra and
the tails."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.estimation.significance import benjamini_hochberg, compare_groups, register_functions
from pipelines.marts.breakdowns import trend_order
from pipelines.warehouse.release_records import create_record_tables
from pipelines.warehouse.sql_runner import run_model

if TYPE_CHECKING:
    from pipelines.publish.layout import PublishedVersion

TEST_COLUMNS = pa.schema(
    [
        ("mart", pa.string()),
        ("measure", pa.string()),
        ("item", pa.string()),
        ("breakdown", pa.string()),
        ("groups", pa.int32()),
        ("groups_left_out", pa.string()),
        ("statistic", pa.float64()),
        ("df", pa.int32()),
        ("p_value", pa.float64()),
        ("q_value", pa.float64()),
        ("trend_z", pa.float64()),
        ("trend_p", pa.float64()),
    ]
)
EARLIER_RELEASES = pa.schema(
    [("wave", pa.int32()), ("version", pa.string()), ("manifest_sha256", pa.string())]
)


class ChangesError(RuntimeError):
    pass


def build_differences(con: duckdb.DuckDBPyConnection, wave: int) -> int:
    """Replace the wave's rows of mart_differences; returns how many it now has."""
    groups = run_model(con, "estimation/comparisons/group_estimates", wave=wave).fetchall()
    covariances = {
        (mart, measure, item, breakdown, a, b): value
        for mart, measure, item, breakdown, a, b, value in run_model(
            con, "estimation/comparisons/group_covariances", wave=wave
        ).fetchall()
    }
    rows = []
    for table, members in groupby(groups, key=lambda g: g[:4]):
        members = list(members)
        shown = [m for m in members if m[6]]
        if len(shown) < 2:
            continue
        codes = [m[4] for m in shown]
        estimates = np.array([m[7] for m in shown])
        covariance = np.diag([m[8] ** 2 for m in shown])
        for i, a in enumerate(codes):
            for j, b in enumerate(codes):
                if i != j:
                    pair = (a, b) if a < b else (b, a)
                    covariance[i, j] = covariances.get((*table, *pair), 0.0)
        tested = compare_groups(codes, estimates, covariance, trend_order(table[1], table[3]))
        mart, measure, item, breakdown = table
        rows.append(
            {
                "mart": mart,
                "measure": measure,
                "item": item,
                "breakdown": breakdown,
                "groups": len(codes),
                "groups_left_out": ",".join(m[4] for m in members if not m[6]),
                "statistic": tested.statistic,
                "df": tested.df,
                "p_value": tested.p_value,
                "trend_z": tested.trend_z,
                "trend_p": tested.trend_p,
            }
        )
    # the q-values adjust for every test of the wave
    q_values = benjamini_hochberg([row["p_value"] for row in rows])
    for row, q in zip(rows, q_values, strict=True):
        row["q_value"] = q
    con.register("group_tests", pa.Table.from_pylist(rows, schema=TEST_COLUMNS))
    try:
        run_model(con, "estimation/comparisons/differences", wave=wave)
    finally:
        con.unregister("group_tests")
    [(count,)] = con.execute(
        "SELECT count(*) FROM mart_differences WHERE wave = $wave", {"wave": wave}
    ).fetchall()
    return count


def build_changes(
    con: duckdb.DuckDBPyConnection, wave: int, earlier: Sequence[PublishedVersion]
) -> int:
    """Replace the rows of mart_changes into `wave`, against the full-precision rows the
    warehouse kept of the `earlier` versions (each earlier wave's LATEST), and record which
    they were (compared_releases); returns how many rows it now has. Refuses an earlier
    version whose rows the warehouse does not hold, naming the wave to run again."""
    later = [e for e in earlier if e.wave >= wave]
    if later:
        raise ValueError(f"the changes into {wave} cannot compare with wave {later[0].wave}")
    register_functions(con)
    create_record_tables(con)
    rows = [e.compared() for e in earlier]
    con.register("earlier_releases", pa.Table.from_pylist(rows, schema=EARLIER_RELEASES))
    try:
        missing = run_model(con, "estimation/comparisons/unrecorded_releases").fetchall()
        if missing:
            named = ", ".join(f"{w} {v}" for w, v in missing)
            rerun = " and ".join(str(w) for w, _ in missing)
            raise ChangesError(
                f"the changes into {wave} compare with the latest release of every earlier "
                f"wave, but the warehouse holds no full-precision rows (release_estimates) of "
                f"{named}: run wave {rerun} again (publishing records them), then wave {wave}"
            )
        run_model(con, "estimation/comparisons/compared_releases", wave=wave)
    finally:
        con.unregister("earlier_releases")
    run_model(con, "estimation/comparisons/changes", wave=wave)
    [(count,)] = con.execute(
        "SELECT count(*) FROM mart_changes WHERE wave_to = $wave", {"wave": wave}
    ).fetchall()
    return count
