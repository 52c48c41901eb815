"""The README's Python example and the package docstring's run as written, and the README's first two lines are
the documented commands."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import eligo
from eligo import dsl

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_python_example_runs(monkeypatch: object, capsys: object) -> None:
    import os

    os.chdir(Path(__file__).parent.parent)
    (code,) = _blocks("python")
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "surgery: unknown — the data given cannot decide it" in printed
    assert "missing: recurrence_detected" in printed


def test_the_package_docstring_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    failed, tried = doctest.testmod(eligo)
    assert (failed, tried > 0) == (0, True)


def test_eligo_example_parses() -> None:
    (source,) = _blocks("eligo")
    module = dsl.parse(source, "README.md")
    assert [d.name for d in module.decisions] == ["surgery"]


def test_readme_starts_with_the_two_commands() -> None:
    commands = _blocks("sh")[0].strip().splitlines()
    assert len(commands) == 2
    assert commands[1] == "bash tests/setup/install.sh && python3 -m pytest"
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert commands[1] in ci
