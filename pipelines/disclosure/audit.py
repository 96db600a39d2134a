"""The reconstruction audit of one wave of a mart (marts.md §5, §8), run before anything of
it is published: it reads the rows as they would be released and attacks them.

Target (§8): no published group whose split over the weighting cells, with a cell below
the minimum size, is the only one consistent with what is published — here, stricter: every
such cell of every family has a certificate (pipelines/disclosure/certificates.py); and no
suppressed group's estimate determined. Where a family misses it, `settle_precision`
publishes its groups coarser (published_precision, §8's levels) and attacks again.

The audit is the costliest step of a wave. `settle_precision` records its verdict with a
digest of everything the audit read (disclosure_verdicts); the blocking check and publishing
take that verdict when what they would audit has the same digest, code and minimum cell
size, and audit afresh otherwise.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import duckdb

from pipelines.disclosure.certificates import uncertified_cells
from pipelines.disclosure.families import Family, UnrecordedRow, families
from pipelines.estimation.published_rows import read_wave
from pipelines.marts.disclosure_rules import COARSEST_LEVEL, number_kind, published_rounding
from pipelines.marts.measures import MEASURES
from pipelines.provenance import code_version
from pipelines.warehouse.mart_tables import warehouse_table
from pipelines.warehouse.sql_runner import insert_rows, run_model

if TYPE_CHECKING:
    import pyarrow as pa


class ReconstructionError(ValueError):
    """A wave would publish numbers from which small cells can be worked back."""


@dataclass(frozen=True)
class Finding:
    """A family whose small cells the audit could not certify: what an attacker may learn."""

    family: Family
    cells: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.family.describe()}: the respondents' split over weighting cell(s) "
            f"{', '.join(self.cells)} may be worked back from the published numbers"
        )


def levels(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> dict[tuple, int]:
    """(measure, breakdown, group_code) -> the level the group is published at (0 if none)."""
    rows = con.execute(
        "SELECT measure, breakdown, group_code, level FROM published_precision "
        "WHERE mart = $mart AND wave = $wave",
        {"mart": mart, "wave": wave},
    ).fetchall()
    return {(measure, breakdown, group): level for measure, breakdown, group, level in rows}


@dataclass(frozen=True)
class AuditInputs:
    """Everything the audit of one wave of a mart reads: its rows as they would be published
    now, the levels they are published at, and their per-cell records (audit_cells)."""

    mart: str
    wave: int
    published: list[dict]
    levels: dict[tuple, int]
    cells: list[tuple]

    def digest(self, min_cell_size: int) -> str:
        """sha256 of the inputs with the code that audits them and the minimum cell size:
        equal digests, equal verdicts."""
        read = (self.published, sorted(self.levels.items()), self.cells)
        text = repr((self.mart, self.wave, read, min_cell_size, _code()))
        return hashlib.sha256(text.encode()).hexdigest()


@cache
def _code() -> str:
    # the code cannot change under a running process; hashing it is once per process
    return code_version()


def audit_inputs(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    wave: int,
    cells: list[tuple] | None = None,
    published: pa.Table | None = None,
) -> AuditInputs:
    """What the audit of one wave of a mart would read in the warehouse now; ``cells``: its
    cell records (audit_cells) where the caller read them already — building the mart
    writes them, settling its precision does not; ``published``: the wave's rows as
    ``read_wave`` gives them, where the caller holds them — the checks and publishing, which
    then audit the very rows they validate and write."""
    rows = read_wave(con, mart, wave) if published is None else published
    return AuditInputs(
        mart,
        wave,
        rows.to_pylist(),
        levels(con, mart, wave),
        audit_cells(con, mart, wave) if cells is None else cells,
    )


def wave_families(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> list[Family]:
    """The families of one wave of a mart, as it would be published now."""
    return _families(audit_inputs(con, mart, wave))


def _families(inputs: AuditInputs, within: set[tuple[str, str]] | None = None) -> list[Family]:
    """The families of ``inputs``; with ``within``, only those of these (breakdown,
    group_code) pairs: a family's rows all share one."""
    at = inputs.levels

    def half_width(measure: str, breakdown: str, group: str, column: str) -> float:
        rounding = published_rounding(
            column, number_kind(measure), at.get((measure, breakdown, group), 0)
        )
        return 0.0 if rounding is None else rounding.unit / 2

    published = inputs.published
    if within is not None:
        published = [r for r in published if (r["breakdown"], r["group_code"]) in within]
    return families(inputs.mart, inputs.wave, published, inputs.cells, half_width)


