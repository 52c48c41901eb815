"""Guideline pages as Markdown: jinja2 templates fed with prose, tables, highlighted source and diffs."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from compiler.diff import GuidelineDiff, diff_modules, source_of
from compiler.docs import prose
from compiler.docs.library import GuidelineDoc, Library, VersionDoc
from compiler.docs.verdicts import Verdict, property_verdicts
from dsl import ast


class RenderError(Exception):
    """The site cannot be generated (e.g. the Eligo Pygments lexer is not installed)."""


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compiler.docs", "templates"),
        autoescape=False,  # the templates write Markdown; text goes through the `md`/`cell` filters
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        comment_start_string="{##",  # `{#anchor}` is Markdown (attr_list), not a jinja comment
        comment_end_string="##}",
    )
    env.filters["md"] = md
    env.filters["cell"] = cell
    env.filters["human"] = prose.humanize
    return env


def md(text: object) -> str:
    """Text from a guideline, safe inside Markdown: HTML special characters escaped."""
    return html.escape(str(text), quote=False)


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no newlines."""
    return md(text).replace("|", "\\|").replace("\n", " ")


def eligo_html(source: str, anchors: str | None = None) -> str:
    """Eligo source highlighted by the `eligo` Pygments lexer, with line anchors `<anchors>-N` if asked."""
    try:
        lexer = get_lexer_by_name("eligo")
    except ClassNotFound as exc:
        raise RenderError("the Pygments lexer `eligo` (dsl.highlight.EligoLexer) is not installed; "
                          "run `pip install -e .`") from exc
    options: dict[str, Any] = {"wrapcode": True, "cssclass": "highlight"}
    if anchors:
        options.update(linenos="table", lineanchors=anchors, anchorlinenos=True)
    return highlight(source, lexer, HtmlFormatter(**options))


def type_text(t: ast.TypeSpec) -> str:
    match t.base:
        case "kind":
            return f"one of the {prose.humanize(str(t.kind))} values"
        case "duration":
            return f"duration in {t.unit}" if t.unit else "duration"
        case "quantity":
            return f"quantity in {t.unit}"
        case _:
            return t.base


def bound(v: int | float | None) -> str:
    return "" if v is None else prose.value(ast.Number(v)).replace("-", "−")


def row_key(key: ast.RowKey, vocab: prose.Vocabulary) -> str:
    if key is None:
        return "any"
    if isinstance(key, bool):
        return "yes" if key else "no"
    return vocab.kind_labels.get(key, prose.humanize(key))


@dataclass(frozen=True, slots=True)
class RuleView:
    decision: ast.Decision
    rule: ast.Rule | ast.Default
    anchor: str
    prose: list[str]
    source: str


@dataclass(frozen=True, slots=True)
class PropertyView:
    property: ast.Property
    prose: str
    verdict: Verdict


