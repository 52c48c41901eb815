"""The YAML reader of case files, imported only for a YAML case: PyYAML's SafeLoader with the YAML 1.2 core
scalars only (so `no` stays the text "no", `010` stays "010"), duplicate keys, aliases and tags refused."""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml


class YamlRefused(Exception):
    """One problem of a YAML case (eligo.case_files turns it into the case's problem)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def load(source: str, max_digits: int) -> Any:
    """The one document of `source`, or None when there is none; YamlRefused naming the place otherwise."""
    try:
        documents = list(yaml.load_all(source, Loader=_loader(max_digits)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise YamlRefused(f"is not valid YAML: {exc.problem or exc.context or 'unreadable'}{where}") from None
    except yaml.YAMLError as exc:
        raise YamlRefused(f"is not valid YAML: {str(exc).splitlines()[0] if str(exc) else 'unreadable'}") from None
    except RecursionError:
        raise YamlRefused("is nested too deeply to be a case") from None
    if len(documents) > 1:
        raise YamlRefused(f"holds {len(documents)} YAML documents; a case file holds one case")
    return documents[0] if documents else None


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core scalars only, duplicate keys and aliases refused."""

    yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's own idiom: a loader class owns its resolver table)

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise YamlRefused(f"uses a YAML alias at line {mark.line + 1}; write each value out (a case needs no "
                              "references, and aliases can multiply a small file into a huge value)")
        node: yaml.Node | None = super().compose_node(parent, index)  # type: ignore[arg-type]
        return node


@functools.cache
def _loader(max_digits: int) -> type[_Loader]:
    """A loader class whose numbers have at most `max_digits` digits (longer ones stay texts, refused later)."""

    class CaseLoader(_Loader):
        yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's own idiom: a loader class owns its resolver table)

    loader = CaseLoader
    loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
    loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))
    loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(rf"^[-+]?[0-9]{{1,{max_digits}}}$"),
                                 list("-+0123456789"))
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(rf"^[-+]?(?:\.[0-9]{{1,{max_digits}}}|[0-9]{{1,{max_digits}}}(?:\.[0-9]{{0,{max_digits}}})?)"
                   r"(?:[eE][-+]?[0-9]{1,4})?$"),
        list("-+.0123456789"))
    loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
    loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    for tag in ("timestamp", "binary", "set", "omap", "pairs"):
        loader.add_constructor(f"tag:yaml.org,2002:{tag}", _refuse_tag)
    return loader


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    return int(loader.construct_scalar(node))


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    return float(loader.construct_scalar(node))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise YamlRefused(f"a field name at line {key_node.start_mark.line + 1} is not a name")
        if key in out:
            raise YamlRefused(f"the field {_short(str(key))} is given twice (again at line "
                              f"{key_node.start_mark.line + 1}); give each field once")
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _refuse_tag(loader: _Loader, node: yaml.Node) -> Any:
    raise YamlRefused(f"the YAML tag {node.tag.rsplit(':', 1)[-1]} at line {node.start_mark.line + 1} is not "
                      "allowed in a case; write the value plainly")


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "…")
