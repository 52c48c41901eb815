"""Completion in context: what may be written where the cursor is.

After `alias.` the names of that module; after `=`, `!=` or `in {` the values of the left side's kind
(or a decision's outcomes in an `expect`); after `then`/`otherwise` the decision's outcomes; after a
number its units; after `cite` the reference keys; after `given` the inputs; after `use` the modules of the
knowledge base; inside a list operation (`count(lesions where `, `largest( of lesions)`) the fields of the list's
record first; elsewhere the names in scope (with `use` aliases), the list operations and the keywords that may
start the line.
"""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from eligo import ir
from eligo.ir import units
from eligo.lsp.workspace import Analysis
from eligo.semantic.module import LoweredModule

TOP_LEVEL = ("use", "reference", "kind", "record", "input", "define", "table", "decision", "example", "property")
IN_DECISION = ("rule", "otherwise")
IN_EXAMPLE = ("given", "expect")
EXPRESSION = ("and", "or", "not", "in", "is", "between", "missing", "known", "none", "yes", "no", "if", "then",
              "else", "first known of", "months between", "days between", "weeks between", "years between")

_QUALIFIED = re.compile(r"([A-Za-z_]\w*)\.(\w*)$")
_AFTER_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[ \t]+([A-Za-zµ/]*)$")
_AFTER_COMPARE = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*(?:!=|=|≠|(?:not\s+)?in\s*\{[^}]*)\s*(\w*)$")
_CITE = re.compile(r"\bcite\s+(?:\w+\s*,\s*)*(\w*)$")
_OUTCOME = re.compile(r"\b(?:then|otherwise)\s+(\w*)$")
_GIVEN = re.compile(r"^\s*given\s+(?:[^,]*,\s*)*(\w*)$")
_EXPECT = re.compile(r"^\s*expect\s+([\w.]*)$")
_USE = re.compile(r"^use\s+[\w.]*$")
_LIST_OP = re.compile(r"\b(count|any|all|largest|smallest|sum|distinct)\(")
_FIELD_FIRST = ("largest", "smallest", "sum", "distinct")  # written `op(FIELD of LIST)`
LIST_FORMS = {"count": "count(LIST where …)", "any": "any(LIST where … have …)", "all": "all(LIST have …)",
              "largest": "largest(FIELD of LIST)", "smallest": "smallest(FIELD of LIST)",
              "sum": "sum(FIELD of LIST where …)", "distinct": "distinct(FIELD of LIST)"}


def _item(label: str, kind: lsp.CompletionItemKind, detail: str | None = None) -> lsp.CompletionItem:
    return lsp.CompletionItem(label=label, kind=kind, detail=detail)


def _names(lowered: LoweredModule, prefix: str = "") -> list[lsp.CompletionItem]:
    """Everything a name in an expression may refer to, as this module sees it."""
    out = []
    for name, info in lowered.visible_inputs.items():
        out.append(_item(prefix + name, lsp.CompletionItemKind.Field, f"input: {info.spec}"))
    for name, node in lowered.nodes.items():
        is_decision = isinstance(node, ir.Decision)
        out.append(_item(prefix + name, lsp.CompletionItemKind.Class if is_decision else lsp.CompletionItemKind.Variable,
                         "decision" if is_decision else "definition"))
    for name in lowered.tables:
        out.append(_item(prefix + name, lsp.CompletionItemKind.Struct, "table"))
    for alias, used in lowered.uses.items():
        out.append(_item(prefix + alias, lsp.CompletionItemKind.Module, f"use {used.id} {used.version}"))
    return out


def _module_names(used: LoweredModule) -> list[lsp.CompletionItem]:
    out = [_item(n, lsp.CompletionItemKind.Class if isinstance(node, ir.Decision) else lsp.CompletionItemKind.Variable,
                 f"{'decision' if isinstance(node, ir.Decision) else 'definition'} of {used.id}")
           for n, node in used.nodes.items()]
    out += [_item(n, lsp.CompletionItemKind.Struct, f"table of {used.id}") for n in used.tables]
    out += [_item(k.name, lsp.CompletionItemKind.Enum, f"kind of {used.id}") for k in used.module.kinds]
    out += [_item(n, lsp.CompletionItemKind.Field, f"input of {used.id}: {i.spec}") for n, i in used.inputs.items()]
    return out


def _values_of(lowered: LoweredModule, name: str, expecting: bool) -> list[lsp.CompletionItem]:
    """The values `name` can be compared with: its kind's values, a decision's outcomes, yes and no."""
    node = lowered.nodes.get(name)
    if "." in name:
        alias, _, local = name.partition(".")
        used = lowered.uses.get(alias)
        node = used.nodes.get(local) if used else None
    if isinstance(node, ir.Decision):
        return [_item(o, lsp.CompletionItemKind.EnumMember, f"outcome of {node.name}") for o in node.outcomes]
    value_type = node.type if isinstance(node, ir.Definition) else None
    info = lowered.visible_inputs.get(name)
    if info is not None:
        value_type = info.type
    if value_type is None:
        return []
    if value_type.values:
        return [_item(v, lsp.CompletionItemKind.EnumMember, f"value of {value_type.name or 'kind'}")
                for v in value_type.values]
    if value_type.kind == "bool":
        return [_item(v, lsp.CompletionItemKind.Keyword) for v in ("yes", "no")]
    return []


def _references(lowered: LoweredModule) -> list[lsp.CompletionItem]:
    return [_item(r.key, lsp.CompletionItemKind.Reference, r.citation[:80])
            for m in (lowered, *lowered.uses.values()) for r in m.module.references]


