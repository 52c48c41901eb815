"""The one snapshot loader: compare text with tests/snapshots/..., or rewrite it on request.

Snapshots are regenerated only with the explicit switch `ELIGO_UPDATE_SNAPSHOTS=1`, e.g.
`ELIGO_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_parser_valid.py tests/test_formatter.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("ELIGO_UPDATE_SNAPSHOTS") == "1"


def check_snapshot(name: str, text: str) -> None:
    """Assert that tests/snapshots/`name` holds exactly `text` (write it first when updating)."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"no snapshot {path}; create it with ELIGO_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path} differs; if the change is intended, regenerate with ELIGO_UPDATE_SNAPSHOTS=1"


def snapshot_names(folder: str) -> list[str]:
    return sorted(p.name for p in (SNAPSHOTS / folder).iterdir())