def audit_cells(con: duckdb.DuckDBPyConnection, mart: str, wave: int) -> list[tuple]:
    """sql/disclosure/audit_cells.sql for one wave of a mart: its rows' per-cell records."""
    return run_model(
        con, "disclosure/audit_cells", mart=mart, wave=wave, mart_table=warehouse_table(mart)
    ).fetchall()


def audit(families_: Iterable[Family], min_cell_size: int, search: bool = True) -> list[Finding]:
    """The families with a small cell that no certificate covers (``search``: look for
    certificates with the integer program too, not only by small moves)."""
    findings = []
    for family in families_:
        open_cells = uncertified_cells(family, min_cell_size, search)
        if open_cells:
            names = tuple(family.cells.names[c] for c in open_cells)
            findings.append(Finding(family, names))
    return findings


def settle_precision(
    con: duckdb.DuckDBPyConnection, mart: str, wave: int, min_cell_size: int
) -> list[Finding]:
    """Publish every family the audit flags one level coarser (published_precision), and
    attack again, until none is flagged or the coarsest level is reached; returns what is
    still flagged then (empty when the wave meets §8's target). Settling rows it settled
    before takes what it left then (``_settled_before``)."""
    cells = audit_cells(con, mart, wave)
    settled_on = _settling_inputs(con, mart, wave, cells, min_cell_size)
    if _settled_before(con, mart, wave, cells, min_cell_size, settled_on):
        return []
    con.execute(
        "DELETE FROM published_precision WHERE mart = $mart AND wave = $wave",
        {"mart": mart, "wave": wave},
    )
    # Below the coarsest level a family that small moves do not certify is published coarser
    # at once: cheaper than searching, and never less safe.
    inputs = audit_inputs(con, mart, wave, cells)
    findings = audit(_families(inputs), min_cell_size, search=False)
    for level in range(1, COARSEST_LEVEL + 1):
        if not findings:
            break
        groups = sorted(
            {
                (row.measure, f.family.breakdown, f.family.group_code)
                for f in findings
                for row in f.family.rows
            }
        )
        insert_rows(
            con,
            "published_precision",
            [
                (mart, wave, measure, breakdown, group, level)
                for measure, breakdown, group in groups
            ],
            replace=True,
        )
        # Only the families with a row now published coarser: the others read what they
        # read before, and were certified on it. Only those groups' families are made: making
        # every family again at each level took 0.66 s of the 7.5 s that settling the three
        # sample waves takes, those groups' 0.24 s.
        coarser = set(groups)
        inputs = audit_inputs(con, mart, wave, cells)
        within = {(breakdown, group) for _, breakdown, group in groups}
        again = [
            family
            for family in _families(inputs, within)
            if any(
                (row.measure, family.breakdown, family.group_code) in coarser for row in family.rows
            )
        ]
        findings = audit(again, min_cell_size, search=level == COARSEST_LEVEL)
    # What is left is the full audit's verdict on the settled rows: a family certified by
    # small moves at some level is certified by the search too, and a family's level changes
    # only its own rows. Recorded, so that the check and publishing need not audit again;
    # ``inputs`` were read after the last change of levels, so they are the settled rows.
    problems = [str(f) for f in findings] + _determined_hidden_estimates(inputs)
    con.execute(
        "INSERT OR REPLACE INTO disclosure_verdicts VALUES ($1, $2, $3, $4, $5)",
        [mart, wave, inputs.digest(min_cell_size), problems, settled_on],
    )
    return findings


