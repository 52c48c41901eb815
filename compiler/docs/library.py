"""The knowledge base as the site sees it: every guideline, each version compiled, in version order."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import eligo
from eligo.compiled.guideline import ExampleRun, Guideline
from eligo.docs import prose
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


State = Literal["in force", "superseded", "not yet in force", "draft", "retired"]
SEARCH_BOOST: dict[str, float] = {"in force": 3.0, "not yet in force": 1.0, "draft": 0.3, "superseded": 0.2,
                                  "retired": 0.1}
_HEADER_FIELDS = ("title", "status", "effective", "supersedes", "committee", "summary")
_REASON_ONLY = ("reason (because) changed", "reasons or citations changed")


@dataclass(frozen=True)
class GuidelineDoc:
    id: str
    versions: tuple[VersionDoc, ...]
    current: VersionDoc
    diffs: tuple[GuidelineDiff, ...]  # between consecutive versions, oldest first
    as_of: dt.date | None = None  # the date the site speaks for (its build); None: no effective date is checked

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    def state(self, doc: VersionDoc) -> State:
        """Where a version stands: the one in force, an older approved one, a later one, a draft, retired."""
        status = doc.module.header.status
        if status == "draft" or status == "retired":
            return status
        if doc is self.current:
            effective = doc.module.header.effective
            return "not yet in force" if self.as_of and effective and effective > self.as_of else "in force"
        return "superseded" if self.versions.index(doc) < self.versions.index(self.current) else "not yet in force"

    def changes(self, old: VersionDoc, new: VersionDoc) -> list[str]:
        """What changed in meaning from `old` to `new`, one short phrase per change (examples left out)."""
        start, end = self.versions.index(old), self.versions.index(new)
        out: list[str] = []
        for diff in self.diffs[start:end]:
            for change in diff.changes:
                if change.subject.startswith(("example ", "property ")) or change.subject in _HEADER_FIELDS:
                    continue
                detail = change.detail.split(" (`", 1)[0].split("; ", 1)[0]
                if detail in _REASON_ONLY:
                    continue
                what = prose.humanize(change.subject.rsplit(" ", 1)[-1])
                out.append(f"{what}: {detail}" if detail else f"{what} {change.action}")
        return out


@dataclass(frozen=True)
class Library:
    root: Path
    kb: eligo.KnowledgeBase
    guidelines: tuple[GuidelineDoc, ...]
    warnings: tuple[eligo.Diagnostic, ...]

    def get(self, guideline_id: str) -> GuidelineDoc | None:
        return next((g for g in self.guidelines if g.id == guideline_id), None)


def load(root: Path, as_of: dt.date | None = None) -> Library:
    """Load, check and compile every guideline version under `root`; raise EligoError on any error.

    The current version of a guideline is the approved one in force on `as_of` (the build date by default): what
    `eligo eval --as-of` that day chooses. An approved version whose effective date is later is "not yet in force",
    and the version in force is named on its page. With no approved version in force yet, the current one is the
    latest approved (its page says from when it applies), or the latest version when none is approved.
    """
    as_of = as_of or dt.date.today()
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
            current_version = kb.select(gid, as_of=as_of).header.version
        except LookupError:
            try:
                current_version = kb.select(gid).header.version
            except LookupError:
                current_version = versions[-1].version
        current = next(v for v in versions if v.version == current_version)
        diffs = tuple(diff_versions(kb, gid, a.version, b.version) for a, b in itertools.pairwise(versions))
        guidelines.append(GuidelineDoc(gid, versions, current, diffs, as_of))
    return Library(root, kb, tuple(guidelines), tuple(d for d in diagnostics if not d.is_error))
