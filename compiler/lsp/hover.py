"""Hover: what the documentation site says of a name, in its prose, with units, citations and its module."""

from __future__ import annotations

import dataclasses

from lsprotocol import types as lsp

from eligo.docs import prose
from eligo.dsl import ast
from eligo.ir import InputInfo
from eligo.lsp.convert import to_range
from eligo.lsp.names import Symbol
from eligo.lsp.navigation import at
from eligo.lsp.workspace import Analysis
from eligo.semantic.module import LoweredModule, spec_text


def vocabulary(lowered: LoweredModule) -> prose.Vocabulary:
    """The docs' vocabulary of a module, without the site's links (a hover has no page to link into)."""
    yes_no = [name for name, info in lowered.visible_inputs.items() if info.spec == "yes/no"]
    labels = {v.name: v.label or prose.humanize(v.name) for used in lowered.uses.values()
              for k in used.module.kinds for v in k.values}
    vocab = prose.Vocabulary.of(lowered.module, yes_no=yes_no, kind_labels=labels)
    return dataclasses.replace(vocab, links={})


def _module(analysis: Analysis, key: str) -> LoweredModule | None:
    module_id, _, version = key.partition("@")
    kb = analysis.features()
    return kb.lowered(module_id, version) if (module_id, version) in kb.modules else None


def _citations(lowered: LoweredModule, notes: ast.Annotations) -> list[str]:
    references = {r.key: r for m in (lowered, *lowered.uses.values()) for r in m.module.references}
    out = [f"> {text}" for text in notes.because]
    for key in notes.cites:
        ref = references.get(key)
        out.append(f"- `{key}`: {ref.citation}" + (f" (evidence {ref.evidence})" if ref and ref.evidence else "")
                   if ref else f"- `{key}`")
    return out


def _thresholds(lowered: LoweredModule, expr: ast.Expr, vocab: prose.Vocabulary) -> list[str]:
    """The constants an expression reads through named definitions (`threshold: 12 months`), as a list."""
    out: list[str] = []
    for ref in (node for node in ast.walk(expr) if isinstance(node, ast.Ref)):
        owner, local = lowered, ref.name
        if "." in ref.name:
            alias, _, local = ref.name.partition(".")
            owner = lowered.uses.get(alias, lowered)
        define = next((d for d in owner.module.defines if d.name == local), None)
        if define is not None and isinstance(define.expr, ast.LITERAL_TYPES):
            line = f"- {prose.humanize(local)}: {prose.value(define.expr, vocab)}"
            if line not in out:
                out.append(line)
    return ["", *out] if out else []


def _rows(table: ast.Table, vocab: prose.Vocabulary, limit: int = 30) -> list[str]:
    """The table as a Markdown table: a column per key, then the value, as the docs read them."""
    def key(value: ast.RowKey) -> str:
        if value is None:
            return "any"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, ast.Band):
            return prose.band(value)
        return vocab.kind_labels.get(value, prose.humanize(value))

    head = [*(prose.humanize(column) for column in table.by), prose.humanize(spec_text(table.result))]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table.rows[:limit]:
        keys = [key(k) for k in row.keys] if not row.is_otherwise else ["otherwise", *[""] * (len(table.by) - 1)]
        cells = [*keys, prose.value(row.value, vocab)]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if len(table.rows) > limit:
        lines.append(f"\n… and {len(table.rows) - limit} more rows")
    return lines


