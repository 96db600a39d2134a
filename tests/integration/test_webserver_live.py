"""A live Dagster webserver on a free loopback port: it lists the assets through GraphQL,
launches one wave's run, the run succeeds and publishes, and the server stops by its PID.

The test waits on state, not on a clock: for the server to answer, and for the run to end
while it makes progress (new events in its log). Beside other work on a 2-core machine a
run can take minutes; only a server that died or a run without any new event for
STALL_SECONDS fails the test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from pipelines.orchestration.automation import wave_job
from tests.leak_corpus import copy_base
from tests.pipeline_processes import WAVE, project_storage

PROJECT = Path(__file__).resolve().parents[2]
# A run that records no event for this long is stuck, however loaded the machine.
STALL_SECONDS = 600
TERMINAL = ("SUCCESS", "FAILURE", "CANCELED")


def instance_yaml(home: Path) -> str:
    """Runs start at once: without the daemon a queued run would never start. The storage is
    the project's (dagster.yaml), under ``home``."""
    return yaml.safe_dump(
        {
            "run_coordinator": {
                "module": "dagster.core.run_coordinator",
                "class": "DefaultRunCoordinator",
            },
            "storage": project_storage(home / "storage"),
            "telemetry": {"enabled": False},
        }
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"

    def graphql(self, query: str, **variables) -> dict:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    def wait_until_up(self, process: subprocess.Popen) -> None:
        """Until the server answers; it loads the code location first, however long that
        takes, and fails the test only by exiting."""
        while True:
            assert process.poll() is None, "the webserver exited"
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=5):
                    return
            except OSError:
                time.sleep(0.5)

    def wait_for_run_end(self, process: subprocess.Popen, run_id: str) -> str:
        """The run's final status, waiting for as long as its log grows."""
        seen, last_progress = -1, time.monotonic()
        while True:
            assert process.poll() is None, "the webserver exited"
            run = self.graphql(
                "query($id: ID!) { runOrError(runId: $id) { ... on Run { status "
                "eventConnection { events { __typename } } } } }",
                id=run_id,
            )["runOrError"]
            if run["status"] in TERMINAL:
                return run["status"]
            events = len(run["eventConnection"]["events"])
            if events != seen:
                seen, last_progress = events, time.monotonic()
            stalled = time.monotonic() - last_progress
            assert stalled < STALL_SECONDS, f"run {run_id} {run['status']}, no event in {stalled} s"
            time.sleep(1)


@pytest.fixture
def server(tmp_path):
    raw = tmp_path / "raw"
    # the corpus's 40-row delivery of wave 2018 (tests/leak_corpus.py): every step runs on it
    # as on the sample's 1 800 rows, a row quarantined and an answer dropped, and sooner
    copy_base(raw)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_yaml(home), encoding="utf-8")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "BAROMETER_RAW_DIR": str(raw),
        "BAROMETER_MARTS_DIR": str(tmp_path / "marts"),
        "BAROMETER_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
    }
    port = free_port()
    webserver = Path(sys.executable).parent / "dagster-webserver"
    with (tmp_path / "webserver.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(webserver),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-m",
                "pipelines.orchestration.definitions",
            ],
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            live = Server(port)
            live.wait_until_up(process)
            live.process = process
            live.marts_dir = tmp_path / "marts"
            yield live
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert process.returncode is not None


def test_webserver_lists_assets_and_runs_a_wave(server):
    assets = server.graphql(
        "{ assetsOrError { ... on AssetConnection { nodes { key { path } } } } }"
    )["assetsOrError"]["nodes"]
    keys = {"/".join(a["key"]["path"]) for a in assets}
    assert {"raw_delivery", "validated_responses", "innovation", "release"} <= keys

    [repository] = server.graphql(
        "{ repositoriesOrError { ... on RepositoryConnection "
        "{ nodes { name location { name } } } } }"
    )["repositoriesOrError"]["nodes"]
    selector = {
        "repositoryLocationName": repository["location"]["name"],
        "repositoryName": repository["name"],
    }
    added = server.graphql(
        "mutation($repo: RepositorySelector!) { addDynamicPartition(repositorySelector: $repo, "
        'partitionsDefName: "wave", partitionKey: "' + WAVE + '") { __typename } }',
        repo=selector,
    )
    assert added["addDynamicPartition"]["__typename"] == "AddDynamicPartitionSuccess"

    launched = server.graphql(
        "mutation($params: ExecutionParams!) { launchRun(executionParams: $params) { "
        "__typename ... on LaunchRunSuccess { run { runId } } "
        "... on PythonError { message } ... on RunConfigValidationInvalid { errors { message } } "
        "} }",
        params={
            "selector": {**selector, "jobName": "wave_job"},
            # What the Launchpad fills in from wave_job's config (GraphQL alone would run
            # every step in a process of its own).
            "runConfigData": wave_job.config,
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": WAVE}]},
        },
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    assert server.wait_for_run_end(server.process, run_id) == "SUCCESS"
    assert (server.marts_dir / f"wave={WAVE}" / "LATEST").read_text().strip() == "v0001"
