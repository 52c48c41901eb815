"""The knowledge base as the site sees it: every guideline, each version compiled, in version order."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import eligo
from eligo.compiled.guideline import ExampleRun, Guideline
from eligo.dsl import ast
from eligo.tools.diff import GuidelineDiff, diff_versions


@dataclass(frozen=True)
class VersionDoc:
    """One version of a guideline: its compiled form, AST, source text and file."""

    id: str
    guideline: Guideline
    text: str

    @property
    def module(self) -> ast.Module:
        return self.guideline.module

    @property
    def path(self) -> Path:
        return Path(self.guideline.path)

    @property
    def version(self) -> str:
        return self.guideline.version

    @property
    def title(self) -> str:
        return self.module.header.title or self.id

    @cached_property
    def examples(self) -> list[ExampleRun]:
        """Every example of this version, run (with its trace) by the compiled guideline."""
        return self.guideline.run_examples()


@dataclass(frozen=True)
class GuidelineDoc:
    id: str
    versions: tuple[VersionDoc, ...]
    current: VersionDoc
    diffs: tuple[GuidelineDiff, ...]  # between consecutive versions, oldest first

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Library:
    root: Path
    kb: eligo.KnowledgeBase
    guidelines: tuple[GuidelineDoc, ...]
    warnings: tuple[eligo.Diagnostic, ...]

    def get(self, guideline_id: str) -> GuidelineDoc | None:
        return next((g for g in self.guidelines if g.id == guideline_id), None)


def load(root: Path) -> Library:
    """Load, check and compile every guideline version under `root`; raise EligoError on any error.

    The current version of a guideline is the one `eligo eval` uses by default (the latest approved),
    or the latest version when none is approved yet.
    """
    kb = eligo.load(root)
    diagnostics = kb.check()
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        raise eligo.EligoError(errors)
    guidelines = []
    for gid in kb.ids():
        versions = tuple(
            VersionDoc(gid, kb.guideline(gid, version=m.header.version, allow_draft=True),
                       kb.source(gid, m.header.version).text)
            for m in kb.versions(gid))
        try:
            current_version = kb.select(gid).header.version
        except LookupError:
            current_version = versions[-1].version
        current = next(v for v in versions if v.version == current_version)
        diffs = tuple(diff_versions(kb, gid, a.version, b.version) for a, b in itertools.pairwise(versions))
        guidelines.append(GuidelineDoc(gid, versions, current, diffs))
    return Library(root, kb, tuple(guidelines), tuple(d for d in diagnostics if not d.is_error))
