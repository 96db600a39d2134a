"""``make sql``: a read-only SQL shell on the analyst catalog, with the locked duckdb package.

The DuckDB command-line tool is not part of the environment (the ``duckdb-cli`` wheels on
PyPI stop at 1.5, older than the locked duckdb 2.0 that writes the catalog), so this is a
small shell over the Python package instead. It takes the DuckDB CLI's arguments that the
README uses:

    python -m pipelines.publish.sql_shell [-readonly] [DATABASE] [-c SQL]

DATABASE defaults to the catalog ``<BAROMETER_MARTS_DIR>/barometer.duckdb``; it is always
opened read-only, so it is safe while the pipeline runs. Without ``-c`` statements are read
from the terminal (or a pipe), each ended by ``;``; ``.quit`` or end of input leaves.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipelines import paths
from pipelines.publish.catalog import open_read_only

PROMPT, CONTINUED = "D ", "· "
QUIT = (".quit", ".exit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make sql", description=__doc__.split("\n\n")[0])
    parser.add_argument("-readonly", action="store_true", help="accepted; always read-only")
    parser.add_argument("database", nargs="?", type=Path, help="default: the analyst catalog")
    parser.add_argument("-c", dest="command", help="run these statements and leave")
    args = parser.parse_args(argv)
    database = args.database or paths.marts_dir() / "barometer.duckdb"
    if not database.is_file():
        print(f"{database}: no such database; `make run` publishes the catalog", file=sys.stderr)
        return 1
    with open_read_only(database) as con:
        if args.command is not None:
            return run(con, args.command)
        interactive = sys.stdin.isatty()
        if interactive:
            print(f"{database} (read-only). End statements with ;  Leave with .quit")
        failed = 0
        for statement in statements(sys.stdin, interactive):
            failed |= run(con, statement)
        return 0 if interactive else failed


def statements(lines, interactive: bool) -> Iterator[str]:
    """The statements typed or piped in: text up to a line ending in ``;``."""
    pending: list[str] = []
    while True:
        if interactive:
            print(CONTINUED if pending else PROMPT, end="", flush=True)
        line = lines.readline()
        if not line or (not pending and line.strip() in QUIT):
            break
        pending.append(line)
        if line.rstrip().endswith(";"):
            yield "".join(pending)
            pending = []
    if "".join(pending).strip():
        yield "".join(pending)


def run(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """Run the statements of ``sql`` one by one, printing what each returns; at the first
    that fails, DuckDB's message and 1."""
    try:
        for statement in con.extract_statements(sql):
            relation = con.sql(statement.query)
            if relation is not None:
                relation.show(max_width=200, max_rows=10_000)
    except duckdb.Error as error:
        print(f"Error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