def _settling_inputs(
    con: duckdb.DuckDBPyConnection, mart: str, wave: int, cells: list[tuple], min_cell_size: int
) -> str:
    """sha256 of what settling reads: the wave's rows of the mart at full precision and
    their cell records, with the code and the minimum cell size."""
    rows = con.execute(
        "SELECT * FROM mart_estimates WHERE mart = $mart AND wave = $wave ORDER BY ALL",
        {"mart": mart, "wave": wave},
    ).fetchall()
    text = repr((mart, wave, rows, cells, min_cell_size, _code()))
    return hashlib.sha256(text.encode()).hexdigest()


def _settled_before(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    wave: int,
    cells: list[tuple],
    min_cell_size: int,
    settled_on: str,
) -> bool:
    """Whether the levels of the wave of the mart are still those a settling of the same
    inputs left, with nothing found: settling them again would set the same levels (it
    starts from none, and decides on its inputs alone) and reach the same verdict. A run
    that materializes unchanged marts again (the UI, a run after a stop) skips the audit."""
    recorded = con.execute(
        "SELECT audit_digest, problems, settled_on FROM disclosure_verdicts "
        "WHERE mart = $mart AND wave = $wave",
        {"mart": mart, "wave": wave},
    ).fetchall()
    if not recorded:
        return False
    [(digest, problems, on)] = recorded
    return (
        on == settled_on
        and not problems
        and digest == audit_inputs(con, mart, wave, cells).digest(min_cell_size)
    )


def refuse_reconstruction(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    wave: int,
    min_cell_size: int,
    published: pa.Table | None = None,
) -> None:
    """Raise ReconstructionError when the wave of the mart, as it would be published now
    (``published``: those rows, read already), lets small cells be worked back (the audit
    as a blocking step of publishing)."""
    problems = reconstruction_problems(con, mart, wave, min_cell_size, published)
    if problems:
        raise ReconstructionError(
            f"mart {mart}, wave {wave}: refusing to publish what would disclose small cells:\n  "
            + "\n  ".join(problems[:10])
        )


def reconstruction_problems(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    wave: int,
    min_cell_size: int,
    published: pa.Table | None = None,
) -> list[str]:
    """What the audit finds in the wave of the mart as it would be published now
    (``published``: those rows, where the caller read them already), in words: splits it
    cannot certify, and suppressed estimates the published rows pin down. The verdict
    settle_precision recorded is taken when it was reached on the same inputs, code and
    minimum cell size (AuditInputs.digest); otherwise the audit runs."""
    inputs = audit_inputs(con, mart, wave, published=published)
    digest = inputs.digest(min_cell_size)
    recorded = _recorded_verdict(con, inputs, digest)
    if recorded is not None:
        return recorded
    if digest not in _AUDITED:
        while len(_AUDITED) >= _AUDITED_KEPT:
            del _AUDITED[next(iter(_AUDITED))]
        _AUDITED[digest] = audit_problems(inputs, min_cell_size)
    return list(_AUDITED[digest])


# Verdicts this process reached afresh, by digest (equal digests, equal verdicts): the
# blocking check and publishing may both find no recorded verdict for the same inputs, and
# the integer program makes such an audit seconds long. The oldest goes first.
_AUDITED: dict[str, list[str]] = {}
_AUDITED_KEPT = 64


def _recorded_verdict(
    con: duckdb.DuckDBPyConnection, inputs: AuditInputs, digest: str
) -> list[str] | None:
    # a warehouse whose marts were built before verdicts were recorded has no such table
    [(tables,)] = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'disclosure_verdicts'"
    ).fetchall()
    recorded = (
        tables
        and con.execute(
            "SELECT problems FROM disclosure_verdicts "
            "WHERE mart = $mart AND wave = $wave AND audit_digest = $digest",
            {"mart": inputs.mart, "wave": inputs.wave, "digest": digest},
        ).fetchall()
    )
    return list(recorded[0][0]) if recorded else None


def audit_problems(inputs: AuditInputs, min_cell_size: int) -> list[str]:
    """The audit of ``inputs``, run afresh: reconstruction_problems without a record."""
    try:
        found = _families(inputs)
    except UnrecordedRow as unrecorded:
        return [str(unrecorded)]
    findings = audit(found, min_cell_size)
    return [str(f) for f in findings] + _determined_hidden_estimates(inputs)


