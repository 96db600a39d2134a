"""Reading the Great Expectations Data Docs the quality gate renders."""

from __future__ import annotations

import re
from pathlib import Path

# The status a validation page shows: Succeeded or Failed.
_STATUS = re.compile(r'Status:</span> <i class="[^"]*" aria-hidden="true"></i> (\w+)')


def validation_pages(folder: Path) -> dict[str, str]:
    """Run name (``<mart>-wave-<wave>``) -> status of every validation page under ``folder``."""
    return {
        page.parent.parent.name: _STATUS.search(page.read_text(encoding="utf-8")).group(1)
        for page in folder.rglob("validations/**/*.html")
    }
