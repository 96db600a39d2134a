"""No respondent leaves the warehouse through `make run` (pipelines.orchestration.run): not its id,
not its free text, not its row — in the terminal, the Dagster instance (.dagster: run
database, event logs, compute logs) or the published folder (Parquet, manifests, catalog,
quality pages, reports).

Every bad-input corpus case runs, and a refused delivery leaves the published files
byte-identical. The corpus ids (1001 ...) are short numbers that a stack trace's line
numbers or a process id may contain by chance, so each case is run with its ids made
unmistakable (``ID1001``); nothing else of the case changes.

A row is found by the rule of tests/row_leaks.py: a record (a line, a table row, a JSON
object, a Parquet row, a SQLite cell) leaks a respondent when the respondent's kommunenr
is followed directly by six of its own values. The sample wave 2018 runs through the real
entry point and none of its 1 794 accepted rows is found; the same run with a row planted
in each place is found in each.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines import report as report_package
from pipelines.orchestration import ingest_assets as ingest_asset
from pipelines.orchestration import run
from pipelines.survey import questionnaire
from tests.data.bad_deliveries import build_corpus
from tests.ingest_fixtures import BAD_DELIVERIES, FREE_TEXTS, REFERENCE_DIR, point_pipeline_at
from tests.pipeline_processes import WAVE, WAVE_RESPONDENTS, Project
from tests.row_leaks import RowFinder, row_of

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

CASES = sorted(build_corpus.CASES)
# A record starts with the respondent id, the first column of the 2018 delivery.
_ID_AT_START = re.compile(rb"(^|\n)(10[0-9]{2})([;,])")
IDS = [f"ID{1001 + i}" for i in range(40)]
# The free texts as the delivery writes them, and the words a rendering may split them into.
TEXTS = [*FREE_TEXTS, "Ny rutine; for legemiddelhåndtering", "legemiddelhåndtering"]
# The corpus's 40 rows as delivered (file row n is data row n - 1); every case changes one
# thing of them at most.
CORPUS_ROWS = RowFinder([row_of(i + 2, r) for i, r in enumerate(build_corpus.ROWS)], 2018)


def marked(data: bytes) -> bytes:
    return _ID_AT_START.sub(rb"\1ID\2\3", data)


def copy_case(source: Path, raw: Path) -> None:
    """The case's delivery folders with their ids marked, and the reference data."""
    shutil.copytree(REFERENCE_DIR, raw / "reference")
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = raw / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            target.write_bytes(marked(data) if path.name == "responses.csv" else data)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leaks(text: str) -> list[str]:
    return [s for s in (*IDS, *TEXTS) if s in text]


# sha256 of the files in which ``leaks`` found nothing: the same bytes are not searched again
_CLEAN_FILES: set[str] = set()


def leaks_in_files(folder: Path) -> list[str]:
    """The ids and free texts in any file under ``folder`` (databases and logs alike), read
    as text with bytes undecodable as UTF-8 replaced: the ids and texts are ASCII or UTF-8
    wherever they would be kept. A file whose bytes were found clean before is not read
    again (a case's copy of the base run's files)."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in _CLEAN_FILES:
            continue
        in_file = leaks(data.decode("utf-8", errors="replace"))
        if not in_file:
            _CLEAN_FILES.add(digest)
        found += in_file
    return found


def run_pipeline(root: Path, monkeypatch, capfd) -> tuple[int, str]:
    point_pipeline_at(root, monkeypatch)
    capfd.readouterr()
    code = run.main()
    out, err = capfd.readouterr()
    return code, out + err


@pytest.fixture(scope="module")
def published_base(tmp_path_factory) -> Path:
    """The valid corpus base delivery run and published once: the state every case starts
    from (marts, warehouse and Dagster instance are copied per case; a copied instance opens
    in a tenth of the time a new one takes to create its databases)."""
    root = tmp_path_factory.mktemp("base")
    # the base delivery with one extra column, which ingest ignores: 40 rows, all accepted
    copy_case(BAD_DELIVERIES / "extra_column", root / "raw")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # capfd is function-scoped: the base run's output is not checked here
        point_pipeline_at(root, monkeypatch)
        assert run.main() == 0
    return root


@pytest.mark.parametrize("case", CASES)
def test_no_id_or_free_text_leaves_the_warehouse(
    case, published_base, tmp_path, monkeypatch, capfd
):
    for folder in ("marts", "private", "home"):
        shutil.copytree(published_base / folder, tmp_path / folder)
    before = snapshot(tmp_path / "marts")
    copy_case(BAD_DELIVERIES / case, tmp_path / "raw")
    code, terminal = run_pipeline(tmp_path, monkeypatch, capfd)

    assert not leaks(terminal), terminal
    assert not leaks_in_files(tmp_path / "home" / ".dagster")
    assert not leaks_in_files(tmp_path / "marts")
    assert CORPUS_ROWS.in_text(terminal, "terminal") == []
    assert CORPUS_ROWS.in_folder(tmp_path / "home" / ".dagster") == []
    assert CORPUS_ROWS.in_folder(tmp_path / "marts") == []
    assert "Traceback" not in terminal and "Stack Trace" not in terminal
    refused = "nothing of this wave was published" in terminal or "no complete wave" in terminal
    assert refused == (code != 0 and case != "stray_folders")
    if refused:
        assert snapshot(tmp_path / "marts") == before
    if case == "stray_folders":  # reported once each; the valid wave ran
        assert [line for line in terminal.splitlines() if line.startswith("skipped: ")] == [
            f"skipped: {tmp_path}/raw/{name}, value {name!r}: not a wave folder: a wave folder "
            "is named by its publication year, four ASCII digits such as 2024 (no spaces, no "
            "leading zero); rename or remove it"
            for name in sorted(build_corpus.STRAY_FOLDERS)
        ]


# Private kinds of variables: searched for as themselves above, not part of a row.
_ROW_COLUMNS = [v.name for v in questionnaire.VARIABLES if v.kind not in ("id", "text")]


@pytest.fixture(scope="module")
def sample_run(published_project_run, tmp_path_factory) -> tuple[Project, str]:
    """The sample wave run by ``python -m pipelines.orchestration.run`` in tmp dirs, with its
    output: a copy of the session's ``published_project`` (tests/conftest.py), since reading
    the instance's SQLite files adds their -wal and -shm files."""
    project, output = published_project_run
    return project.copy(tmp_path_factory.mktemp("sample") / "project"), output


