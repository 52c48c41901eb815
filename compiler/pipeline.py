"""The stages in order: load a knowledge base (the store), check it (lower to IR, then the passes), and compile
a guideline version (its program to Python evaluators). `eligo.load` is the way in.

    load(path) → KnowledgeBase ─ check() → diagnostics
                               └ guideline(id) → compile → Guideline (evaluate · to SQL · render)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from eligo.collection import pausing
from eligo.dsl.diagnostics import Diagnostic, EligoError, has_errors
from eligo.dsl.parser import parse_with_diagnostics
from eligo.kb.store import SourceFile, Store

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline
    from eligo.semantic.module import LoweredModule

# The stages after parsing are imported by their first use: a command that reads a compiled guideline from the
# cache (eligo.kb.cache) imports none of them.


class KnowledgeBase(Store):
    """A knowledge base: its sources (the store), and the stages after parsing, each done once and memoised."""

    def __init__(self, files: Iterable[SourceFile], root: Path | None = None) -> None:
        super().__init__(files, root)
        self._lowered: dict[tuple[str, str], LoweredModule] = {}

    def lowered(self, module_id: str, version: str) -> LoweredModule:
        """The checked, lowered module with its uses bound (memoised)."""
        from eligo.semantic.lower import lower_module
        from eligo.semantic.module import LoweredModule

        key = (module_id, version)
        if key in self._lowered:
            return self._lowered[key]
        file = self.modules[key]
        assert file.module is not None
        resolution = self.resolve(module_id, version)
        out = LoweredModule(module_id, version, file.module)
        out.diagnostics.extend(resolution.diagnostics)
        self._lowered[key] = out
        picked = dict(resolution.order)
        for use in file.module.uses:
            if use.module in picked:
                out.uses[use.local_name] = self.lowered(use.module, picked[use.module])
        lower_module(out, file.text)
        return out

    @pausing
    def check(self) -> list[Diagnostic]:
        """Every diagnostic of every file, sorted by position."""
        from eligo.semantic import passes
        from eligo.serve import check_bindings

        lowered = [self.lowered(module_id, version) for module_id, version in self.modules]
        found = [*self.diagnostics, *passes.check_modules(lowered), *check_bindings(self)]
        return sorted(passes.unique(found), key=Diagnostic.sort_key)

    def guideline(self, module_id: str, version: str | None = None, as_of: dt.date | None = None,
                  allow_draft: bool = False) -> Guideline:
        """A compiled, immutable guideline ready to evaluate cases (by default the approved version in force today)."""
        module = self.select(module_id, version, as_of, allow_draft)
        return compile_guideline(self, module.header.name, module.header.version)


def load(*paths: str | Path) -> KnowledgeBase:
    """Load a knowledge base from folders or files of `.eligo` sources."""
    return KnowledgeBase.from_paths(paths or ("knowledge",))


def check_source(text: str, path: str = "<string>") -> list[Diagnostic]:
    """Every diagnostic of one guideline source checked on its own (its `use`s cannot resolve)."""
    module, diagnostics = parse_with_diagnostics(text, path)
    return KnowledgeBase([SourceFile(path, text, module, diagnostics)]).check()


def closure(root: LoweredModule) -> list[LoweredModule]:
    """The module and everything it uses, dependencies first."""
    order: list[LoweredModule] = []
    seen: set[str] = set()
    stack: list[tuple[LoweredModule, bool]] = [(root, False)]
    while stack:
        module, expanded = stack.pop()
        if expanded:
            if module.key not in seen:
                seen.add(module.key)
                order.append(module)
            continue
        if module.key in seen:
            continue
        stack.append((module, True))
        stack.extend((used, False) for used in reversed(list(module.uses.values())) if used.key not in seen)
    return order


def depends_on(guideline: Guideline) -> set[str]:
    """The ids of the modules whose files decide what `guideline` is: its own and every module it uses
    (every version of each, since another version could be the one chosen); for eligo.kb.cache."""
    return {guideline.id, *(module.id for module in closure(guideline.lowered))}


@pausing
def compile_guideline(kb: KnowledgeBase, module_id: str, version: str) -> Guideline:
    """Check, lower and generate code for one guideline version; raise EligoError on errors."""
    from eligo import ir
    from eligo.compiled.guideline import Guideline
    from eligo.python.evaluator import generate

    root = kb.lowered(module_id, version)
    modules = closure(root)
    diagnostics = [d for m in modules for d in m.diagnostics] + kb.source(module_id, version).diagnostics
    if has_errors(diagnostics):
        raise EligoError([d for d in diagnostics if d.is_error])
    nodes = tuple(node for module in modules for node in module.nodes.values())
    own = tuple(n.key for n in root.nodes.values() if isinstance(n, ir.Decision))
    program = ir.Program(dict(root.visible_inputs), nodes, own, root.key)
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.key):
        digest.update(module.key.encode())
        digest.update(kb.source(module.id, module.version).text.encode("utf-8"))
    references = {r.key: r.citation for m in modules for r in m.module.references}
    code = generate(program, f"{module_id}@{version}")
    return Guideline(module_id, version, root.module, kb.source(module_id, version).path, digest.hexdigest(),
                     program, code, root, references)
