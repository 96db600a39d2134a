"""A stand-in for `python -m pipelines.orchestration.run` in the bench's smoke test, which
times the bench's `make run` scenarios, not the pipeline: in a fraction of a second it
publishes a new version of every wave whose frame.csv, or an earlier wave's, changed since
the version LATEST names, as a real run would (a wave's changes compare with every earlier
wave's latest version), and keeps the others."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from pipelines.publish.layout import (
    LATEST,
    MANIFEST,
    latest_version,
    release_dir,
    version_name,
    versions,
)

INPUTS = "frames_sha256"


def main() -> int:
    raw = Path(os.environ["BAROMETER_RAW_DIR"])
    marts = Path(os.environ["BAROMETER_MARTS_DIR"])
    digest = hashlib.sha256()
    for wave in sorted(int(p.name) for p in raw.iterdir() if p.name.isdigit()):
        # one digest over this wave's frame and every earlier one's
        digest.update((raw / str(wave) / "frame.csv").read_bytes())
        release = release_dir(marts, wave)
        release.mkdir(parents=True, exist_ok=True)
        latest = latest_version(release)
        if latest and json.loads((release / latest / MANIFEST).read_text())[INPUTS] == (
            digest.hexdigest()
        ):
            print(f"{wave}: up to date, {latest}")
            continue
        made = release / version_name(len(versions(release)) + 1)
        made.mkdir()
        (made / MANIFEST).write_text(json.dumps({INPUTS: digest.hexdigest()}))
        (release / LATEST).write_text(f"{made.name}\n", encoding="ascii")
        print(f"{wave}: {made.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