def describe(lowered: LoweredModule, symbol: Symbol, source_of: dict[str, str]) -> list[str]:
    """Markdown lines about `symbol`, declared in `lowered`."""
    module = lowered.module
    vocab = vocabulary(lowered)
    origin = f"*from {lowered.id} {lowered.version}*"
    source = source_of.get(module.header.span.path, "").split("\n")

    def code(span: ast.Span, limit: int = 12) -> list[str]:
        lines = source[span.line - 1:span.end_line]
        return ["```eligo", *lines[:limit], *(["  …"] if len(lines) > limit else []), "```"]

    match symbol.kind:
        case "input":
            info = lowered.inputs.get(symbol.name) or lowered.visible_inputs.get(symbol.name)
            if info is None:
                return []
            bounds = (f", from {prose.value(ast.Number(info.low))} to {prose.value(ast.Number(info.high))}"
                      if info.low is not None and info.high is not None else "")
            unit = f" (a bare number is read in {info.unit})" if info.unit and info.spec != "percent" else ""
            lines = [f"**input** `{info.name}`: {info.spec}{bounds}{', optional' if info.optional else ''}{unit}"]
            if info.description:
                lines += ["", info.description]
            if info.fields:  # a list of records: what each element holds
                lines += ["", "Each element:", *(f"- {_field_line(f)}" for f in info.fields)]
            return [*lines, "", origin]
        case "define":
            define = next((d for d in module.defines if d.name == symbol.name), None)
            if define is None:
                return []
            return ["\n".join(prose.define_prose(define, vocab)), *_thresholds(lowered, define.expr, vocab),
                    *_citations(lowered, define.notes), "", origin, *code(define.span)]
        case "decision":
            decision = next((d for d in module.decisions if d.name == symbol.name), None)
            if decision is None:
                return []
            lines = [f"**decision** `{decision.name}`", "", prose.policy_prose(decision), ""]
            for _, body in prose.outcome_summary(decision, vocab):
                lines += [*body, ""]
            return [*lines, origin]
        case "table":
            table = next((t for t in module.tables if t.name == symbol.name), None)
            if table is None:
                return []
            return [f"**table** `{table.name}`", "", *_rows(table, vocab), "", origin]
        case "kind":
            kind = next((k for k in module.kinds if k.name == symbol.name), None)
            if kind is None:
                return []
            return [f"**kind** `{kind.name}`", "",
                    *(f"- `{v.name}`" + (f": {v.label}" if v.label else "") for v in kind.values), "", origin]
        case "value":
            kind_name, _, value = symbol.name.partition(".")
            kind = next((k for k in module.kinds if k.name == kind_name), None)
            label = next((v.label for v in kind.values if v.name == value), None) if kind else None
            return [f"`{value}`: a value of kind `{kind_name}`" + (f", “{label}”" if label else ""), "", origin]
        case "reference":
            ref = next((r for r in module.references if r.key == symbol.name), None)
            if ref is None:
                return []
            extra = [f"{k} {v}" for k, v in (("doi", ref.doi), ("pmid", ref.pmid), ("url", ref.url),
                                              ("evidence", ref.evidence)) if v]
            return [f"**reference** `{ref.key}`", "", ref.citation, *(["", ", ".join(extra)] if extra else []), "",
                    origin]
        case "rule":
            decision_name, _, rule_name = symbol.name.partition(".")
            decision = next((d for d in module.decisions if d.name == decision_name), None)
            rule = next((r for r in decision.rules if r.name == rule_name), None) if decision else None
            if rule is None or decision is None:
                return []
            lead = prose.open_question_prose(decision, rule, vocab) if rule.is_open else \
                prose.rule_prose(decision_name, rule.outcome, rule.condition, vocab)
            return ["\n".join(lead),
                    *_thresholds(lowered, rule.condition, vocab), *_citations(lowered, rule.notes), "",
                    f"*rule `{rule.name}` of `{decision_name}`*", origin]
        case "outcome":
            decision_name, _, outcome = symbol.name.partition(".")
            decision = next((d for d in module.decisions if d.name == decision_name), None)
            if decision is None:
                return []
            body = next((b for o, b in prose.outcome_summary(decision, vocab) if o == outcome), [])
            return [f"`{outcome}`: an outcome of `{decision_name}`", "", *body, "", origin]
        case "record":
            declared = next((r for r in module.records if r.name == symbol.name), None)
            if declared is None:
                return []
            fields = [f"- {_field_line(f)}" for f in lowered.records.get(symbol.name, ())]
            return [f"**record** `{declared.name}`: what each element of a `list of {declared.name}` holds", "",
                    *fields, "", origin]
        case "field":
            record_name, _, field_name = symbol.name.partition(".")
            info = next((f for f in lowered.records.get(record_name, ()) if f.name == field_name), None)
            if info is None:
                return []
            return [f"**field** of record `{record_name}`: {_field_line(info)}",
                    *(["", info.description] if info.description else []), "", origin]
        case "module":
            header = module.header
            lines = [f"**{header.title or header.name}**", "", f"{header.name} {header.version}, {header.status}"
                     + (f", effective {header.effective.isoformat()}" if header.effective else "")]
            return [*lines, *(["", header.summary] if header.summary else [])]


def _field_line(info: InputInfo) -> str:
    """A record field as its declaration reads: `size`: quantity in mm, from 0 to 300, optional."""
    bounds = (f", from {prose.value(ast.Number(info.low))} to {prose.value(ast.Number(info.high))}"
              if info.low is not None and info.high is not None else "")
    return f"`{info.name}`: {info.spec}{bounds}{', optional' if info.optional else ''}"


def hover(analysis: Analysis, path: str, position: lsp.Position) -> lsp.Hover | None:
    occurrence = at(analysis, path, position)
    if occurrence is None:
        return None
    declared_in = _module(analysis, occurrence.symbol.module)
    if declared_in is None:
        return None
    sources = {f.path: f.text for f in analysis.features().files}
    lines = describe(declared_in, occurrence.symbol, sources)
    if not lines:
        return None
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, "\n".join(lines)), to_range(occurrence.span))