def _keywords(words: tuple[str, ...]) -> list[lsp.CompletionItem]:
    return [_item(w, lsp.CompletionItemKind.Keyword) for w in words]


def _block(lines: list[str], line: int) -> str:
    """The keyword that opened the top-level item the cursor's line belongs to."""
    for text in reversed(lines[:line + 1]):
        if text and not text[0].isspace() and not text.startswith("#"):
            return text.split(None, 1)[0]
    return ""


def _current_decision(lowered: LoweredModule, lines: list[str], line: int) -> ir.Decision | None:
    for text in reversed(lines[:line + 1]):
        if text.startswith("decision"):
            name = re.match(r"decision\s+(\w+)", text)
            node = lowered.nodes.get(name.group(1)) if name else None
            return node if isinstance(node, ir.Decision) else None
        if text and not text[0].isspace() and not text.startswith("#"):
            return None
    return None


def _list_fields(lowered: LoweredModule, before: str, after: str) -> tuple[dict[str, ir.InputInfo], bool] | None:
    """Inside an unclosed list operation: the fields of its list's record (by name), and whether the cursor is
    where its field goes (`largest(|`, before `of`); None outside one."""
    opened = [m for m in _LIST_OP.finditer(before) if before.count(")", m.end()) <= before.count("(", m.end())]
    if not opened:
        return None
    match = opened[-1]
    inside = before[match.end():]
    field_first = match.group(1) in _FIELD_FIRST
    named = re.match(r"\s*\w*\s+of\s+(\w+)", inside) if field_first else re.match(r"\s*(\w+)\s", inside)
    at_field = field_first and not re.search(r"\bof\b", inside)
    if named is None and at_field:
        named = re.match(r"\s*\w*\s*of\s+(\w+)", after)
    if named is None:
        return None
    info = lowered.visible_inputs.get(named.group(1))
    if info is None or not info.fields:
        return None
    return {f.name: f for f in info.fields}, at_field


def _list_operations() -> list[lsp.CompletionItem]:
    return [lsp.CompletionItem(label=op, kind=lsp.CompletionItemKind.Function, detail=form, insert_text=f"{op}(")
            for op, form in LIST_FORMS.items()]


def _fields(fields: dict[str, ir.InputInfo]) -> list[lsp.CompletionItem]:
    return [_item(name, lsp.CompletionItemKind.Field, f"field: {info.spec}") for name, info in fields.items()]


def complete(analysis: Analysis, path: str, text: str, position: lsp.Position) -> list[lsp.CompletionItem]:
    lines = text.split("\n")
    line = lines[position.line] if position.line < len(lines) else ""
    before = line[:position.character]
    lowered = analysis.lowered(path)
    block = _block(lines, position.line)
    if before.strip().startswith("#") or before.count('"') % 2 == 1:
        return []
    if _USE.match(before):
        kb = analysis.features()
        return [_item(module_id, lsp.CompletionItemKind.Module,
                      ", ".join(f"{m.header.version} {m.header.status}" for m in kb.versions(module_id)))
                for module_id in kb.ids() if lowered is None or module_id != lowered.id]
    if lowered is None:
        return _keywords(TOP_LEVEL) if not before.strip() else []
    if (match := _CITE.search(before)) is not None:
        return _references(lowered)
    if (match := _QUALIFIED.search(before)) is not None and match.group(1) in lowered.uses:
        return _module_names(lowered.uses[match.group(1)])
    if (match := _AFTER_NUMBER.search(before)) is not None and not before.lstrip().startswith("given"):
        return [_item(u, lsp.CompletionItemKind.Unit) for u in units.names()]
    element = _list_fields(lowered, before, line[position.character:]) if block != "example" else None
    if element is not None and element[1]:
        return _fields(element[0])
    compared = _AFTER_COMPARE.search(before)
    if element is not None and compared is not None and compared.group(1) in element[0]:
        field = element[0][compared.group(1)]
        if field.type.values:
            return [_item(v, lsp.CompletionItemKind.EnumMember, f"value of {field.type.name or 'kind'}")
                    for v in field.type.values]
        if field.type.kind == "bool":
            return _keywords(("yes", "no"))
    if (match := compared) is not None:
        values = _values_of(lowered, match.group(1), block == "example")
        if values:
            return values
    if block == "decision" and _OUTCOME.search(before) is not None:
        decision = _current_decision(lowered, lines, position.line)
        if decision is not None:
            return [*(_item(o, lsp.CompletionItemKind.EnumMember, f"outcome of {decision.name}")
                      for o in decision.outcomes),
                    _item("open", lsp.CompletionItemKind.Keyword, "an open question: the guideline leaves it open")]
    if block == "example" and _GIVEN.search(before) is not None:
        return [_item(n, lsp.CompletionItemKind.Field, f"input: {i.spec}") for n, i in lowered.visible_inputs.items()]
    if block == "example" and _EXPECT.search(before) is not None:
        return [i for i in _names(lowered) if i.kind in (lsp.CompletionItemKind.Class, lsp.CompletionItemKind.Variable)]
    if not before.strip():
        if not before:
            return _keywords(TOP_LEVEL)
        return _keywords({"decision": IN_DECISION, "example": IN_EXAMPLE}.get(block, ("because", "cite")))
    fields = _fields(element[0]) if element is not None else []
    return [*fields, *_names(lowered), *_list_operations(), *_keywords(EXPRESSION)]
