"""The knowledge base as the site sees it: every guideline, each version parsed, in version order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import dsl
from compiler.semver import Version
from dsl import ast


@dataclass(frozen=True, slots=True)
class VersionDoc:
    """One version of a guideline: its AST, source text and file."""

    id: str
    module: ast.Module
    text: str
    path: Path

    @property
    def version(self) -> str:
        return self.module.header.version

    @property
    def title(self) -> str:
        return self.module.header.title or self.id


@dataclass(frozen=True, slots=True)
class GuidelineDoc:
    id: str
    versions: tuple[VersionDoc, ...]
    current: VersionDoc

    @property
    def latest(self) -> VersionDoc:
        return self.versions[-1]

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Library:
    root: Path
    guidelines: tuple[GuidelineDoc, ...]

    def get(self, guideline_id: str) -> GuidelineDoc | None:
        return next((g for g in self.guidelines if g.id == guideline_id), None)


def current_version(versions: tuple[VersionDoc, ...], today: dt.date) -> VersionDoc:
    """The approved version in force on `today` (latest effective date), else the latest version."""
    in_force = [v for v in versions if v.module.header.status == "approved"
                and (v.module.header.effective is None or v.module.header.effective <= today)]
    if not in_force:
        return versions[-1]
    return max(in_force, key=lambda v: (v.module.header.effective or dt.date.min, Version.parse(v.version)))


def load(root: Path, today: dt.date | None = None) -> Library:
    """Parse every `*.eligo` under `root`; raise dsl.EligoError with every diagnostic of every file."""
    modules: dict[str, list[VersionDoc]] = {}
    problems: list[dsl.Diagnostic] = []
    for path in sorted(root.rglob("*.eligo")):
        text = path.read_text(encoding="utf-8")
        module, diagnostics = dsl.parse_with_diagnostics(text, str(path))
        problems.extend(d for d in diagnostics if d.is_error)
        if module is not None:
            doc = VersionDoc(module.header.name, module, text, path)
            modules.setdefault(doc.id, []).append(doc)
    if problems:
        raise dsl.EligoError(problems)
    day = today or dt.date.today()
    guidelines = []
    for gid in sorted(modules):
        versions = tuple(sorted(modules[gid], key=lambda v: Version.parse(v.version)))
        guidelines.append(GuidelineDoc(gid, versions, current_version(versions, day)))
    return Library(root, tuple(guidelines))
