"""No respondent leaves the warehouse through `make run` (pipelines.orchestration.run): not its id,
not its free text, not its row — in the terminal, the Dagster instance (run and event storage,
compute logs) or the published folder (Parquet, manifests, catalog, quality pages, reports).

The bad-input corpus (tests/data/bad_deliveries, ids marked: tests/leak_corpus.py) starts from
its base delivery (a row quarantined, an answer against the routing dropped, an extra column
ignored) published by a real `make run`, every step to the end; what it printed, its instance
and its published folder are searched. Every corpus case then runs through `make run` on a
copy of that project, in this one warm interpreter, up to and including ingest
(validated_responses): the step that reads the delivery and decides what of it the warehouse
keeps. A refused delivery stops there in any case, and leaves the published files
byte-identical. What an accepted case changes reaches the steps after ingest only as which
rows and answers the warehouse kept: the base run took those steps to the end after a row
refused and an answer dropped, and the sample run below after 6 rows refused of 1 800.

A row is found by the rule of tests/row_leaks.py: a record (a line, a table row, a JSON
object, a Parquet row, a SQLite cell) leaks a respondent when the respondent's kommunenr
is followed directly by six of its own values. The sample wave 2018 runs through the real
entry point and none of its 1 794 accepted rows is found, nor any free text delivered; the
same run with a row planted in each place is found in each.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines import report as report_package
from pipelines.orchestration import freshness, run
from pipelines.orchestration import ingest_assets as ingest_asset
from pipelines.orchestration.resources import RESOURCES
from pipelines.survey import questionnaire
from tests import sample_deliveries as sd
from tests.data.bad_deliveries import build_corpus
from tests.leak_corpus import CASES, IDS, TEXTS, copy_case
from tests.pipeline_processes import WAVE, WAVE_RESPONDENTS, Project
from tests.row_leaks import RowFinder, StringFinder, row_of

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_here(project: Project, monkeypatch, capfd, *assets: str) -> tuple[int, str]:
    """`make run` (``run.main``) in this process against ``project``: exit code and terminal.
    Of what is due for a wave (pipelines/orchestration/freshness.py: to_run) only ``assets``
    run; the assets below them stay due, for a later run."""
    for name, value in project.env.items():
        monkeypatch.setenv(name, value)
    # run.main would set it for good in this process (its default, under DAGSTER_HOME)
    monkeypatch.setenv("BAROMETER_DAGSTER_DIR", str(project.root / "home" / ".dagster"))
    keys = {dg.AssetKey(asset) for asset in assets}
    assert keys <= run.defs.resolve_asset_graph().materializable_asset_keys, assets
    due = freshness.to_run
    monkeypatch.setattr(freshness, "to_run", lambda *args: due(*args) & keys)
    capfd.readouterr()
    code = run.main()
    out, err = capfd.readouterr()
    return code, out + err


# The sample's tests first: at the start of `make test` the other worker may be making the
# corpus's project for the crash tests (tests/conftest.py: built_once) while this one makes
# the sample's.

# Private kinds of variables: searched for as themselves (StringFinder), not part of a row.
_ROW_COLUMNS = [v.name for v in questionnaire.VARIABLES if v.kind not in ("id", "text")]


@pytest.fixture(scope="module")
def process_run(published_project_run, tmp_path_factory) -> tuple[Project, str]:
    """The sample wave run by ``python -m pipelines.orchestration.run`` in tmp dirs, with its
    output: a copy of the session's ``published_project`` (tests/conftest.py), since reading
    the instance's SQLite files adds their -wal and -shm files."""
    project, output = published_project_run
    return project.copy(tmp_path_factory.mktemp("sample") / "project"), output


def accepted_rows(project: Project) -> RowFinder:
    finder = RowFinder.from_warehouse(project.warehouse, int(WAVE))
    assert len(finder) == WAVE_RESPONDENTS
    return finder


