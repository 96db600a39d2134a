"""The bench's copy of the sample waves: its frame edit and what it reads of the releases."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.scenarios import Sample

PROJECT = Path(__file__).resolve().parents[3]
RAW = PROJECT / "data" / "raw"


def sample(tmp_path: Path) -> Sample:
    made = Sample(tmp_path / "home", RAW)
    made.reset()
    return made


def test_reset_copies_the_raw_folder_and_the_instance_config(tmp_path):
    made = sample(tmp_path)
    assert (made.home / "dagster.yaml").read_bytes() == (PROJECT / "dagster.yaml").read_bytes()
    assert (made.home / ".dagster").is_dir()
    for wave in ("2018", "2020", "2024", "reference"):
        assert sorted(p.name for p in (made.home / "raw" / wave).iterdir()) == sorted(
            p.name for p in (RAW / wave).iterdir()
        )
    assert not made.warm and made.latest() == {}


def test_a_frame_change_adds_to_the_first_cells_count_and_nothing_else(tmp_path):
    made = sample(tmp_path)
    for wave in (2018, 2020):
        original = (RAW / str(wave) / "frame.csv").read_text(encoding="utf-8").splitlines(True)
        frame = made.home / "raw" / str(wave) / "frame.csv"
        made.change_frame(wave, 1)
        changed = frame.read_text(encoding="utf-8").splitlines(True)
        assert changed[0] == original[0] and changed[2:] == original[2:]
        *key, count = original[1].rstrip("\n").split(",")
        assert changed[1] == ",".join([*key, str(int(count) + 1)]) + "\n"
        made.change_frame(wave, -1)
        assert frame.read_text(encoding="utf-8").splitlines(True) == original


def test_latest_reads_each_waves_latest_version(tmp_path):
    made = sample(tmp_path)
    for wave, version in ((2018, "v0002"), (2020, "v0001")):
        release = made.marts / f"wave={wave}"
        (release / version).mkdir(parents=True)
        (release / version / "manifest.json").write_text("{}", encoding="utf-8")
        (release / "LATEST").write_text(f"{version}\n", encoding="ascii")
    assert made.latest() == {2018: "v0002", 2020: "v0001"}
    shutil.rmtree(made.marts / "wave=2020")
    assert made.latest() == {2018: "v0002"}
