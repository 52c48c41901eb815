"""The server's knowledge bases: sources from disk and open editors, analysed incrementally.

A file belongs to the knowledge base whose root is the nearest folder above it holding `eligo.toml`, or
else the folder its header implies (module `a.b.c` version `1.0.0` lives at `<root>/a/b/c/1.0.0.eligo`),
or else the file alone. Each analysis re-uses the parsed items of unchanged text (`ChunkParser`) and the
lowered modules whose sources, and the sources of every module they use, are unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eligo import KnowledgeBase
from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic
from eligo.dsl.parser import read_source
from eligo.kb import discover
from eligo.kb.store import SourceFile
from eligo.lsp.incremental import ChunkParser
from eligo.semantic.module import LoweredModule

_HEADER = re.compile(r"^guideline[ \t]+([A-Za-z_][\w.]*)\s*\n(?:[ \t]+.*\n|\s*\n|#.*\n)*?[ \t]+version[ \t]+(\d+\.\d+\.\d+)",
                     re.MULTILINE)

ModuleKey = tuple[str, str]


def find_root(path: Path, text: str) -> Path:
    """The knowledge-base root of the file at `path` holding `text` (the file itself when there is none)."""
    if not path.is_absolute():
        return path
    marked = discover.find_root(path)
    if marked is not None:
        return marked
    header = _HEADER.search(text)
    if header:
        parts = (*header.group(1).split("."), header.group(2) + ".eligo")
        if path.parts[-len(parts):] == parts and len(path.parts) > len(parts):
            return path.parents[len(parts) - 1]
    return path  # a lone file (or an unsaved document) is its own knowledge base


class _Reusing(KnowledgeBase):
    """A knowledge base that takes lowered modules from a previous analysis when they are still valid."""

    def __init__(self, files: list[SourceFile], root: Path | None, reuse: dict[ModuleKey, LoweredModule]) -> None:
        super().__init__(files, root)
        self._reuse = reuse

    def lowered(self, module_id: str, version: str) -> LoweredModule:
        reused = self._reuse.get((module_id, version))
        return reused if reused is not None else super().lowered(module_id, version)


@dataclass
class Analysis:
    """One knowledge base as of the latest edit: what to report, and what to answer requests from."""

    kb: KnowledgeBase  # the sources as they are now
    diagnostics: dict[str, list[Diagnostic]]  # by path, sorted
    good: dict[str, SourceFile] = field(default_factory=dict)  # per path, the last source that parsed
    _features: KnowledgeBase | None = field(default=None, init=False, repr=False)
    cache: dict[object, Any] = field(default_factory=dict, repr=False)  # what requests derive from it
    shared: dict[object, Any] = field(default_factory=dict, repr=False)  # the store's, kept across analyses

    def module(self, path: str) -> ast.Module | None:
        found = self.good.get(path)
        return found.module if found else None

    def lowered(self, path: str) -> LoweredModule | None:
        """The lowered module of `path` from the last good parse (None when it never parsed)."""
        module = self.module(path)
        if module is None:
            return None
        kb = self.features()
        key = (module.header.name, module.header.version)
        if kb.modules.get(key) is None or kb.modules[key].path != path:
            return None
        try:
            return kb.lowered(*key)
        except Exception:  # a half-typed source must never take a request down
            return None

    def features(self) -> KnowledgeBase:
        """The knowledge base of the last good parse of every file, for hovers, completion and navigation."""
        if all(f.module is not None for f in self.kb.files):
            return self.kb
        if self._features is None:
            files = [self.good.get(f.path, f) for f in self.kb.files]
            self._features = KnowledgeBase(files, self.kb.root)
        return self._features


class Store:
    """Every knowledge base the server has seen, by root, with the open documents laid over the disk."""

    def __init__(self) -> None:
        self.open: dict[str, str] = {}  # path -> text, for documents open in the editor
        self._disk: dict[Path, dict[str, SourceFile]] = {}
        self._parsers: dict[str, ChunkParser] = {}
        self._parsed: dict[str, SourceFile] = {}  # path -> the SourceFile of its current text
        self._good: dict[str, SourceFile] = {}
        self._lowered: dict[Path, tuple[dict[str, str], dict[ModuleKey, LoweredModule]]] = {}
        self.analyses: dict[Path, Analysis] = {}
        self.shared: dict[object, Any] = {}  # what requests derive and may re-use while its inputs are unchanged

    def root_of(self, path: str) -> Path:
        text = self.open.get(path)
        if text is None:
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
        return find_root(Path(path), text)

    def set_text(self, path: str, text: str | None) -> Path:
        """Record an edit (None: the editor closed it, read it from disk again); return its root."""
        if text is None:
            self.open.pop(path, None)
            self._parsed.pop(path, None)
        else:
            self.open[path] = text
        return self.root_of(path)

    def source(self, path: str, text: str) -> SourceFile:
        """The parsed file, re-using what is unchanged since its previous text."""
        previous = self._parsed.get(path)
        if previous is not None and previous.text == text:
            return previous
        parser = self._parsers.setdefault(path, ChunkParser())
        module, diagnostics = parser.parse(text, path)
        parsed = SourceFile(path, text, module, diagnostics)
        self._parsed[path] = parsed
        if module is not None:
            self._good[path] = parsed
        return parsed

    def _files(self, root: Path) -> list[SourceFile]:
        disk = self._disk.get(root)
        if disk is None:
            disk = {}
            for file in sorted(root.rglob("*.eligo")) if root.is_dir() else [root] if root.is_file() else []:
                try:
                    raw = file.read_bytes()
                except OSError:
                    continue
                try:
                    disk[str(file)] = self.source(str(file), raw.decode("utf-8"))
                except UnicodeDecodeError:  # refused as `eligo check` refuses it (E061), at the first bad byte
                    disk[str(file)] = SourceFile(str(file), *read_source(file))
            self._disk[root] = disk
        files = dict(disk)
        for path, text in self.open.items():
            if path.endswith(".eligo") and self.root_of(path) == root:
                files[path] = self.source(path, text)
        return [files[p] for p in sorted(files)]

    def forget_disk(self, path: str) -> None:
        """A file changed on disk (saved, created, deleted): read it again at the next analysis."""
        for disk in self._disk.values():
            disk.pop(path, None)
        self._parsed.pop(path, None)
        for root in list(self._disk):
            if Path(path).is_relative_to(root):
                del self._disk[root]

    def analyse(self, root: Path) -> Analysis:
        """Check the knowledge base at `root` as it is now, re-using what the latest edits cannot affect."""
        files = self._files(root)
        texts = {f.path: f.text for f in files}
        previous_texts, previous = self._lowered.get(root, ({}, {}))
        headers = sorted((f.module.header.name, f.module.header.version, f.module.header.status, f.path)
                         for f in files if f.module is not None)
        previous_headers = sorted((m.id, m.version, m.module.header.status, m.module.header.span.path)
                                  for m in previous.values())
        reuse: dict[ModuleKey, LoweredModule] = {}
        if headers == previous_headers:
            reuse = {key: m for key, m in previous.items() if _unchanged(m, texts, previous_texts)}
        kb = _Reusing(files, root if root.is_dir() else None, reuse)
        diagnostics: dict[str, list[Diagnostic]] = {f.path: [] for f in files}
        for diagnostic in kb.check():
            diagnostics.setdefault(diagnostic.span.path, []).append(diagnostic)
        lowered = {key: kb.lowered(*key) for key in kb.modules}
        self._lowered[root] = (texts, lowered)
        good = {f.path: self._good.get(f.path, f) for f in files}
        analysis = Analysis(kb, diagnostics, good, shared=self.shared)
        self.analyses[root] = analysis
        return analysis

    def analysis_of(self, path: str) -> Analysis:
        """The latest analysis of the knowledge base holding `path` (made now if there is none)."""
        root = self.root_of(path)
        found = self.analyses.get(root)
        if found is None or (path.endswith(".eligo") and path not in found.diagnostics):
            return self.analyse(root)
        return found


def _closure(module: LoweredModule) -> list[LoweredModule]:
    out: dict[int, LoweredModule] = {}
    stack = [module]
    while stack:
        current = stack.pop()
        if id(current) not in out:
            out[id(current)] = current
            stack.extend(current.uses.values())
    return list(out.values())


def _unchanged(module: LoweredModule, texts: dict[str, str], previous: dict[str, str]) -> bool:
    for part in _closure(module):
        path = part.module.header.span.path
        if path not in texts or (texts[path] is not previous.get(path) and texts[path] != previous.get(path)):
            return False
    return True