class VersionView:
    """Everything a version page shows, computed from one parsed module."""

    def __init__(self, guideline: GuidelineDoc, doc: VersionDoc, graph: bool) -> None:
        self.guideline = guideline
        self.doc = doc
        self.module = doc.module
        self.header = doc.module.header
        self.vocab = prose.Vocabulary.of(doc.module)
        self.graph_file = f"{doc.version}.svg" if graph else None

    def source(self, node: Any) -> str:
        return source_of(self.doc.text, node.span)

    def decision_rules(self, decision: ast.Decision) -> Iterator[RuleView]:
        for rule in decision.rules:
            yield RuleView(decision, rule, prose.anchor("rule", f"{decision.name}-{rule.name}"),
                           prose.rule_prose(decision.name, rule.outcome, rule.condition, self.vocab),
                           self.source(rule))
        if decision.default is not None:
            yield RuleView(decision, decision.default, prose.anchor("rule", f"{decision.name}-otherwise"),
                           [f"Otherwise, when no rule above applies, the {prose.humanize(decision.name)} decision "
                            f"is **{prose.humanize(decision.default.outcome)}**."],
                           self.source(decision.default))

    def define_prose(self, define: ast.Define) -> list[str]:
        return prose.define_prose(define, self.vocab)

    def policy(self, decision: ast.Decision) -> str:
        return prose.policy_prose(decision)

    def cites(self, notes: ast.Annotations) -> str:
        return ", ".join(f"[{key}](#{prose.anchor('ref', key)})" for key in notes.cites)

    def input_rows(self) -> Iterator[dict[str, str]]:
        for item in self.module.inputs:
            low, high = bound(item.low), bound(item.high)
            yield {
                "anchor": prose.anchor("input", item.name),
                "name": item.name,
                "label": prose.humanize(item.name),
                "type": type_text(item.type),
                "unit": item.type.unit or ("%" if item.type.base == "percent" else ""),
                "range": f"{low} to {high}" if low or high else "",
                "optional": "yes" if item.optional else "no",
                "description": item.description or "",
                "choices": self._kind_values(item.type.kind) if item.type.base == "kind" else "",
            }

    def _kind_values(self, kind: str | None) -> str:
        found = next((k for k in self.module.kinds if k.name == kind), None)
        if found is None:
            return ""
        return ", ".join(f"`{v.name}`" + (f" ({v.label})" if v.label else "") for v in found.values)

    def table_header(self, table: ast.Table) -> list[str]:
        return [prose.humanize(b) for b in table.by]

    def table_rows(self, table: ast.Table) -> Iterator[tuple[list[str], str, ast.Row]]:
        for row in table.rows:
            keys = ["any other"] * len(table.by) if row.is_otherwise else [row_key(k, self.vocab) for k in row.keys]
            yield keys, prose.value(row.value, self.vocab), row

    def example_given(self, example: ast.Example) -> Iterator[tuple[str, str]]:
        for given in example.given:
            yield self.vocab.name(given.name), prose.value(given.value, self.vocab)

    def expectation(self, expect: ast.Expectation) -> str:
        target = self.vocab.name(expect.target)
        if isinstance(expect, ast.ExpectUnknown):
            missing = ", ".join(self.vocab.name(m) for m in expect.missing or ())
            return f"{target} is *unknown*" + (f" because {missing} is missing" if missing else "")
        by = f" (by rule [{expect.by_rule}](#{prose.anchor('rule', f'{expect.target}-{expect.by_rule}')}))" \
            if expect.by_rule else ""
        return f"{target} is **{prose.value(expect.value, self.vocab)}**{by}"

    def properties(self) -> list[PropertyView]:
        verdicts = property_verdicts(self.doc)
        return [PropertyView(p, prose.property_prose(p.body, self.vocab), verdicts[p.title])
                for p in self.module.properties]

    def uses(self) -> Iterator[tuple[ast.Use, str | None]]:
        for use in self.module.uses:
            target = self.guideline_link(use.module)
            yield use, target

    def guideline_link(self, guideline_id: str) -> str | None:
        """A link from this version page to another guideline's overview page, if it is in the library."""
        return f"../{guideline_id}/index.md"

    def source_html(self) -> str:
        return eligo_html(self.doc.text, anchors="src")


def version_page(library: Library, guideline: GuidelineDoc, doc: VersionDoc, graph: bool = True) -> str:
    view = VersionView(guideline, doc, graph)
    known = {g.id for g in library.guidelines}
    return environment().get_template("version.md.j2").render(
        v=view, g=guideline, known=known, eligo_html=eligo_html)


def guideline_diffs(guideline: GuidelineDoc) -> list[GuidelineDiff]:
    """The semantic diff between each pair of consecutive versions."""
    pairs = zip(guideline.versions, guideline.versions[1:], strict=False)
    return [GuidelineDiff(guideline.id, a.version, b.version, diff_modules(a.module, b.module, a.text, b.text))
            for a, b in pairs]


def guideline_page(guideline: GuidelineDoc, diffs: list[GuidelineDiff]) -> str:
    return environment().get_template("guideline.md.j2").render(g=guideline, diffs=diffs)


def home_page(library: Library) -> str:
    return environment().get_template("home.md.j2").render(library=library)


def guidelines_index(library: Library) -> str:
    return environment().get_template("guidelines.md.j2").render(library=library)


Renderer = Callable[[], "str | bytes"]


def pages(library: Library, graph: Callable[[GuidelineDoc, VersionDoc], str] | None = None) -> dict[str, str | bytes]:
    """Every generated file of the guideline part of the site, by path under docs_dir."""
    out: dict[str, str | bytes] = {
        "index.md": home_page(library),
        "guidelines/index.md": guidelines_index(library),
    }
    for guideline in library.guidelines:
        out[f"guidelines/{guideline.id}/index.md"] = guideline_page(guideline, guideline_diffs(guideline))
        for doc in guideline.versions:
            page = version_page(library, guideline, doc, graph is not None)
            out[f"guidelines/{guideline.id}/{doc.version}.md"] = page
            if graph is not None:
                out[f"guidelines/{guideline.id}/{doc.version}.svg"] = graph(guideline, doc)
    return out
