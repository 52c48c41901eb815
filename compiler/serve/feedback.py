"""The feedback store: card outcomes (accepted, overridden) appended durably, and override rates per rule.

One JSON object per line, written whole with a single write and fsync; a torn last line (a crash
mid-write, never acknowledged) is cut off when the store is opened, so no record is half there.
No patient data: a record names the service, guideline version, rule and outcome, never the patient
or the clinician's free-text comment.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class RuleRate:
    guideline: str
    version: str
    decision: str
    rule: str
    accepted: int
    overridden: int

    @property
    def override_rate(self) -> float:
        total = self.accepted + self.overridden
        return self.overridden / total if total else 0.0


class FeedbackStore:
    """An append-only JSON-lines file that survives restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        with open(path, "ab+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size:
                handle.seek(max(0, size - 1))
                if handle.read(1) != b"\n":
                    handle.seek(0)
                    data = handle.read()
                    handle.truncate(data.rfind(b"\n") + 1)
                    os.fsync(handle.fileno())
        if created:
            _fsync_dir(path.parent)

    def append(self, records: Iterable[Mapping[str, object]]) -> int:
        """Write every record or none: one buffer, one write, one fsync."""
        lines = "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
        if not lines:
            return 0
        with self._lock, open(self.path, "ab") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
        return lines.count(b"\n")

    def records(self) -> list[dict[str, object]]:
        with self._lock:
            text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def rates(self) -> list[RuleRate]:
        return override_rates(self.records())


def override_rates(records: Iterable[Mapping[str, object]]) -> list[RuleRate]:
    """Per guideline version, decision and rule: how many cards were accepted and how many overridden."""
    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    for r in records:
        key = (str(r.get("guideline")), str(r.get("version")), str(r.get("decision")), str(r.get("rule") or r.get("status")))
        counts[(*key, str(r.get("outcome")))] += 1
    keys = sorted({k[:4] for k in counts})
    return [RuleRate(*k, counts[(*k, "accepted")], counts[(*k, "overridden")]) for k in keys]


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