def delivered_free_texts() -> StringFinder:
    """Every free text of the sample delivery, quarantined rows' included: each names its
    case number (``Internt saksnr. 2017/00001``), which nothing else holds by chance, as a
    number may (the ids are six-digit numbers, not searched for here)."""
    raw = sd.canonical(sd.read_raw(sd.responses_path(sd.RAW_DIR / WAVE)), int(WAVE))
    texts = sorted({t for t in raw["fritekst_nyeste"].dropna() if t.strip()})
    assert len(texts) > 1000
    return StringFinder(texts)


def test_no_respondent_row_reaches_the_terminal_the_instance_or_the_published_folder(
    process_run,
):
    """Every accepted row of the sample wave, as (kommunenr, its codes and times), is
    searched for in the terminal output of `make run`, everything under the Dagster
    instance (its SQLite storage read cell by cell, its logs) and everything published.
    A record leaks a row when the row's kommunenr is followed directly by six tokens that
    are values of that row (any order, each used once; numbers compared as numbers,
    column names and empty markers skipped) — see tests/row_leaks.py. Every free text
    delivered is searched for as itself in the same places."""
    project, output = process_run
    finder = accepted_rows(project)
    assert finder.in_text(output, "terminal") == []
    assert finder.in_folder(project.root / "home") == []
    assert finder.in_folder(project.marts_dir) == []
    texts = delivered_free_texts()
    assert texts.in_text(output) == []
    assert texts.in_folder(project.root / "home") == []
    assert texts.in_folder(project.marts_dir) == []


def first_free_texts(con: duckdb.DuckDBPyConnection, wave: int) -> list[str]:
    """The free texts of the first three accepted rows that have one."""
    found = con.execute(
        "SELECT fritekst_nyeste FROM responses WHERE wave = $wave AND fritekst_nyeste <> '' "
        "ORDER BY source_row LIMIT 3",
        {"wave": wave},
    ).fetchall()
    return [text for (text,) in found]


def planted_preview(real):
    """``respondent_metadata`` as ingest's metadata used to be: a preview of the first five
    accepted rows, and the first free text as a note; a debug print of the sixth row and of
    the second free text to the terminal."""

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
            texts = first_free_texts(con, wave)
            metadata["note"] = dg.MetadataValue.text(texts[0])
            print("debug:", rows[5], texts[1])
        return metadata

    return planting


def planted_report(real):
    """``write_report`` with one respondent's row as an HTML table, and the third free text,
    appended to the page."""

    def planting(marts_dir, wave, out_dir, published_figures):
        written = real(marts_dir, wave, out_dir, published_figures)
        # the run holds the warehouse open (docs/design.md, decision 60): a connection in its
        # process shares that database, opened with the run's configuration
        warehouse = os.environ["BAROMETER_WAREHOUSE"]
        with duckdb.connect(warehouse, config=RESOURCES["warehouse"].connection_config) as con:
            row = con.execute(
                f"SELECT {', '.join(_ROW_COLUMNS)} FROM responses WHERE wave = $wave "
                "ORDER BY source_row LIMIT 1 OFFSET 6",
                {"wave": wave},
            ).fetchone()
            text = first_free_texts(con, wave)[2]
        cells = "\n".join(f"<td>{'' if v is None else v}</td>" for v in row)
        with written.path.open("a", encoding="utf-8") as page:
            page.write(f"<table><tr>\n{cells}\n</tr></table>\n<p>{text}</p>\n")
        return written

    return planting