def accepted_rows(project: Project) -> RowFinder:
    finder = RowFinder.from_warehouse(project.warehouse, int(WAVE))
    assert len(finder) == WAVE_RESPONDENTS
    return finder


def test_no_respondent_row_reaches_the_terminal_the_instance_or_the_published_folder(
    sample_run,
):
    """Every accepted row of the sample wave, as (kommunenr, its codes and times), is
    searched for in the terminal output of `make run`, everything under the Dagster
    instance (its SQLite storage read cell by cell, its logs) and everything published.
    A record leaks a row when the row's kommunenr is followed directly by six tokens that
    are values of that row (any order, each used once; numbers compared as numbers,
    column names and empty markers skipped) — see tests/row_leaks.py."""
    project, output = sample_run
    finder = accepted_rows(project)
    assert finder.in_text(output, "terminal") == []
    assert finder.in_folder(project.root / "home") == []
    assert finder.in_folder(project.marts_dir) == []


def planted_preview(real):
    """``respondent_metadata`` as ingest's metadata used to be: a preview of the first five
    accepted rows; and a debug print of the sixth to the terminal."""

    def planting(con, relation, wave, **kwargs):
        metadata = real(con, relation, wave, **kwargs)
        if relation == "responses":
            rows = con.execute(
                f"SELECT {', '.join(_ROW_COLUMNS)} FROM responses WHERE wave = $wave "
                "ORDER BY source_row LIMIT 6",
                {"wave": wave},
            ).fetchall()
            preview = pd.DataFrame(rows[:5], columns=_ROW_COLUMNS).to_markdown(index=False)
            metadata["preview"] = dg.MetadataValue.md(preview)
            print("debug:", rows[5])
        return metadata

    return planting


def planted_report(real):
    """``write_report`` with one respondent's row as an HTML table appended to the page."""

    def planting(marts_dir, wave, out_dir, published_figures):
        written = real(marts_dir, wave, out_dir, published_figures)
        with duckdb.connect(os.environ["BAROMETER_WAREHOUSE"], read_only=True) as con:
            row = con.execute(
                f"SELECT {', '.join(_ROW_COLUMNS)} FROM responses WHERE wave = $wave "
                "ORDER BY source_row LIMIT 1 OFFSET 6",
                {"wave": wave},
            ).fetchone()
        cells = "\n".join(f"<td>{'' if v is None else v}</td>" for v in row)
        with written.path.open("a", encoding="utf-8") as page:
            page.write(f"<table><tr>\n{cells}\n</tr></table>\n")
        return written

    return planting


def test_a_planted_row_is_found_in_each_place(sample_run, tmp_path, monkeypatch, capfd):
    """The search of the test above finds what it looks for: the same wave run again (its
    frame changed) with the preview ingest used to store (the first five accepted rows), a
    debug print of the sixth and the seventh appended to the published report as an HTML
    table."""
    project = sample_run[0].copy(tmp_path / "project")
    # a frame count changed: make run does the wave again (unchanged, it would be up to date)
    project.change_delivery()
    for name in ("DAGSTER_HOME", "BAROMETER_RAW_DIR", "BAROMETER_MARTS_DIR", "BAROMETER_WAREHOUSE"):
        monkeypatch.setenv(name, project.env[name])
    monkeypatch.setenv("BAROMETER_DAGSTER_DIR", str(project.root / "home" / ".dagster"))
    monkeypatch.setattr(
        ingest_asset, "respondent_metadata", planted_preview(ingest_asset.respondent_metadata)
    )
    # the report asset imports write_report from pipelines.report when it runs
    monkeypatch.setattr(report_package, "write_report", planted_report(report_package.write_report))
    capfd.readouterr()
    assert run.main() == 0
    out, err = capfd.readouterr()

    finder = accepted_rows(project)
    first = finder.source_rows()[:7]
    found = {
        place: {leak.source_row for leak in leaks}
        for place, leaks in {
            "terminal": finder.in_text(out + err, "terminal"),
            "instance": finder.in_folder(project.root / "home"),
            "published": finder.in_folder(project.marts_dir),
        }.items()
    }
    assert set(first[:5]) <= found["instance"]
    assert first[5] in found["terminal"]
    assert first[6] in found["published"]
