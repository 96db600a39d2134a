"""The benchmark's deliveries: one generated CSV wave per size, cached between runs.

A delivery is made by the project's generator (`python -m sample`), so it has the
generator's realistic answers and its handful of planted defects. The cache folder is named
by the size and a hash of the generator's code and the wave's codebook, so a changed
generator makes a new delivery instead of benchmarking an old one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipelines.provenance import PROJECT_ROOT
from pipelines.survey.codebook import codebook_path

# 2020 asks every question behind the five marts (reform_pressure only exists in 2020).
WAVE = 2020
SEED = 1
FORMAT = "csv"
GENERATOR_FILES = (
    "sample/*.py",
    "pipelines/survey/questionnaire.py",
    "pipelines/survey/codebook.py",
)


def generator_fingerprint(wave: int = WAVE) -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in GENERATOR_FILES for p in PROJECT_ROOT.glob(pattern)})
    for path in [*files, codebook_path(wave)]:
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def delivery(cache: Path, respondents: int, wave: int = WAVE) -> Path:
    """A raw folder (as BAROMETER_RAW_DIR) holding `<wave>/` with `respondents` rows, the
    generator's `<wave>.defects.json` beside it and the project's reference data; made once."""
    deliveries = cache / "deliveries"
    raw = deliveries / f"{respondents}-{generator_fingerprint(wave)}"
    if not raw.is_dir():
        for stale in deliveries.glob(f"{respondents}-*"):
            shutil.rmtree(stale)
        # generated beside the final folder and renamed into place: an interrupted run
        # leaves no half-written delivery behind to be measured next time
        partial = deliveries / f".partial-{respondents}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        command = [
            sys.executable,
            "-m",
            "sample",
            "--wave",
            str(wave),
            "--respondents",
            str(respondents),
            "--seed",
            str(SEED),
            "--out",
            str(partial / str(wave)),
            "--format",
            FORMAT,
        ]
        # the generator places workplaces in the municipalities of the project's reference data
        env = {**os.environ, "BAROMETER_RAW_DIR": str(PROJECT_ROOT / "data" / "raw")}
        subprocess.run(command, check=True, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL)
        (partial / "reference").symlink_to(PROJECT_ROOT / "data" / "raw" / "reference")
        partial.rename(raw)
    return raw
