"""The store of a knowledge base: its `.eligo` files parsed, every module version by key, `use` resolved, and
versions chosen. It knows nothing of the stages after parsing (`eligo.pipeline` does)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from eligo.collection import pausing
from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic, EligoError, did_you_mean, error
from eligo.dsl.parser import parse_with_diagnostics, read_source
from eligo.kb.semver import Constraint, Version


@dataclass
class SourceFile:
    path: str
    text: str
    module: ast.Module | None
    diagnostics: list[Diagnostic]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class Resolution:
    """The module versions one module version uses, transitively (its closure), in dependency order."""

    order: list[tuple[str, str]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _expected_path_parts(module: ast.Module) -> tuple[str, ...]:
    return (*module.header.name.split("."), module.header.version + ".eligo")


class Store:
    """A folder of `.eligo` files: every version of every guideline module in it."""

    def __init__(self, files: Iterable[SourceFile], root: Path | None = None) -> None:
        self.root = root
        self.files = list(files)
        self.diagnostics: list[Diagnostic] = []
        self.modules: dict[tuple[str, str], SourceFile] = {}
        for file in self.files:
            self.diagnostics.extend(file.diagnostics)
            if file.module is None:
                continue
            header = file.module.header
            key = (header.name, header.version)
            if key in self.modules:
                first = self.modules[key].path
                self.diagnostics.append(error(
                    "E132", f"{header.name} {header.version} is also declared in {first}", header.span,
                    "each version of a guideline lives in exactly one file; bump the version"))
                continue
            self.modules[key] = file
            self._check_path(file, file.module)
        self._resolutions: dict[tuple[str, str], Resolution] = {}

    # ------------------------------------------------------------ loading
    @classmethod
    @pausing
    def from_paths(cls, paths: Iterable[str | Path]) -> Self:
        roots = [Path(p) for p in paths]
        files: list[Path] = []
        for root in roots:
            if root.is_dir():
                files.extend(sorted(p for p in root.rglob("*.eligo") if p.is_file()))
            elif root.exists():
                files.append(root)
            else:
                raise FileNotFoundError(f"{root}: no such file or folder")
        sources = []
        for file in files:
            text, module, diagnostics = read_source(file)
            sources.append(SourceFile(str(file), text, module, diagnostics))
        return cls(sources, roots[0] if len(roots) == 1 and roots[0].is_dir() else None)

    @classmethod
    @pausing
    def from_texts(cls, sources: dict[str, str]) -> Self:
        """A knowledge base from in-memory sources, keyed by the path each should report."""
        files = []
        for path, text in sources.items():
            module, diagnostics = parse_with_diagnostics(text, path)
            files.append(SourceFile(path, text, module, diagnostics))
        return cls(files)

    def _check_path(self, file: SourceFile, module: ast.Module) -> None:
        if self.root is None:
            return
        try:
            relative = Path(file.path).resolve().relative_to(self.root.resolve()).parts
        except ValueError:
            return
        expected = _expected_path_parts(module)
        if relative != expected:
            self.diagnostics.append(error(
                "E124", f"this file declares {module.header.name} {module.header.version}, so it belongs at "
                f"{'/'.join(expected)}", module.header.span,
                f"move the file, or correct the header (it is at {'/'.join(relative)})"))

    # ------------------------------------------------------------ queries
    def ids(self) -> list[str]:
        return sorted({name for name, _ in self.modules})

    def versions(self, module_id: str) -> list[ast.Module]:
        found = [f.module for (name, _), f in self.modules.items() if name == module_id and f.module]
        return sorted(found, key=lambda m: Version.parse(m.header.version))

    def source(self, module_id: str, version: str) -> SourceFile:
        return self.modules[(module_id, version)]

    def select(self, module_id: str, version: str | None = None, as_of: dt.date | None = None,
               allow_draft: bool = False) -> ast.Module:
        """Choose a version: exact, in force on a date, or the latest approved (drafts only when allowed) that is
        in force today: an approved version whose effective date is still to come is chosen only by its version
        or a date, unless no approved version is in force yet."""
        versions = self.versions(module_id)
        if not versions:
            raise LookupError(f"no guideline `{module_id}` in this knowledge base"
                              + (f"; {hint}" if (hint := did_you_mean(module_id, self.ids())) else ""))
        if version is not None:
            for module in versions:
                if module.header.version == version:
                    return module
            raise LookupError(f"{module_id} has no version {version}; it has "
                              f"{', '.join(m.header.version for m in versions)}")
        allowed = [m for m in versions if m.header.status == "approved" or (allow_draft and m.header.status == "draft")]
        if as_of is not None:
            in_force = [m for m in allowed if m.header.effective is not None and m.header.effective <= as_of]
            if not in_force:
                raise LookupError(f"no {'approved ' if not allow_draft else ''}version of {module_id} was in force on "
                                  f"{as_of.isoformat()}")
            return max(in_force, key=lambda m: (m.header.effective or dt.date.min, Version.parse(m.header.version)))
        if not allowed:
            statuses = ", ".join(f"{m.header.version} ({m.header.status})" for m in versions)
            raise LookupError(f"{module_id} has no approved version ({statuses}); ask for a draft explicitly "
                              "with allow_draft / --draft, or for an exact version")
        today = dt.date.today()
        started = [m for m in allowed if m.header.status != "approved" or m.header.effective is None
                   or m.header.effective <= today]
        return (started or allowed)[-1]

    # ------------------------------------------------------------ resolution
    def resolve(self, module_id: str, version: str) -> Resolution:
        """Pick a version for every module `module_id@version` uses, transitively."""
        key = (module_id, version)
        if key in self._resolutions:
            return self._resolutions[key]
        resolution = Resolution()
        self._resolutions[key] = resolution
        visiting: list[tuple[str, str]] = []
        done: set[tuple[str, str]] = set()
        chosen: dict[str, tuple[str, Constraint, str]] = {}  # id -> (version, constraint, who asked)

        def visit(current: tuple[str, str]) -> None:
            if current in done:
                return
            if current in visiting:
                cycle = [*visiting[visiting.index(current):], current]
                module = self.modules[cycle[0]].module
                assert module is not None
                resolution.diagnostics.append(error(
                    "E122", "these modules use each other in a cycle: " + " → ".join(f"{m}@{v}" for m, v in cycle),
                    module.header.span, "move what they share into a core module that both use"))
                return
            visiting.append(current)
            module = self.modules[current].module
            assert module is not None
            for use in module.uses:
                picked = self._pick(use, current, chosen, resolution)
                if picked is not None:
                    visit((use.module, picked))
            visiting.pop()
            done.add(current)
            if current != key:
                resolution.order.append(current)

        visit(key)
        return resolution

    def _pick(self, use: ast.Use, user: tuple[str, str], chosen: dict[str, tuple[str, Constraint, str]],
              resolution: Resolution) -> str | None:
        who = f"{user[0]}@{user[1]}"
        try:
            constraint = Constraint.parse(use.constraint)
        except ValueError:
            resolution.diagnostics.append(error("E121", f"`{use.constraint}` is not a version constraint", use.span,
                                                "write for example `^1.0`, `~1.2` or `>=1.0`"))
            return None
        versions = self.versions(use.module)
        if not versions:
            others = [i for i in self.ids() if i != user[0]]
            unparsed = [f.path for f in self.files if f.module is None]
            hint = (f"if it is declared in {', '.join(unparsed)}, fix the syntax errors there first"
                    if unparsed else did_you_mean(use.module, others))
            resolution.diagnostics.append(error("E120", f"there is no module `{use.module}`", use.span, hint))
            return None
        if use.module in chosen:
            version, previous, asker = chosen[use.module]
            if constraint.admits(Version.parse(version)):
                return version
            if previous.intersect(constraint) is None:
                resolution.diagnostics.append(error(
                    "E123", f"conflicting versions of `{use.module}`: {asker} needs {previous.text}, {who} needs "
                    f"{constraint.text}", use.span, "align the two `use` constraints"))
                return None
        candidates = [m for m in versions if m.header.status != "retired" or (constraint.text.startswith("="))]
        admitted = [m for m in candidates if constraint.admits(Version.parse(m.header.version))]
        if use.module in chosen:
            _, previous, _ = chosen[use.module]
            admitted = [m for m in admitted if previous.admits(Version.parse(m.header.version))]
        approved = [m for m in admitted if m.header.status == "approved"]
        pick = (approved or admitted)[-1] if admitted else None
        if pick is None:
            resolution.diagnostics.append(error(
                "E121", f"no version of `{use.module}` satisfies {constraint.text} (asked by {who}); it has "
                f"{', '.join(m.header.version + ' ' + m.header.status for m in versions)}", use.span,
                "relax the constraint, or add the version it needs"))
            return None
        chosen[use.module] = (pick.header.version, constraint, who)
        return pick.header.version


def raise_on_errors(diagnostics: list[Diagnostic]) -> None:
    if any(d.is_error for d in diagnostics):
        raise EligoError(diagnostics)
