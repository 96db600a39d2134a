"""A check's latest passes narrowed in the event log's index
(pipelines/orchestration/check_history.py): the same passes that reading the whole history
finds, in the project's instance and in an ephemeral one, and only those read."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipelines.orchestration import check_history
from pipelines.orchestration.check_history import latest_passes

PROJECT = Path(__file__).resolve().parents[3]
KEY = dg.AssetCheckKey(dg.AssetKey("innovation"), "quality_gate")
# (data version, passed) of each evaluation, the oldest first: "a" passes twice, "b" fails
# before it passes, "c" passes once, "d" only fails, "e" is never judged
HISTORY = [("a", True), ("b", False), ("b", True), ("c", True), ("d", False), ("a", True)]


def digest(letter: str) -> str:
    return letter * 64


def evaluated(instance: dg.DagsterInstance) -> dg.DagsterInstance:
    for n, (letter, passed) in enumerate(HISTORY):
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=KEY.asset_key,
                check_name=KEY.name,
                passed=passed,
                metadata={"data_version": digest(letter), "n": n},
            )
        )
    return instance


@pytest.fixture(params=["project", "ephemeral"])
def instance(request, tmp_path, monkeypatch) -> Iterator[dg.DagsterInstance]:
    if request.param == "ephemeral":
        made = dg.DagsterInstance.ephemeral()
    else:
        shutil.copy(PROJECT / "dagster.yaml", tmp_path / "dagster.yaml")
        monkeypatch.setenv("BAROMETER_DAGSTER_DIR", str(tmp_path / ".dagster"))
        made = dg.DagsterInstance.from_config(str(tmp_path))
    # closed after the test: the project's storage keeps its SQLite connections open
    with made:
        yield evaluated(made)


def numbers(records) -> list[int]:
    return [r.event.dagster_event.event_specific_data.metadata["n"].value for r in records]


def read_whole(instance: dg.DagsterInstance, value: str, searched: int) -> list[int]:
    """What Dagster's history gives, every evaluation read: the passes recording ``value``."""
    history = instance.event_log_storage.get_asset_check_execution_history(KEY, searched)
    evaluations = [record.event.dagster_event.event_specific_data for record in history]
    return [
        e.metadata["n"].value
        for e in evaluations
        if e.passed and e.metadata["data_version"].text == value
    ]


@pytest.mark.parametrize("searched", [100, 3, 1])
def test_the_passes_found_are_those_the_whole_history_holds(instance, searched):
    expected = {
        "a": {100: [5, 0], 3: [5], 1: [5]},
        "b": {100: [2], 3: [], 1: []},
        "c": {100: [3], 3: [3], 1: []},
        "d": {100: [], 3: [], 1: []},
        "e": {100: [], 3: [], 1: []},
    }
    for letter, found in expected.items():
        assert read_whole(instance, digest(letter), searched) == found[searched]
        assert numbers(latest_passes(instance, KEY, digest(letter), searched)) == found[searched]


def test_only_the_passes_recording_the_value_are_read(instance, monkeypatch):
    read = []
    deserialize = check_history.AssetCheckExecutionRecord.from_db_row

    def counted(row, key):
        read.append(row["id"])
        return deserialize(row, key)

    monkeypatch.setattr(check_history.AssetCheckExecutionRecord, "from_db_row", counted)
    assert numbers(latest_passes(instance, KEY, digest("c"), 100)) == [3]
    assert len(read) == 1


@pytest.mark.parametrize(("searched", "passes"), [(100, [5, 3, 2, 0]), (3, [5, 3]), (1, [5])])
def test_a_storage_that_cannot_narrow_gives_every_pass_of_the_window(
    instance, monkeypatch, searched, passes
):
    """Outside Dagster's SQL storages the passes among the latest evaluations come
    unnarrowed: the caller's comparison of their metadata still finds the same ones."""
    monkeypatch.setattr(check_history, "SqlEventLogStorage", type("NotThisStorage", (), {}))
    assert numbers(latest_passes(instance, KEY, digest("c"), searched)) == passes