def _determined_hidden_estimates(inputs: AuditInputs) -> list[str]:
    """Suppressed groups whose estimate the published rows pin down (marts.md §5 (a)).

    The attacker is granted each group's weighted size W (from public frame counts and an
    exact reconstruction of every split), so the hidden groups' weighted sum X follows from
    the total's and the published groups' estimates, to within their rounding; a hidden
    group's estimate is then bounded by giving the other hidden groups every value from the
    bottom of the scale to the top. It counts as determined when those bounds are closer
    than a published estimate's own rounding. Tables whose groups do not split the total's
    denominator (a breakdown that leaves respondents without a group) cannot be differenced
    and are skipped."""
    mart, wave, rows = inputs.mart, inputs.wave, inputs.published
    size: dict[tuple, float] = defaultdict(float)
    for measure, item, breakdown, group, cell, n_h, big_n_h, n_d, _, _ in inputs.cells:
        if cell is not None:
            size[(measure, item, breakdown, group)] += n_d * big_n_h / n_h
    totals = {(r["measure"], r["item"]): r for r in rows if r["breakdown"] == "total"}
    tables: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        if r["breakdown"] != "total":
            tables[(r["measure"], r["item"], r["breakdown"])].append(r)
    half = _estimate_half_widths(inputs.levels)
    found = []
    for (measure, item, breakdown), groups in sorted(tables.items()):
        hidden = [g for g in groups if g["suppressed"]]
        total = totals.get((measure, item))
        if not hidden or total is None or total["suppressed"]:
            continue
        weight = {
            g["group_code"]: size[(measure, item, breakdown, g["group_code"])] for g in groups
        }
        whole = size[(measure, item, "total", "all")]
        if whole <= 0 or abs(sum(weight.values()) - whole) > 1e-9 * whole:
            continue
        precision = published_rounding("estimate", number_kind(measure)).unit
        for code, least, most in hidden_estimate_bounds(
            total, groups, weight, whole, half, MEASURES[measure].scale or (0, 1)
        ):
            # bounds that cross say the published numbers contradict each other: the
            # quality gate's to refuse, not a disclosure
            if 0 <= most - least < precision:
                found.append(
                    f"{mart} {wave} {measure} {item!r} {breakdown}={code}: the suppressed "
                    f"estimate lies in [{least:.4f}, {most:.4f}]"
                )
    return found


def _estimate_half_widths(at: dict[tuple, int]):
    def half(row: dict) -> float:
        level = at.get((row["measure"], row["breakdown"], row["group_code"]), 0)
        return published_rounding("estimate", number_kind(row["measure"]), level).unit / 2

    return half


def hidden_estimate_bounds(
    total: dict,
    groups: list[dict],
    weight: dict[str, float],
    total_weight: float,
    half_width,
    scale: tuple[int, int],
) -> list[tuple[str, float, float]]:
    """(group_code, least, most) of each suppressed group's estimate, as the total and the
    published groups of one table bound it: the hidden groups' weighted sum Σw·y is the
    total's less the published groups', each known to within its rounding (``half_width``
    of a row) times its weight; a hidden group takes what the others, anywhere on the
    ``scale``, leave."""
    low = (total["estimate"] - half_width(total)) * total_weight
    high = (total["estimate"] + half_width(total)) * total_weight
    hidden = [g for g in groups if g["suppressed"]]
    for g in groups:
        if not g["suppressed"]:
            w = weight[g["group_code"]]
            low -= (g["estimate"] + half_width(g)) * w
            high -= (g["estimate"] - half_width(g)) * w
    bottom, top = scale
    bounds = []
    for g in hidden:
        mine = weight[g["group_code"]]
        rest = sum(weight[h["group_code"]] for h in hidden) - mine
        least = max(bottom, (low - top * rest) / mine)
        most = min(top, (high - bottom * rest) / mine)
        bounds.append((g["group_code"], least, most))
    return bounds
