"""The README's open-data examples run as written, from a project root holding the sample
releases, and print what they say they print."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from pathlib import Path

import pytest

from pipelines.marts.measures import PUBLISHED_MARTS

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = README.read_text(encoding="utf-8").split("### Open data", 1)[1].split("\n## ", 1)[0]
# pyjstat's Dataset.write("dataframe") calls its own deprecated from_json_stat
pytestmark = pytest.mark.filterwarnings("ignore:Shouldn't use this function:DeprecationWarning")
EXAMPLES = re.findall(r"```python\n(.*?)```", SECTION, flags=re.S)


@pytest.fixture(scope="module")
def printed(published, tmp_path_factory) -> list[str]:
    """What each example prints, run in order in one namespace, as a reader pastes them."""
    root = tmp_path_factory.mktemp("project")
    (root / "data").mkdir()
    (root / "data" / "marts").symlink_to(published)
    namespace: dict = {}
    out = []
    with contextlib.chdir(root):
        for example in EXAMPLES:
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(compile(example, "README.md", "exec"), namespace)
            out.append(buffer.getvalue())
    return out


def test_the_readme_shows_six_examples():
    assert len(EXAMPLES) == 6


def test_plain_json_finds_the_innovative_share(printed, published):
    import duckdb

    with duckdb.connect(str(published / "barometer.duckdb"), read_only=True) as con:
        [(estimate,)] = con.sql(
            "SELECT estimate FROM innovation WHERE wave = 2020 AND measure = 'innovative' "
            "AND breakdown = 'total'"
        ).fetchall()
    assert printed[1].split() == [repr(estimate)]


def test_pyjstat_gives_a_data_frame_of_the_failures(printed, published):
    import duckdb

    cells, numbers = map(int, printed[2].split())
    dataset = json.loads(
        next(published.glob("wave=2020/v*/failures.jsonstat.json")).read_text(encoding="utf-8")
    )
    assert cells == math.prod(dataset["size"])
    # every published number of the mart's 2020 rows, and nothing else, is a value
    with duckdb.connect(str(published / "barometer.duckdb"), read_only=True) as con:
        [(published_numbers,)] = con.sql(
            "SELECT sum((estimate IS NOT NULL)::INT + (ci_lower IS NOT NULL)::INT "
            "+ (ci_upper IS NOT NULL)::INT + (se IS NOT NULL)::INT + (deff IS NOT NULL)::INT "
            "+ 1) FROM failures WHERE wave = 2020"
        ).fetchall()
    assert numbers == published_numbers


def test_frictionless_reads_the_package(printed):
    names, first_row = printed[3].splitlines()[:2]
    assert eval(names) == list(PUBLISHED_MARTS)
    assert "'wave': 2020" in first_row


def test_rdflib_lists_the_norwegian_titles(printed):
    titles = eval(printed[4])
    assert len(titles) == 7 and all(isinstance(t, str) and t for t in titles)


def test_pandas_opens_the_workbook(printed):
    sheets = eval(printed[5])
    assert sheets[0] == "Om tabellene" and len(sheets) == 8
