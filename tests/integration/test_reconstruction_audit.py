"""The reconstruction audit (docs/disclosure.md): the attack recovers small cells from the
marts printed at full precision, finds none in what is published, and the audit stops a
wave that would let one be worked back.

Full precision is read straight from the warehouse (the `mart_<name>` views), as releases
printed it before marts.md §8; what is published is read through `read_wave`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from pipelines.disclosure import audit as audit_module
from pipelines.disclosure.attack import attack
from pipelines.disclosure.audit import (
    ReconstructionError,
    audit,
    audit_cells,
    audit_inputs,
    audit_problems,
    hidden_estimate_bounds,
    reconstruction_problems,
    refuse_reconstruction,
    settle_precision,
    wave_families,
)
from pipelines.disclosure.certificates import certificate, changed_cells
from pipelines.disclosure.families import families
from pipelines.disclosure.figures import FIGURES, figures
from pipelines.estimation import transform
from pipelines.estimation.published_rows import read_wave
from pipelines.ingest import ingest_wave
from pipelines.ingest.reference import build_reference
from pipelines.marts.disclosure_rules import (
    MIN_CELL_SIZE,
    PRECISION_LEVELS,
    number_kind,
    published_rounding,
)
from pipelines.marts.measures import MARTS
from pipelines.publish import code_version, publish_wave
from sample import generate

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

MIN = 10
RAW_DIR = Path(__file__).resolve().parents[2] / "data" / "raw"
SAMPLE_WAVES = (2018, 2020, 2024)


def full_precision_families(con: duckdb.DuckDBPyConnection, mart: str, wave: int):
    """The families of a wave as releases printed them before §8: every double in full."""
    rows = con.sql(f"SELECT * FROM mart_{mart} WHERE wave = {wave}").to_arrow_table()
    cells = audit_cells(con, mart, wave)
    return families(mart, wave, rows.to_pylist(), cells, lambda *_: 0.0)


def the_family(found, breakdown: str, group: str, measure: str):
    [family] = [
        f
        for f in found
        if (f.breakdown, f.group_code) == (breakdown, group) and f.rows[0].measure == measure
    ]
    return family


@pytest.fixture(scope="module")
def warehouse_2020(sample_run, tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """The 2020 sample wave (its marts built, their precision settled) in a warehouse of this
    module's own, which its tests may change: a copy of the session's sample run's."""
    copy = tmp_path_factory.mktemp("audit") / "warehouse.duckdb"
    shutil.copy(sample_run.warehouse, copy)
    return duckdb.connect(str(copy))


