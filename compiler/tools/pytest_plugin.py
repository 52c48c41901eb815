"""A pytest plugin: every `example` in a knowledge base is a test item.

Files are collected when they lie under a folder named by the `eligo_knowledge` ini option
(default `knowledge`), so test fixtures with deliberate mistakes are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eligo.compiled.guideline import Guideline
from eligo.dsl.diagnostics import EligoError, render_all
from eligo.pipeline import KnowledgeBase, compile_guideline, load


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("eligo_knowledge", "Folders whose .eligo examples pytest runs", type="paths", default=[])


def _roots(config: pytest.Config) -> list[Path]:
    configured: list[Path] = config.getini("eligo_knowledge")
    return [p.resolve() for p in configured] or [Path(config.rootpath, "knowledge").resolve()]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".eligo":
        return None
    resolved = file_path.resolve()
    for root in _roots(parent.config):
        if resolved.is_relative_to(root):
            return EligoFile.from_parent(parent, path=file_path, kb_root=root)
    return None


_KNOWLEDGE_BASES: dict[Path, KnowledgeBase] = {}


class EligoFile(pytest.File):
    def __init__(self, *, kb_root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kb_root = kb_root

    def collect(self) -> Iterator[pytest.Item]:
        kb = _KNOWLEDGE_BASES.setdefault(self.kb_root, load(self.kb_root))
        source = next((f for f in kb.files if Path(f.path).resolve() == self.path.resolve()), None)
        if source is None or source.module is None:
            yield EligoCheckItem.from_parent(self, name="parses", kb=kb)
            return
        header = source.module.header
        for index, example in enumerate(source.module.examples):
            yield EligoExampleItem.from_parent(self, name=f"{header.version}::{index}::{example.title}", kb=kb,
                                               module_id=header.name, version=header.version, index=index)


class EligoCheckItem(pytest.Item):
    def __init__(self, *, kb: KnowledgeBase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.funcargs: dict[str, Any] = {}  # no fixtures; pytest-lsp's call wrapper only yields for items that have them
        self.kb = kb

    def runtest(self) -> None:
        problems = [d for d in self.kb.diagnostics if d.span.path and Path(d.span.path).resolve() == self.path.resolve()]
        if problems:
            raise EligoExampleFailure(render_all(problems, {f.path: f.text for f in self.kb.files}))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"parse {self.path.name}"


class EligoExampleFailure(Exception):
    pass


_COMPILED: dict[tuple[int, str, str], Guideline | EligoError] = {}


class EligoExampleItem(pytest.Item):
    def __init__(self, *, kb: KnowledgeBase, module_id: str, version: str, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.funcargs: dict[str, Any] = {}  # as EligoCheckItem
        self.kb, self.module_id, self.version, self.index = kb, module_id, version, index

    def _guideline(self) -> Guideline:
        key = (id(self.kb), self.module_id, self.version)
        if key not in _COMPILED:
            try:
                _COMPILED[key] = compile_guideline(self.kb, self.module_id, self.version)
            except EligoError as exc:
                _COMPILED[key] = exc
        compiled = _COMPILED[key]
        if isinstance(compiled, EligoError):
            raise EligoExampleFailure(render_all(compiled.diagnostics, {f.path: f.text for f in self.kb.files}))
        return compiled

    def runtest(self) -> None:
        guideline = self._guideline()
        run = guideline.run_example(guideline.module.examples[self.index])
        if not run.passed:
            explanation = run.result.explain() if run.result else ""
            raise EligoExampleFailure("\n".join([*run.problems, "", explanation]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, EligoExampleFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        example = self._example_line()
        return self.path, example - 1, f"example {self.name}"

    def _example_line(self) -> int:
        source = self.kb.source(self.module_id, self.version).module
        return source.examples[self.index].span.line if source else 0
