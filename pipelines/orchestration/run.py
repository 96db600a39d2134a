"""``make run``: materialize every wave found in the raw folder, the earliest first, publish
it, and summarise.

Runs the same job the sensor and the schedule launch, in-process, against the Dagster
instance of DAGSTER_HOME (the project root under ``make``, so the runs show in ``make ui``).
It first ends runs whose process is gone and takes the warehouse lock, waiting at most
BAROMETER_LOCK_TIMEOUT seconds for a live run that holds it
(pipelines/orchestration/warehouse_lock.py). Ctrl-C or SIGTERM stops the current run; a second one
exits at once (pipelines/orchestration/interrupts.py). Each run is tagged with its inputs' digest,
as the sensor's are, so that the sensor does not run an unchanged wave again
(pipelines/orchestration/automation.py). From the first wave that validates or publishes,
Great Expectations' work goes to a second process (pipelines/quality/worker.py, decision 57).
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import ExitStack
from typing import NoReturn

import dagster as dg

from pipelines import paths
from pipelines.ingest.delivery import discover, locate_delivery
from pipelines.marts.measures import COMPARISON_MARTS, MARTS
from pipelines.orchestration import freshness
from pipelines.orchestration.automation import run_tags
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.interrupts import StopRequest, stop_on_signals
from pipelines.orchestration.partitions import waves
from pipelines.orchestration.terminal import problems, terminal_logger
from pipelines.orchestration.warehouse_lock import WarehouseBusy, hold_warehouse
from pipelines.publish.layout import latest_published

# The assets whose run validates marts or renders quality pages: the gated marts, and the
# release, which validates what its run did not check and renders a new version's pages.
GX_WORK = frozenset(dg.AssetKey(name) for name in (*MARTS, *COMPARISON_MARTS, "release"))

# Published figures shown after a run: (mart, measure, item, what it is).
HEADLINES = (
    ("innovation", "innovative", "", "innovative workplaces"),
    ("innovation", "innovation_type", "prosess", "process or organisational innovation"),
    ("factors", "promoted", "ny_teknologi", "new technology promoted the newest innovation"),
    ("factors", "inhibited", "okonomi", "limited finances inhibited it"),
    ("failures", "failed_attempt", "", "an attempt that failed"),
    ("reform_pressure", "in_merging_unit", "", "in a merging municipality or county"),
)


# The Dagster UI keeps every step's log and trace; the terminal shows the warnings the
# assets log (quarantine, frame cells without respondents, statements not reproduced) and
# one line per problem (pipelines/orchestration/terminal.py).
RUN_CONFIG = {
    "execution": {"config": {"in_process": {}}},
    "loggers": {"terminal": {"config": {"log_level": "WARNING"}}},
}


def _instance() -> dg.DagsterInstance:
    if os.environ.get("DAGSTER_HOME"):
        # dagster.yaml keeps the instance in BAROMETER_DAGSTER_DIR (absolute): by default
        # .dagster/ beside it, wherever this runs from
        os.environ.setdefault(
            "BAROMETER_DAGSTER_DIR", os.path.join(os.environ["DAGSTER_HOME"], ".dagster")
        )
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def wave_job(definitions: dg.Definitions = defs) -> dg.JobDefinition:
    """The wave job of ``definitions`` (pipelines/orchestration/definitions.py:
    build_definitions) with the terminal's logger (RUN_CONFIG configures it)."""
    return definitions.resolve_job_def("wave_job").with_logger_defs({"terminal": terminal_logger})


