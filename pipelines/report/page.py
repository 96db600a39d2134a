"""One wave's report: a self-contained HTML page of charts and the published statements.

The page shows a release: the version of the wave LATEST names, read from its Parquet files
(pipelines/report/published.py), never the warehouse; its footer names the version and the
sha256 of its manifest. It is rendered from the Jinja templates in `templates/`
(auto-escaped: only the charts' SVG goes in as markup) with the stylesheet inlined. Nothing
on it is fetched at view time, and it depends only on the release, the statements file and
the code and templates, so the same release gives the same bytes. The page carries a digest
of what it was made from; `write_report` leaves a page with the same digest as it is, since
drawing the charts is most of a warm `make run`'s report step (bench/).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import duckdb
import jinja2

from pipelines.marts.measures import MEASURES
from pipelines.provenance import code_version
from pipelines.publish.layout import PublishedVersion
from pipelines.report import formatting as fmt
from pipelines.report.changes import changes
from pipelines.report.charts import Drawn
from pipelines.report.published import opened, published_version
from pipelines.report.rows import MartRow
from pipelines.report.sections import SECTIONS, show
from pipelines.report.statements.base import Result
from pipelines.report.statements.evaluation import check
from pipelines.report.statements.reading import load_statements

Con = duckdb.DuckDBPyConnection
# the libraries whose versions can change the page's bytes
RENDERED_WITH = ("jinja2", "matplotlib", "numpy")
_INPUTS = re.compile(r'<meta name="inputs-sha256" content="([0-9a-f]{64})">')

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("pipelines.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class StatementRow:
    """A published statement and its result, as the page writes them."""

    id: str
    text: str
    source: str
    published: str
    # one line per row the statement names, or the test it is decided on
    estimates: tuple[str, ...]
    # the other rows that decided a ranking, one line each
    rivals: tuple[str, ...]
    holds: bool
    explanation: str


def _row_line(measure: str, row: MartRow) -> str:
    name = row.item_label or MEASURES[measure].label
    if row.group_code != "all":
        name = f"{name}, {row.group_label}"
    return f"{name}: {fmt.estimate(measure, row)}"


def _statement_row(result: Result) -> StatementRow:
    s = result.statement
    if result.test is not None:
        estimates: tuple[str, ...] = (f"test av {result.test.groups} publiserte grupper",)
    else:
        estimates = tuple(_row_line(s.measure, r) for r in result.estimates) or ("ingen rader",)
    return StatementRow(
        s.id,
        s.text,
        s.source,
        s.published(),
        estimates,
        tuple(_row_line(s.measure, r) for r in result.rivals),
        result.holds,
        result.explanation,
    )


def _template_sources() -> bytes:
    return b"".join(
        f"{name}\0{TEMPLATES.loader.get_source(TEMPLATES, name)[0]}\0".encode()
        for name in TEMPLATES.list_templates()
    )


def made_with() -> str:
    """sha256 of what draws and words every page: the code (pipelines/**/*.py), the
    templates and the libraries that draw and render it."""
    digest = hashlib.sha256(_template_sources())
    libraries = ",".join(f"{name} {version(name)}" for name in RENDERED_WITH)
    digest.update(f"\0{code_version()}\0{libraries}".encode())
    return digest.hexdigest()


def inputs_digest(release: PublishedVersion, published_figures: Path, made: str) -> str:
    """sha256 of everything the page is made from: the release (its manifest names the
    sha256 of every file), the statements file, and what made it (``made_with``)."""
    digest = hashlib.sha256(f"{release.manifest_sha256}\0".encode())
    digest.update(published_figures.read_bytes())
    digest.update(f"\0{made}".encode())
    return digest.hexdigest()


def render(
    con: Con, release: PublishedVersion, results: list[Result], inputs: str, drawn: Drawn
) -> str:
    """The page of a release as HTML text, with the results of its statements and the
    digest of its inputs; its charts taken from ``drawn`` where they are there."""
    wave = release.wave
    return TEMPLATES.get_template("report.html.j2").render(
        wave=wave,
        release=release,
        inputs=inputs,
        sections=[show(con, wave, s, drawn) for s in SECTIONS],
        changes=changes(con, wave),
        statements=[_statement_row(r) for r in results],
        held=sum(r.holds for r in results),
    )


def _made_from(path: Path) -> str | None:
    """The inputs digest of the page at `path`, if there is one."""
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", errors="replace") as f:
        found = _INPUTS.search(f.read(1024))
    return found.group(1) if found else None


@dataclass(frozen=True)
class Report:
    path: Path
    # every statement of the wave, checked against the release
    results: list[Result]
    # the version the page shows
    release: PublishedVersion


def write_report(marts_dir: Path, wave: int, out_dir: Path, published_figures: Path) -> Report:
    """Write `<out_dir>/report-<wave>.html` from the version of the wave that LATEST names
    under `marts_dir`; a page already there that was made from the same inputs is kept as it
    is; a new page takes the charts that did not change from the page it replaces
    (charts.Drawn). The statements are checked either way, on the published rows."""
    release = published_version(marts_dir, wave)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"report-{wave}.html"
    made = made_with()
    inputs = inputs_digest(release, published_figures, made)
    with opened(release) as con:
        results = [check(con, s) for s in load_statements(published_figures) if s.wave == wave]
        if _made_from(path) != inputs:
            earlier = path.read_text(encoding="utf-8") if path.is_file() else ""
            _replace(path, render(con, release, results, inputs, Drawn.on_page(earlier, made)))
    return Report(path, results, release)


def _replace(path: Path, page: str) -> None:
    """Put ``page`` at ``path`` whole or not at all: written beside it, on disk, then
    swapped in. A page cut short where it stands would be kept by the next run, since its
    inputs digest is in its first lines."""
    written = path.with_name(f".{path.name}.tmp")
    with written.open("w", encoding="utf-8", newline="\n") as f:
        f.write(page)
        f.flush()
        os.fsync(f.fileno())
    os.replace(written, path)
