"""Every bad-input corpus case through `make run` (pipelines.run, in-process): no respondent id
and no free text reaches the terminal, the Dagster instance (.dagster: run database, event
logs, compute logs) or the published folder, and a refused delivery leaves the published
files byte-identical.

The corpus ids (1001 ...) are short numbers that a stack trace's line numbers or a process
id may contain by chance, so each case is run with its ids made unmistakable (``ID1001``);
nothing else of the case changes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipelines import run
from tests.data.bad_deliveries import build_corpus
from tests.ingest_fixtures import BAD_DELIVERIES, FREE_TEXTS, REFERENCE_DIR, point_pipeline_at

# a minute or more of CPU: scheduled first (tests/conftest.py)
pytestmark = pytest.mark.heavy

CASES = sorted(build_corpus.CASES)
# A record starts with the respondent id, the first column of the 2018 delivery.
_ID_AT_START = re.compile(rb"(^|\n)(10[0-9]{2})([;,])")
IDS = [f"ID{1001 + i}" for i in range(40)]
# The free texts as the delivery writes them, and the words a rendering may split them into.
TEXTS = [*FREE_TEXTS, "Ny rutine; for legemiddelhåndtering", "legemiddelhåndtering"]


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


def files_text(folder: Path) -> str:
    """Every file under ``folder`` as text (databases and logs alike), bytes undecodable
    as UTF-8 replaced: the ids and texts are ASCII or UTF-8 wherever they would be kept."""
    return "\n".join(
        p.read_bytes().decode("utf-8", errors="replace") for p in folder.rglob("*") if p.is_file()
    )


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
    assert not leaks(files_text(tmp_path / "home" / ".dagster"))
    assert not leaks(files_text(tmp_path / "marts"))
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
