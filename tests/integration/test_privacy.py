"""Nothing published identifies a respondent: no respondent id, no free text, no estimate
about fewer respondents than the minimum cell size — in any file the pipeline publishes
(Parquet releases, manifests, the analyst catalog and its SQL, Data Docs, reports)."""

from __future__ import annotations

import json
import re

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipelines.marts.disclosure_rules import MIN_CELL_SIZE
from pipelines.marts.measures import MARTS
from pipelines.marts.shapes import SHAPES
from pipelines.publish.privacy import disclosure_problems
from tests import sample_deliveries as sd
from tests.row_leaks import workbook_records

WAVES = tuple(sd.SAMPLES)


@pytest.fixture(scope="module")
def secrets() -> tuple[set[str], set[str]]:
    """Every respondent id and every free-text answer of the sample deliveries."""
    ids, texts = set(), set()
    for wave in WAVES:
        raw = sd.canonical(sd.read_raw(sd.responses_path(sd.RAW_DIR / str(wave))), wave)
        ids |= set(raw["resp_id"].dropna().astype(str))
        if "fritekst_nyeste" in raw:
            texts |= {t for t in raw["fritekst_nyeste"].dropna().astype(str) if t.strip()}
    return ids, texts


def test_the_samples_do_have_ids_and_free_text(secrets):
    ids, texts = secrets
    assert len(ids) > 7000 and len(texts) > 3000


def test_no_published_data_cell_holds_an_id_or_free_text(published, secrets):
    ids, texts = secrets
    parquet = sorted(published.glob("wave=*/v*/*.parquet"))
    # 11 estimate tables, the differences of 3 waves, the changes into 2020 and 2024
    assert len(parquet) == 16
    con = duckdb.connect()
    for path in parquet:
        shape = SHAPES[path.stem]
        described = con.execute(
            "SELECT * FROM read_parquet($p, hive_partitioning = false) LIMIT 0", {"p": str(path)}
        )
        assert tuple(c[0] for c in described.description) == shape.names
        text = [c.name for c in shape.columns if c.type == "VARCHAR"]
        for (cell,) in con.execute(
            f"SELECT DISTINCT unnest([{', '.join(text)}]) FROM read_parquet($p)",
            {"p": str(path)},
        ).fetchall():
            assert cell not in ids and cell not in texts, (path, cell)


def test_no_published_estimate_rests_on_a_small_cell(published):
    catalog = duckdb.connect(str(published / "barometer.duckdb"), read_only=True)
    suppressed = 0
    for mart in ("innovation", "factors", "failures", "culture_index", "reform_pressure"):
        [(exposed, rows)] = catalog.execute(
            f"SELECT count(*) FILTER (WHERE n < $min AND (estimate IS NOT NULL "
            f"OR ci_lower IS NOT NULL OR ci_upper IS NOT NULL OR se IS NOT NULL "
            f"OR deff IS NOT NULL OR NOT suppressed)), count(*) "
            f"FROM {mart}",
            {"min": MIN_CELL_SIZE},
        ).fetchall()
        assert exposed == 0 and rows > 0, mart
        [(hidden,)] = catalog.execute(f"SELECT count(*) FROM {mart} WHERE suppressed").fetchall()
        suppressed += hidden
    assert suppressed > 0  # the samples do have small cells, so the rule was exercised


def test_no_published_table_has_a_lone_hidden_group(published):
    """marts.md §5, on every published release: the samples do hide groups, one of them with
    a second group to protect it (2020 reform pressure by region)."""
    secondary = 0
    for path in sorted(published.glob("wave=*/v*/*.parquet")):
        if path.stem not in MARTS:
            continue  # the comparison marts have no groups of their own to hide
        table = pq.read_table(path)
        assert disclosure_problems(table) == [], path
        secondary += pc.sum(pc.equal(table["suppression"], "secondary")).as_py()
    assert secondary > 0


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    """Every run of ``size`` consecutive words: a free text shows up in any rendering of it."""
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_no_published_file_mentions_an_id_or_free_text(published, secrets):
    ids, texts = secrets
    free_text = set().union(*(shingles(t) for t in texts))
    files = [p for p in published.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    assert {p.suffix for p in files} >= {".json", ".html", ".sql", ".duckdb", ".ttl", ".xlsx"}
    for path in files:
        if path.suffix == ".xlsx":  # zipped XML: its cells, not its compressed bytes
            text = "\n".join(workbook_records(path))
        elif path.name.endswith(".jsonstat.json"):
            text = jsonstat_without_cell_indices(path)
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        # whole tokens, so that the 2018 ids (six digits) are not found inside the decimals
        # of chart coordinates
        tokens = set(re.findall(r"[\w-]+(?:\.\d+)?", text))
        assert not tokens & ids, f"{path}: respondent id(s) {sorted(tokens & ids)[:3]}"
        leaked = shingles(text) & free_text
        assert not leaked, f"{path}: free text {sorted(leaked)[:2]}"


def jsonstat_without_cell_indices(path) -> str:
    """The dataset with its values and symbols but not the cell positions they are keyed by
    (`"100038": 0.25`): a position in the cube is no data, and six digits of one read like a
    2018 respondent id."""
    dataset = json.loads(path.read_text(encoding="utf-8"))
    for cells in ("value", "status"):
        dataset[cells] = list(dataset[cells].values())
    return json.dumps(dataset, ensure_ascii=False)


def test_the_scan_finds_a_planted_leak(secrets):
    ids, texts = secrets
    text = f"<p>{sorted(texts)[0]}</p> id {sorted(ids)[0]}"
    assert shingles(text) & set().union(*(shingles(t) for t in texts))
    assert set(re.findall(r"[\w-]+(?:\.\d+)?", text)) & ids
