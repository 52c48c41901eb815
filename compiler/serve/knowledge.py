"""A knowledge base's bindings: the companion file of each module version, read once, and what a guideline version
sees (its uses' bindings, then its own, as a guideline may rebind an input of a module it uses more narrowly)."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from eligo.serve.bindings import SUFFIX, Binding, BindingFile, Event, Order, parse_bindings

if TYPE_CHECKING:
    from eligo.ir import InputInfo


class _Source(Protocol):
    @property
    def path(self) -> str: ...


class _Declared(Protocol):
    @property
    def inputs(self) -> Mapping[str, InputInfo]: ...


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Module(Protocol):
    @property
    def decisions(self) -> Sequence[_Named]: ...


class _Lowered(Protocol):
    @property
    def visible_inputs(self) -> Mapping[str, InputInfo]: ...
    @property
    def module(self) -> _Module: ...


class _Resolution(Protocol):
    @property
    def order(self) -> Sequence[tuple[str, str]]: ...


class KnowledgeBase(Protocol):
    """What bindings need of a knowledge base (`eligo.KnowledgeBase` is one), so this module imports no stage."""

    @property
    def root(self) -> Path | None: ...
    @property
    def modules(self) -> Mapping[tuple[str, str], _Source]: ...
    def lowered(self, module_id: str, version: str) -> _Lowered: ...
    def resolve(self, module_id: str, version: str) -> _Resolution: ...
    def guideline(self, module_id: str, version: str | None = None) -> _Declared: ...


_CACHE: weakref.WeakKeyDictionary[KnowledgeBase, dict[tuple[str, str], BindingFile]] = weakref.WeakKeyDictionary()


def companion(source_path: str) -> Path:
    """`knowledge/core/x/1.0.0.eligo` -> `knowledge/core/x/1.0.0.fhir.yaml`."""
    path = Path(source_path)
    return path.with_name(path.name.removesuffix(".eligo") + SUFFIX)


def bindings_of(kb: KnowledgeBase) -> dict[tuple[str, str], BindingFile]:
    """The companion file of every module version that has one (read once per knowledge base)."""
    if kb not in _CACHE:
        found = {}
        for key, source in kb.modules.items():
            path = companion(source.path)
            if path.is_file():
                found[key] = parse_bindings(path.read_text(encoding="utf-8"), str(path))
        _CACHE[kb] = found
    return _CACHE[kb]


def input_bindings(kb: KnowledgeBase, guideline: str, version: str) -> dict[str, Binding]:
    """Every binding a guideline version sees: its own and those of the module versions it uses."""
    files = bindings_of(kb)
    out: dict[str, Binding] = {}
    for key in [*kb.resolve(guideline, version).order, (guideline, version)]:
        if key in files and not any(d.is_error for d in files[key].diagnostics):
            out.update(files[key].inputs)
    return out


def orders_of(kb: KnowledgeBase, guideline: str, version: str) -> dict[str, Order]:
    """The orders the decisions of a guideline version are about (its own file only: orders name its decisions)."""
    file = bindings_of(kb).get((guideline, version))
    return dict(file.orders) if file is not None and not any(d.is_error for d in file.diagnostics) else {}


def events_of(kb: KnowledgeBase, guideline: str, version: str) -> dict[str, Event]:
    files = bindings_of(kb)
    out: dict[str, Event] = {}
    for key in [*kb.resolve(guideline, version).order, (guideline, version)]:
        if key in files:
            out.update(files[key].events)
    return out