def main() -> int:
    discovery = discover(paths.raw_dir())
    for problem in discovery.problems:
        print(f"skipped: {problem}")
    found = discovery.waves
    if not found:
        print(f"no complete wave folder in {paths.raw_dir()}")
        return 1
    instance = _instance()
    interrupted = False
    with stop_on_signals() as stop:
        try:
            with hold_warehouse(instance, entry="make run", report=print):
                failed = run_waves(instance, found, stop)
        except WarehouseBusy as busy:
            print(f"make run: {busy}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            interrupted = True
        if interrupted or stop.requested:
            print(
                f"make run: stopped by {stop.name}; the releases and the catalog are as "
                "before the interrupted run, or hold its wave complete",
                file=sys.stderr,
            )
            return stop.exit_code
    print(summary())
    return 1 if failed or discovery.problems else 0


def run_waves(instance: dg.DagsterInstance, found: list[int], stop: StopRequest) -> list[int]:
    """Run each wave in turn, the earliest first, until a stop is requested; returns the
    waves that failed. The changes into a wave compare with every earlier wave's latest
    version, so an earlier wave's new version is made before the later waves run: each of
    them then publishes a version that compared with it (docs/design.md, decision 22).

    A wave runs only what Dagster finds stale or missing (pipelines/orchestration/
    freshness.py); a wave with nothing to do, published and in the warehouse, says so."""
    instance.add_dynamic_partitions(waves.name, [str(w) for w in found])
    job = wave_job()
    graph = defs.resolve_asset_graph()
    failed = []
    stale = None  # the resolver, kept while no run or observation adds events
    with ExitStack() as beside:
        gx_worker_for = None  # beside_run's, once a wave validates or publishes

        def gx_worker(wave: int) -> None:
            # GX's import, gates and pages in a second process where it pays (decision 57)
            nonlocal gx_worker_for
            if gx_worker_for is None:
                # imported here: a run with nothing to do loads nothing of the quality package
                from pipelines.quality import worker

                gx_worker_for = beside.enter_context(worker.beside_run())
            gx_worker_for(locate_delivery(paths.raw_dir(), wave).responses)

        # Every wave's sources observed first: a wave whose delivery or reference data
        # changed will run, and its worker starts now, before the staleness of the waves
        # before it is worked out, since the worker's GX import is what the wave's checks
        # wait for. (A wave's earlier releases change in this loop, and are observed again
        # there: an observation is recorded only where a version changed.)
        changed = [wave for wave in sorted(found) if freshness.observe(instance, wave)]
        if changed:
            gx_worker(changed[0])
        for wave in sorted(found):
            if stop.requested:
                break
            if freshness.observe(instance, wave) or stale is None:
                stale = freshness.resolver(instance, graph)
            due = freshness.to_run(stale, graph, wave)
            latest = latest_published(paths.marts_dir(), wave)
            if latest is not None and paths.warehouse_path().is_file() and not due:
                print(f"{wave}: up to date, {latest.version}")
                continue
            stale = None
            if not due or due & GX_WORK:
                gx_worker(wave)
            result = job.execute_in_process(
                partition_key=str(wave),
                instance=instance,
                raise_on_error=False,
                run_config=RUN_CONFIG,
                tags=run_tags(wave, entry="make run"),
                # all of it when nothing is due but the release or the warehouse is missing
                asset_selection=sorted(due) if due else None,
            )
            if not result.success:
                failed.append(wave)
                print("\n".join(problems(result, str(wave))))
    return failed


def summary() -> str:
    catalog = paths.marts_dir() / "barometer.duckdb"
    if not catalog.is_file():
        return f"No release published yet (no analyst catalog {catalog})."
    # imported here: the catalog module is the publisher's, which a run with nothing to do
    # does not load
    from pipelines.publish.catalog import open_read_only

    lines = [f"Analyst catalog: {catalog} (open read-only: make sql)"]
    with open_read_only(catalog) as con:
        releases = con.sql(
            "SELECT wave, mart, version, rows FROM releases WHERE is_latest ORDER BY wave, mart"
        ).fetchall()
        for wave, mart, version, rows in releases:
            lines.append(f"  {wave} {mart:<16} {version}  {rows:>6} rows")
        lines.append("Open data (JSON-stat, Data Package, DCAT-AP-NO, Excel) beside the Parquet:")
        folders = con.sql(
            "SELECT wave, version, parse_dirpath(path) AS folder, count(*) AS files "
            "FROM release_files WHERE is_latest AND format <> 'Parquet' GROUP BY ALL ORDER BY wave"
        ).fetchall()
        for wave, version, folder, files in folders:
            lines.append(f"  {wave} {version}  {folder}/  ({files} open-data files)")
        lines.append("Headline figures (total, 95 % interval):")
        for mart, measure, item, what in HEADLINES:
            rows = con.execute(
                f"SELECT wave, estimate, ci_lower, ci_upper FROM {mart} "
                "WHERE measure = $measure AND item = $item AND breakdown = 'total' ORDER BY wave",
                {"measure": measure, "item": item},
            ).fetchall()
            for wave, estimate, lower, upper in rows:
                if estimate is None:  # suppressed (marts.md §5): nothing to show
                    lines.append(f"  {wave} {what}: suppressed")
                else:
                    lines.append(f"  {wave} {what}: {estimate:.1%} ({lower:.1%}–{upper:.1%})")
    return "\n".join(lines)


def exit_with(code: int) -> NoReturn:
    """End the process with ``code``, once the runs have ended and what they wrote is
    durable: the runs closed their DuckDB connection, releases are fsynced, Dagster
    commits each event. Left are the interpreter's collections at exit, over the objects of
    the libraries a run loads (Great Expectations, Dagster, pandas, matplotlib): 1.5 s of a
    run that gated, for nothing. Frozen objects are not collected; the others are still
    freed."""
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    # What start-up loaded (Dagster, the definitions, pandas, DuckDB) lives as long as the
    # process: frozen, a full collection during the runs does not walk it (decision 51).
    gc.freeze()
    exit_with(main())
