"""The bad-input corpus (tests/data/bad_deliveries) as the leak tests run it, and the small
project the leak corpus's cases and the crash tests start from: the corpus's base delivery
published by a real ``python -m pipelines.orchestration.run`` (``corpus_project_run`` in
tests/conftest.py).

The corpus ids (1001 ...) are short numbers that a stack trace's line numbers or a process id
may contain by chance, so each case is written with its ids made unmistakable (``ID1001``);
nothing else of the case changes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.data.bad_deliveries import build_corpus
from tests.ingest_fixtures import BAD_DELIVERIES, FREE_TEXTS, REFERENCE_DIR
from tests.pipeline_processes import WAVE, Project

CASES = sorted(build_corpus.CASES)
IDS = [f"ID{1001 + i}" for i in range(len(build_corpus.ROWS))]
# The free texts as the delivery writes them, and the words a rendering may split them into.
TEXTS = [*FREE_TEXTS, "Ny rutine; for legemiddelhåndtering", "legemiddelhåndtering"]
# A record starts with the respondent id, the first column of the 2018 delivery.
_ID_AT_START = re.compile(rb"(^|\n)(10[0-9]{2})([;,])")

# The base delivery: what ingest accepts with a note, each of the corpus's kind — the delivery
# of the case extra_column (a column ingest ignores), with the file row of routing (an answer
# against the routing, dropped) and of completed_before_started (quarantined) in place of its
# own. So every step after ingest runs on a wave that lost a row and an answer, as the sample
# wave does.
BASE_CASE = "extra_column"
BASE_ROWS_FROM = {11: "routing", 27: "completed_before_started"}
BASE_RESPONDENTS = len(build_corpus.ROWS) - 1


def marked(data: bytes) -> bytes:
    return _ID_AT_START.sub(rb"\1ID\2\3", data)


def copy_case(case: str, raw: Path) -> None:
    """The case's delivery folders with their ids marked, and the reference data, in ``raw``
    (replacing what it held)."""
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(REFERENCE_DIR, raw / "reference")
    source = BAD_DELIVERIES / case
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = raw / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            target.write_bytes(marked(data) if path.name == "responses.csv" else data)


def copy_base(raw: Path) -> None:
    """The base delivery (``BASE_ROWS_FROM``), ids marked, and the reference data, in ``raw``."""
    copy_case(BASE_CASE, raw)
    responses = raw / WAVE / "responses.csv"
    lines = responses.read_bytes().split(b"\r\n")
    for row, case in BASE_ROWS_FROM.items():
        theirs = marked((BAD_DELIVERIES / case / WAVE / "responses.csv").read_bytes())
        extra = lines[row - 1].rsplit(b";", 1)[1]
        lines[row - 1] = theirs.split(b"\r\n")[row - 1] + b";" + extra
    responses.write_bytes(b"\r\n".join(lines))


def publish_base(root: Path) -> None:
    """The base delivery published (v0001) by a real ``python -m pipelines.orchestration.run``
    in ``root/project``, every step to the end; what it printed in ``root/output.txt``."""
    project = Project(root / "project", respondents=BASE_RESPONDENTS)
    copy_base(project.root / "raw")
    project.make_home()
    code, output = project.run()
    assert code == 0, output
    assert project.latest() == "v0001"
    (root / "output.txt").write_text(output, encoding="utf-8")