def built_2020(raw: Path, warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse holding wave 2020 of ``raw``, its marts built (their precision settled)."""
    con = duckdb.connect(str(warehouse))
    build_reference(con, raw / "reference")
    ingest_wave(con, raw, 2020)
    transform.prepare_warehouse(con)
    transform.build_respondents(con, 2020)
    for mart in MARTS:
        transform.build_mart(con, mart, 2020)
        settle_precision(con, mart, 2020, MIN_CELL_SIZE)
    return con


def test_the_attack_recovers_small_cells_from_full_precision(sample_warehouse):
    """Development underway among the 29 county-level non-innovators of 2020: from the
    printed share alone (and the public cells), the integer program finds exactly one split
    — the true one, with 3 and 6 respondents in two sectors and their answers."""
    found = full_precision_families(sample_warehouse, "innovation", 2020)
    family = the_family(found, "government_level", "2", "development_underway")
    outcome = attack(family)
    assert outcome.complete
    assert outcome.determined is not None
    assert (outcome.determined.m == family.m).all()
    assert (outcome.determined.x == family.x).all()
    assert outcome.small_cells(MIN) == [("4|-|-", 3), ("5|-|-", 6)]


def test_the_attack_recovers_a_single_respondents_answer_from_full_precision(sample_warehouse):
    """The biggest inhibitor named by the 13 county-level workplaces developing an innovation
    in 2020, eleven factors printed in full: one split fits, with one respondent alone in
    sector 4 — and which factor that workplace named."""
    found = full_precision_families(sample_warehouse, "factors", 2020)
    family = the_family(found, "government_level", "2", "biggest_inhibitor")
    outcome = attack(family)
    assert outcome.determined is not None
    assert (outcome.determined.m == family.m).all()
    assert (outcome.determined.x == family.x).all()
    assert outcome.small_cells(MIN) == [("2|-|-", 9), ("4|-|-", 1), ("5|-|-", 3)]
    [alone] = [c for c, name in enumerate(family.cells.names) if name == "4|-|-"]
    assert outcome.determined.x[:, alone].sum() == 1


def test_the_attack_recovers_nothing_from_what_is_published(sample_warehouse):
    """The same group as published (rounded, and coarser where the audit asked): the attack
    finds two different splits, so it cannot tell which is true."""
    family = the_family(
        wave_families(sample_warehouse, "innovation", 2020),
        "government_level",
        "2",
        "development_underway",
    )
    outcome = attack(family)
    assert outcome.determined is None
    assert len(outcome.splits) == 2
    assert (
        not (outcome.splits[0].m == outcome.splits[1].m).all()
        or not (outcome.splits[0].x == outcome.splits[1].x).all()
    )


@pytest.mark.parametrize("wave", SAMPLE_WAVES)
def test_the_published_samples_meet_the_target(sample_warehouse, wave):
    """No group of any mart has a small cell without a certificate, and no suppressed
    estimate is pinned down — on every sample wave as published: audited afresh, and in the
    verdict the run recorded, which its check and publishing took."""
    for mart in MARTS:
        assert audit_problems(audit_inputs(sample_warehouse, mart, wave), MIN) == []
        assert reconstruction_problems(sample_warehouse, mart, wave, MIN) == []


def test_a_recorded_verdict_is_taken_only_for_the_inputs_it_was_reached_on(
    warehouse_2020, monkeypatch
):
    """settle_precision's verdict stands for what it audited: a planted verdict under the
    current digest is what the check would take, but a changed level or another minimum
    cell size makes the audit run again (and find the real problems) — once per process
    for the same inputs."""
    # innovation: a mart with groups published coarser, whose audit at level 0 finds their
    # problems in a second (those of factors and failures take 20 s; the rule is the same)
    con = warehouse_2020
    digest = audit_inputs(con, "innovation", 2020).digest(MIN)
    [(recorded,)] = con.execute(
        "SELECT audit_digest FROM disclosure_verdicts WHERE mart = 'innovation' AND wave = 2020"
    ).fetchall()
    assert recorded == digest
    con.execute(
        "UPDATE disclosure_verdicts SET problems = ['planted'] "
        "WHERE mart = 'innovation' AND wave = 2020"
    )
    audited = []
    real = audit_module.audit_problems

    def audit_problems(inputs, min_cell_size):
        audited.append(min_cell_size)
        # at another size only whether the audit runs matters, not what it finds
        return real(inputs, min_cell_size) if min_cell_size == MIN else ["audited afresh"]

    monkeypatch.setattr(audit_module, "audit_problems", audit_problems)
    assert reconstruction_problems(con, "innovation", 2020, MIN) == ["planted"]
    assert audited == []
    assert reconstruction_problems(con, "innovation", 2020, MIN + 1) == ["audited afresh"]
    assert audited == [MIN + 1]
    con.execute(
        "DELETE FROM published_precision WHERE mart = 'innovation' AND wave = 2020 AND level > 0"
    )
    problems = reconstruction_problems(con, "innovation", 2020, MIN)
    assert problems and "planted" not in problems and "audited afresh" not in problems
    assert audited == [MIN + 1, MIN]
    # a warehouse whose marts were built before verdicts were recorded: no record to take;
    # the verdict this process reached on the same inputs is, without auditing them again
    con.execute("DROP TABLE disclosure_verdicts")
    assert reconstruction_problems(con, "innovation", 2020, MIN) == problems
    assert audited == [MIN + 1, MIN]
    transform.prepare_warehouse(con)
    assert settle_precision(con, "innovation", 2020, MIN) == []  # as the module found it


def test_the_rows_a_caller_holds_are_the_rows_audited(warehouse_2020, monkeypatch):
    """The blocking check and publishing hand the audit the rows they validate and write:
    those rows, not a second read of the warehouse, are what a recorded verdict is looked up
    for and what is audited afresh without one."""
    con = warehouse_2020
    audited = []

    def audit_problems(inputs, min_cell_size):
        audited.append(inputs.published)
        return ["audited afresh"]

    monkeypatch.setattr(audit_module, "audit_problems", audit_problems)
    rows = read_wave(con, "innovation", 2020)
    # the rows as the warehouse holds them: the record's verdict, nothing audited
    assert reconstruction_problems(con, "innovation", 2020, MIN, rows) == []
    assert audited == []
    held = rows.to_pylist()
    shown = next(r for r in held if not r["suppressed"] and r["breakdown"] == "sector")
    shown["estimate"] = round(shown["estimate"] + (0.01 if shown["estimate"] < 0.5 else -0.01), 2)
    changed = pa.Table.from_pylist(held, schema=rows.schema)
    assert reconstruction_problems(con, "innovation", 2020, MIN, changed) == ["audited afresh"]
    assert audited == [held]
    with pytest.raises(ReconstructionError, match="audited afresh"):
        refuse_reconstruction(con, "innovation", 2020, MIN, changed)
    # the warehouse itself, read again, still has its record
    assert reconstruction_problems(con, "innovation", 2020, MIN) == []
    assert len(audited) == 1


def test_settling_the_same_rows_again_takes_what_it_left(warehouse_2020, monkeypatch):
    """Settling rows whose precision was settled before audits nothing and leaves their
    levels; a level changed since, or one number of the rows at full precision, makes it
    settle again — to the levels it set before, once the number is back."""
    con = warehouse_2020

    def levels():
        return con.execute(
            "SELECT * FROM published_precision WHERE mart = 'failures' AND wave = 2020 ORDER BY ALL"
        ).fetchall()

    # settled by the fixture, or again here where a test before dropped its verdict
    assert settle_precision(con, "failures", 2020, MIN) == []
    settled = levels()
    assert settled
    audited = []
    real = audit_module.audit
    monkeypatch.setattr(
        audit_module,
        "audit",
        lambda found, k, search=True: audited.append(k) or real(found, k, search),
    )
    assert settle_precision(con, "failures", 2020, MIN) == []
    assert audited == [] and levels() == settled
    con.execute("DELETE FROM published_precision WHERE mart = 'failures' AND wave = 2020")
    assert settle_precision(con, "failures", 2020, MIN) == []
    assert audited and levels() == settled
    where = (
        "mart = 'failures' AND wave = 2020 AND breakdown = 'total' AND measure = $measure "
        "AND item = $item"
    )
    [(measure, item, estimate)] = con.execute(
        "SELECT measure, item, estimate FROM mart_estimates WHERE mart = 'failures' "
        "AND wave = 2020 AND breakdown = 'total' AND NOT suppressed ORDER BY ALL LIMIT 1"
    ).fetchall()
    key = {"measure": measure, "item": item}
    con.execute(
        f"UPDATE mart_estimates SET estimate = $e WHERE {where}", {**key, "e": estimate / 2}
    )
    audited.clear()
    settle_precision(con, "failures", 2020, MIN)
    assert audited
    con.execute(f"UPDATE mart_estimates SET estimate = $e WHERE {where}", {**key, "e": estimate})
    assert settle_precision(con, "failures", 2020, MIN) == []
    assert levels() == settled


def test_full_precision_fails_the_audit(sample_warehouse):
    """The audit is no formality: on the marts as printed in full, dozens of 2020 groups
    have small cells it cannot certify — among them the group the attack splits above."""
    flagged = audit(full_precision_families(sample_warehouse, "innovation", 2020), MIN)
    described = [f.family.describe() for f in flagged]
    assert len(flagged) >= 5
    assert "innovation 2020 government_level=2 (development_underway; n = 29)" in described


def test_groups_are_published_coarser_where_section_8_is_not_enough(sample_warehouse):
    levels = dict(
        sample_warehouse.execute(
            "SELECT level, count(*) FROM published_precision WHERE wave = 2020 GROUP BY level"
        ).fetchall()
    )
    assert set(levels) <= set(PRECISION_LEVELS) - {0}
    assert levels.get(1, 0) > 0 and levels.get(2, 0) > 0
    # the coarsened rows are published as their level says: se and deff withheld, the
    # estimate on the level's steps
    for mart in MARTS:
        coarse = sample_warehouse.execute(
            "SELECT measure, breakdown, group_code, level FROM published_precision "
            "WHERE mart = $mart AND wave = 2020",
            {"mart": mart},
        ).fetchall()
        rows = {
            (r["measure"], r["breakdown"], r["group_code"]): r
            for r in read_wave(sample_warehouse, mart, 2020).to_pylist()
            if not r["suppressed"]
        }
        for measure, breakdown, group, level in coarse:
            row = rows.get((measure, breakdown, group))
            if row is None:
                continue
            assert row["se"] is None and row["deff"] is None
            unit = published_rounding("estimate", number_kind(measure), level).unit
            assert abs(row["estimate"] / unit - round(row["estimate"] / unit)) < 1e-9


def test_a_certificate_reproduces_every_published_number(warehouse_2020):
    """A certificate is a second split that changes a small cell and still rounds to every
    published number of its group — checked here with DuckDB's own round."""
    checked = 0
    for family in wave_families(warehouse_2020, "failures", 2020):
        small = [c for c, k in enumerate(family.m) if 0 < k < MIN]
        split = certificate(family, small[0]) if small else None
        if split is None:
            continue
        assert small[0] in changed_cells(family, split)
        for r, row in enumerate(family.rows):
            squares = split.x[r] if not row.mean else None
            if squares is None:
                continue  # a mean's squares are chosen by the audit; shares are exact
            made = figures(family.cells, split.m, split.x[r], squares, row.mean)
            for name in FIGURES:
                published = row.published.values[name]
                if published is None:
                    continue
                unit = 2 * row.published.half_widths[name]
                steps = round(1 / unit) if unit >= 0.05 else None
                value = float(made[name])
                [(rounded,)] = warehouse_2020.execute(
                    "SELECT CASE WHEN $steps IS NULL THEN round($v, $d) "
                    "ELSE round(round($v * $steps) / $steps, 2) END",
                    {"v": value, "d": round(-np.log10(unit)), "steps": steps},
                ).fetchall()
                assert rounded == pytest.approx(published, abs=1e-12), (family.describe(), name)
        checked += 1
    assert checked >= 3


def test_the_audit_stops_what_it_cannot_certify(warehouse_2020, tmp_path):
    """Without the coarser levels the audit set, innovation 2020 would publish groups whose
    small cells it cannot certify — among them the group the attack splits above: the audit
    names them, publishing refuses the wave and writes nothing; settling the precision again
    passes."""
    warehouse_2020.execute(
        "DELETE FROM published_precision WHERE mart = 'innovation' AND wave = 2020"
    )
    problems = reconstruction_problems(warehouse_2020, "innovation", 2020, MIN)
    assert len(problems) >= 5
    assert any(
        p.startswith("innovation 2020 government_level=2 (development_underway; n = 29)")
        for p in problems
    )
    with pytest.raises(ReconstructionError, match="innovation 2020"):
        refuse_reconstruction(warehouse_2020, "innovation", 2020, MIN)

    def no_gate(*_):
        raise AssertionError("the audit comes before the gate")

    marts_dir = tmp_path / "marts"
    with pytest.raises(ReconstructionError):
        publish_wave(
            warehouse_2020,
            2020,
            marts_dir=marts_dir,
            inputs={"2020/frame.csv": "a" * 64},
            code_version=code_version(),
            run_id="test",
            min_cell_size=MIN,
            gate=no_gate,
        )
    assert not (marts_dir / "wave=2020").exists() or not any(
        p.name.startswith("v") for p in (marts_dir / "wave=2020").iterdir()
    )
    assert settle_precision(warehouse_2020, "innovation", 2020, MIN) == []
    assert reconstruction_problems(warehouse_2020, "innovation", 2020, MIN) == []


def test_a_lone_hidden_group_is_pinned_down_at_full_precision_not_when_rounded():
    """Total 0.3 of weight 100, groups A (0.2 of 50) and C (0.5 of 20) published, B (30)
    hidden: in full, B is (30 − 10 − 10) / 30 exactly; at 3 decimals the three roundings
    leave it a range wider than a published figure's precision."""
    total = {"measure": "innovative", "breakdown": "total", "group_code": "all", "estimate": 0.3}
    groups = [
        {"group_code": "A", "estimate": 0.2, "suppressed": False},
        {"group_code": "B", "estimate": None, "suppressed": True},
        {"group_code": "C", "estimate": 0.5, "suppressed": False},
    ]
    weight = {"A": 50.0, "B": 30.0, "C": 20.0}
    [(code, least, most)] = hidden_estimate_bounds(
        total, groups, weight, 100.0, lambda row: 0.0, (0, 1)
    )
    assert code == "B"
    assert least == pytest.approx(10 / 30) and most == pytest.approx(10 / 30)
    [(_, least, most)] = hidden_estimate_bounds(
        total, groups, weight, 100.0, lambda row: 0.0005, (0, 1)
    )
    assert most - least == pytest.approx(2 * 0.0005 * 170 / 30)
    assert most - least > 0.001
    # with a second hidden group (secondary suppression) B ranges over what C may take
    groups[2] = {"group_code": "C", "estimate": None, "suppressed": True}
    bounds = dict(
        (c, (lo, hi))
        for c, lo, hi in hidden_estimate_bounds(
            total, groups, weight, 100.0, lambda row: 0.0, (0, 1)
        )
    )
    assert bounds["B"] == (pytest.approx(0.0), pytest.approx(20 / 30))


def test_a_wave_of_many_small_groups_meets_the_target(tmp_path):
    """A 2020 wave of 400 respondents (the sample generator's): most groups are small, many
    are published coarser — down to one decimal — and the audit then finds nothing in any
    mart."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR / "reference", raw / "reference")
    generate(2020, 400, 3, raw / "2020", fmt="csv", defects_path=tmp_path / "defects.json")
    con = built_2020(raw, tmp_path / "warehouse.duckdb")
    for mart in MARTS:
        assert reconstruction_problems(con, mart, 2020, MIN) == [], mart
        # the verdict settling recorded is the full audit's
        assert audit_problems(audit_inputs(con, mart, 2020), MIN) == [], mart
    levels = dict(
        con.execute("SELECT level, count(*) FROM published_precision GROUP BY level").fetchall()
    )
    assert levels[1] > 10 and levels[2] > 100 and levels[3] > 10 and levels.get(4, 0) > 0
