"""The analysts' example queries in the README run on the published catalog, opened
read-only, and give the figures KS published (within the tolerances of
data/published-figures.csv)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.marts.shapes import ESTIMATES

README = Path(__file__).resolve().parents[2] / "README.md"
QUERIES = re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture(scope="module")
def catalog(published):
    with duckdb.connect(str(published / "barometer.duckdb"), read_only=True) as con:
        yield con


def test_the_readme_has_ten_example_queries():
    assert len(QUERIES) == 10


def test_the_catalog_describes_every_column(catalog):
    described = catalog.sql(QUERIES[0]).fetchall()
    assert described == [(c.name, c.description) for c in ESTIMATES.columns]


def test_innovative_share(catalog):
    rows = dict((wave, estimate) for wave, estimate, *_ in catalog.sql(QUERIES[1]).fetchall())
    assert rows[2020] == pytest.approx(0.75, abs=0.03)
    assert rows[2018] == pytest.approx(0.74, abs=0.03)


def test_promoting_factors(catalog):
    shares = {label: share for label, share, *_ in catalog.sql(QUERIES[2]).fetchall()}
    assert shares["Ny teknologi"] == pytest.approx(0.65, abs=0.03)
    assert shares["Samarbeid med andre offentlige virksomheter"] == pytest.approx(0.55, abs=0.03)


def test_finances_by_sector(catalog):
    rows = catalog.sql(QUERIES[3]).fetchall()
    assert rows[0][0] == "Kultur" and rows[0][2] == pytest.approx(0.46, abs=0.06)
    assert rows[-1][0] == "Teknisk" and rows[-1][2] == pytest.approx(0.28, abs=0.06)


def test_failure_types(catalog):
    shares = dict(catalog.sql(QUERIES[4]).fetchall())
    assert shares["Prosess eller organisatorisk"] == pytest.approx(0.55, abs=0.05)
    assert sum(shares.values()) == pytest.approx(1.0, abs=0.002)  # rounded to 3 decimals


def test_culture_and_innovation(catalog):
    shares = [share for _, _, share in catalog.sql(QUERIES[5]).fetchall()]
    assert shares == sorted(shares) and len(shares) == 4


def test_hidden_groups_and_why(catalog):
    rows = catalog.sql(QUERIES[6]).fetchall()
    assert {(group, n, kind) for _, _, _, group, n, kind in rows} == {
        ("Innlandet", 9, "primary"),
        ("Nord-Norge", 40, "secondary"),
    }
    assert len(rows) == 8  # both regions for each of the four pressure items


def test_significant_changes_since_the_last_wave(catalog):
    rows = catalog.sql(QUERIES[7]).fetchall()
    assert rows and all(p < 0.05 and (w0, w1) == (2020, 2024) for w0, w1, *_, p in rows)
    assert [p for *_, p in rows] == sorted(p for *_, p in rows)


def test_breakdowns_where_finances_differ(catalog):
    rows = {breakdown: p for breakdown, _, _, p, _ in catalog.sql(QUERIES[8]).fetchall()}
    assert rows["municipality_size"] < 0.05 and rows["economy"] >= 0.05  # F53, F55


def test_trend_along_municipality_size(catalog):
    rows = {wave: (z, p) for wave, z, p, _ in catalog.sql(QUERIES[9]).fetchall()}
    [by_size] = [bands for wave, _, _, bands in catalog.sql(QUERIES[9]).fetchall() if wave == 2020]
    assert [band.split()[0] for band in by_size] == ["<5k", "5k-20k", "20k-50k", "50k+"]
    assert rows[2020][0] < 0 and rows[2020][1] < 0.05  # F53: larger municipalities least
    assert rows[2018][1] >= 0.05  # F56: no systematic difference in 2018
