"""``make run``: materialize every wave found in the raw folder, publish it, and summarise.

Runs the same job the sensor and the schedule launch, in-process, against the Dagster
instance of DAGSTER_HOME (the project root under ``make``, so the runs show in ``make ui``).
"""

from __future__ import annotations

import os
import sys

import dagster as dg
import duckdb

from pipelines import paths
from pipelines.definitions import defs
from pipelines.defs.partitions import waves
from pipelines.ingest.delivery import discover
from pipelines.terminal import problems, terminal_logger

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
# one line per problem (pipelines/terminal.py).
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


def wave_job() -> dg.JobDefinition:
    """The wave job with the terminal's logger (RUN_CONFIG configures it)."""
    return defs.resolve_job_def("wave_job").with_logger_defs({"terminal": terminal_logger})


def main() -> int:
    discovery = discover(paths.raw_dir())
    for problem in discovery.problems:
        print(f"skipped: {problem}")
    found = discovery.waves
    if not found:
        print(f"no complete wave folder in {paths.raw_dir()}")
        return 1
    instance = _instance()
    instance.add_dynamic_partitions(waves.name, [str(w) for w in found])
    job = wave_job()
    failed = []
    for wave in found:
        result = job.execute_in_process(
            partition_key=str(wave), instance=instance, raise_on_error=False, run_config=RUN_CONFIG
        )
        if not result.success:
            failed.append(wave)
            print("\n".join(problems(result, str(wave))))
    print(summary())
    return 1 if failed or discovery.problems else 0


def summary() -> str:
    catalog = paths.marts_dir() / "barometer.duckdb"
    if not catalog.is_file():
        return f"No release published yet (no analyst catalog {catalog})."
    lines = [f"Analyst catalog: {catalog} (open read-only: make sql)"]
    with duckdb.connect(str(catalog), read_only=True) as con:
        releases = con.sql(
            "SELECT wave, mart, version, rows FROM releases WHERE is_latest ORDER BY wave, mart"
        ).fetchall()
        for wave, mart, version, rows in releases:
            lines.append(f"  {wave} {mart:<16} {version}  {rows:>6} rows")
        lines.append("Headline figures (total, 95 % interval):")
        for mart, measure, item, what in HEADLINES:
            rows = con.execute(
                f"SELECT wave, estimate, ci_lower, ci_upper FROM {mart} "
                "WHERE measure = $measure AND item = $item AND breakdown = 'total' ORDER BY wave",
                {"measure": measure, "item": item},
            ).fetchall()
            for wave, estimate, lower, upper in rows:
                lines.append(f"  {wave} {what}: {estimate:.1%} ({lower:.1%}–{upper:.1%})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
