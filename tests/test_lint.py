"""ruff over the project and mypy --strict over dsl/ and compiler/ (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_ruff_is_clean() -> None:
    run = _run("ruff", "check", "dsl", "compiler", "tests", "benchmarks")
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_is_clean() -> None:
    run = _run("mypy")
    assert run.returncode == 0, run.stdout + run.stderr
