"""``make run`` and the delivery sensor agree on what is done: the sensor started with the
instance right after ``make run`` requests no run for an unchanged wave, and one run for a
wave whose delivery changed since, tagged with the same inputs' digest."""

from __future__ import annotations

import dagster as dg

from pipelines.orchestration.automation import DIGEST_TAG, delivery_digest, delivery_sensor


def test_the_sensor_does_not_rerun_what_make_run_did(published_project, tmp_path, monkeypatch):
    project = published_project.copy(tmp_path / "project")
    monkeypatch.setenv("BAROMETER_RAW_DIR", str(project.root / "raw"))
    with project.instance() as instance:
        [made] = instance.get_runs()
        assert made.tags[DIGEST_TAG] == delivery_digest(2018)

        first = delivery_sensor(dg.build_sensor_context(instance=instance))
        assert not first.run_requests
        assert "no new or changed deliveries" in first.skip_reason.skip_message

        project.change_delivery()
        changed = delivery_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        [request] = changed.run_requests
        assert request.partition_key == "2018"
        assert request.tags[DIGEST_TAG] == delivery_digest(2018) != made.tags[DIGEST_TAG]