def test_a_planted_row_is_found_in_each_place(process_run, tmp_path, monkeypatch, capfd):
    """The searches of the test above find what they look for: the same wave run again by
    `make run` (its frame changed) through the two steps planted, ingest and the report
    (the steps between them plant nothing), with the preview ingest used to store (the first
    five accepted rows), a debug print of the sixth and the seventh appended to the published
    report as an HTML table; and a free text in each place: in the instance as JSON writes
    it (``\\u00e5`` for å), in the terminal, in the report."""
    project = process_run[0].copy(tmp_path / "project")
    # a frame count changed: make run does the wave again (unchanged, it would be up to date)
    project.change_delivery()
    monkeypatch.setattr(
        ingest_asset, "respondent_metadata", planted_preview(ingest_asset.respondent_metadata)
    )
    # the report asset imports write_report from pipelines.report when it runs
    monkeypatch.setattr(report_package, "write_report", planted_report(report_package.write_report))
    code, terminal = run_here(project, monkeypatch, capfd, "validated_responses", "report")
    assert code == 0, terminal

    finder = accepted_rows(project)
    first = finder.source_rows()[:7]
    found = {
        place: {leak.source_row for leak in leaks}
        for place, leaks in {
            "terminal": finder.in_text(terminal, "terminal"),
            "instance": finder.in_folder(project.root / "home"),
            "published": finder.in_folder(project.marts_dir),
        }.items()
    }
    assert set(first[:5]) <= found["instance"]
    assert first[5] in found["terminal"]
    assert first[6] in found["published"]
    with duckdb.connect(str(project.warehouse), read_only=True) as con:
        planted = first_free_texts(con, int(WAVE))
    assert not planted[0].isascii()  # JSON escapes it in the instance
    texts = delivered_free_texts()
    assert planted[0] in {text for _, text in texts.in_folder(project.root / "home")}
    assert planted[1] in texts.in_text(terminal)
    assert planted[2] in {text for _, text in texts.in_folder(project.marts_dir)}


CORPUS_STRINGS = StringFinder([*IDS, *TEXTS])
# The corpus's 40 rows as delivered (file row n is data row n - 1); every case changes one
# thing of them at most.
CORPUS_ROWS = RowFinder([row_of(i + 2, r) for i, r in enumerate(build_corpus.ROWS)], 2018)


def assert_nothing_of_the_corpus(project: Project, terminal: str) -> None:
    """None of the corpus's ids, free texts or rows in what a run printed, the project's
    instance or its published folder, and no stack trace printed."""
    assert CORPUS_STRINGS.in_text(terminal) == [], terminal
    assert CORPUS_STRINGS.in_folder(project.root / "home") == []
    assert CORPUS_STRINGS.in_folder(project.marts_dir) == []
    assert CORPUS_ROWS.in_text(terminal, "terminal") == []
    assert CORPUS_ROWS.in_folder(project.root / "home") == []
    assert CORPUS_ROWS.in_folder(project.marts_dir) == []
    assert "Traceback" not in terminal and "Stack Trace" not in terminal


def test_the_base_run_to_the_end_leaves_nothing_of_the_corpus(corpus_project_run, tmp_path):
    """The corpus's base delivery (a row quarantined, an answer against the routing dropped,
    an extra column ignored: tests/leak_corpus.py) run by `make run`, every step to the end
    (the cases below start from its state): none of the 40 ids, free texts or rows in what it
    printed, its instance or its published folder."""
    # a copy: reading the instance's SQLite files adds their -wal and -shm files, and the
    # session's project must stay as it was made (tests/conftest.py)
    project = corpus_project_run[0].copy(tmp_path / "project")
    terminal = corpus_project_run[1]
    assert_nothing_of_the_corpus(project, terminal)
    assert "wave 2018: 1 row(s) quarantined {'completed_before_started': 1}" in terminal


@pytest.mark.parametrize("case", CASES)
def test_no_id_or_free_text_leaves_the_warehouse(
    case, corpus_project_run, tmp_path, monkeypatch, capfd
):
    project = corpus_project_run[0].copy(tmp_path / "project")
    before = snapshot(project.marts_dir)
    copy_case(case, project.root / "raw")
    code, terminal = run_here(project, monkeypatch, capfd, "validated_responses")

    assert_nothing_of_the_corpus(project, terminal)
    # every case differs from the base: a wave found is ingested again
    assert f"{WAVE}: up to date" not in terminal
    refused = "nothing of this wave was published" in terminal or "no complete wave" in terminal
    assert refused == (code != 0 and case != "stray_folders")
    if refused:
        assert snapshot(project.marts_dir) == before
    if case == "stray_folders":  # reported once each; the valid wave ran
        assert [line for line in terminal.splitlines() if line.startswith("skipped: ")] == [
            f"skipped: {project.root}/raw/{name}, value {name!r}: not a wave folder: a wave "
            "folder is named by its publication year, four ASCII digits such as 2024 (no "
            "spaces, no leading zero); rename or remove it"
            for name in sorted(build_corpus.STRAY_FOLDERS)
        ]
