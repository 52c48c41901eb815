"""Guideline pages as Markdown: jinja2 templates fed with prose, tables, highlighted source and diffs."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from eligo.compiled.guideline import ExampleRun
from eligo.docs import explain, graph, links, prose, thresholds, try_patient
from eligo.docs.library import SEARCH_BOOST, GuidelineDoc, Library, VersionDoc
from eligo.docs.verdicts import Verdict, property_verdicts
from eligo.dsl import ast
from eligo.tools.diff import GuidelineDiff, source_of

SOURCE_MARKER = "<!-- eligo:source -->"
GRAPH_MARKER = "<!-- eligo:graph -->"
TRY_MARKER = "<!-- eligo:try -->"
SHARED_AREA = "core"  # the area of modules of shared definitions, listed apart from the guidelines


class RenderError(Exception):
    """The site cannot be generated (e.g. the Eligo Pygments lexer is not installed)."""


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("eligo.docs", "templates"),
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
    env.filters["first_upper"] = prose.first_upper
    env.filters["safe_url"] = links.url
    return env


def md(text: object) -> str:
    """Text from a guideline, safe inside Markdown: no HTML, and nothing Markdown would make a link."""
    return links.text(text)


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
    return str(highlight(source, lexer, HtmlFormatter(**options)))


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
    if isinstance(key, ast.Band):
        return prose.band(key)
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
    """Everything a version page shows, from the compiled guideline and its parsed module."""

    def __init__(self, library: Library, guideline: GuidelineDoc, doc: VersionDoc) -> None:
        self.library = library
        self.guideline = guideline
        self.doc = doc
        self.module = doc.module
        self.header = doc.module.header
        self.state = guideline.state(doc)
        self.search_boost = SEARCH_BOOST[self.state]
        self.changes = guideline.changes(doc, guideline.current) if self.state == "superseded" else []
        kb = library.kb
        self.resolved = dict(kb.resolve(doc.id, doc.version).order)
        closure = [kb.source(mid, ver).module for mid, ver in self.resolved.items()]
        labels = {v.name: v.label or prose.humanize(v.name) for m in closure if m for k in m.kinds for v in k.values}
        inputs = doc.guideline.inputs
        yes_no = [n for n, i in inputs.items() if i.type.kind == "bool"]
        vocab = prose.Vocabulary.of(doc.module, yes_no=yes_no, inputs=inputs, foreign=self._foreign_links(),
                                    kind_labels=labels)
        plain = prose.Vocabulary(yes_no=frozenset(yes_no), kind_labels=labels)
        values, glosses = thresholds.glosses(doc.module, "", plain)
        labels = dict(vocab.labels)
        for use in self.module.uses:
            used = kb.source(use.module, self.resolved[use.module]).module if use.module in self.resolved else None
            if used is not None:
                more_values, more_glosses = thresholds.glosses(used, f"{use.local_name}.", plain)
                values.update(more_values)
                glosses.update(more_glosses)
                labels.update(prose.labels_of(used, f"{use.local_name}."))
        own = {d.name for d in doc.module.defines}
        self.vocab = dataclasses.replace(vocab, values=values, glosses={k: v for k, v in glosses.items() if k not in own},
                                         labels=labels)

    def _foreign_links(self) -> dict[str, str]:
        """`alias.name` -> the anchor of that definition, table or decision on the used version's page."""
        links = {}
        for use in self.module.uses:
            version = self.resolved.get(use.module)
            if version is None:
                continue
            used = self.library.kb.source(use.module, version).module
            assert used is not None
            for kind, names in (("define", used.defines), ("table", used.tables), ("decision", used.decisions)):
                for item in names:
                    links[f"{use.local_name}.{item.name}"] = f"../{use.module}/{version}.md#{prose.anchor(kind, item.name)}"
        return links

    def source(self, node: Any) -> str:
        return source_of(self.doc.text, node.span)

    def open_questions(self) -> list[str]:
        """Every open question this version declares, as one Markdown line each (with a link to its rule)."""
        found = []
        for d in self.module.decisions:
            for r in (*d.rules, d.default):
                if r is not None and r.is_open:
                    name = r.name if isinstance(r, ast.Rule) else "otherwise"
                    link = prose.anchor("rule", f"{d.name}-{name}")
                    found += [f"{line} [See the rule](#{link})." for line in prose.open_question_prose(d, r, self.vocab)]
        return found

    def decision_rules(self, decision: ast.Decision) -> Iterator[RuleView]:
        for rule in decision.rules:
            yield RuleView(decision, rule, prose.anchor("rule", f"{decision.name}-{rule.name}"),
                           prose.open_question_prose(decision, rule, self.vocab) if rule.is_open else
                           prose.rule_prose(decision.name, rule.outcome, rule.condition, self.vocab),
                           self.source(rule))
        if decision.default is not None:
            yield RuleView(decision, decision.default, prose.anchor("rule", f"{decision.name}-otherwise"),
                           prose.open_question_prose(decision, decision.default, self.vocab)
                           if decision.default.is_open else
                           [f"Otherwise, when no rule above applies, the {prose.humanize(decision.name)} decision "
                            f"is **{prose.humanize(decision.default.outcome)}**."],
                           self.source(decision.default))

    def define_prose(self, define: ast.Define) -> list[str]:
        return prose.define_prose(define, self.vocab)

    def policy(self, decision: ast.Decision) -> str:
        return prose.policy_prose(decision)

    def at_a_glance(self, decision: ast.Decision) -> list[tuple[str, list[str]]]:
        return prose.outcome_summary(decision, self.vocab)

    def cites(self, notes: ast.Annotations) -> str:
        return ", ".join(f"[{key}](#{prose.anchor('ref', key)})" for key in notes.cites)

    def input_rows(self) -> Iterator[dict[str, str]]:
        """Every input a case for this guideline may contain, its own and those of the modules it uses."""
        own = self.doc.guideline.lowered.key
        for info in self.doc.guideline.inputs.values():
            low, high = bound(info.low), bound(info.high)
            module_id, _, version = info.module.partition("@")
            yield {
                "anchor": prose.anchor("input", info.name),
                "name": info.name,
                "label": prose.humanize(info.name),
                "type": info.spec or info.type.describe(),
                "unit": info.unit or "",
                "range": f"{low} to {high}" if low or high else "",
                "optional": "yes" if info.optional else "no",
                "description": info.description or "",
                "choices": ", ".join(f"`{v}`" + (f" ({self.vocab.kind_labels[v]})" if v in self.vocab.kind_labels
                                                 and self.vocab.kind_labels[v] != prose.humanize(v) else "")
                                     for v in info.type.values) if info.type.kind == "enum" else "",
                "from": "" if info.module == own else f"[{module_id}](../{module_id}/{version}.md)",
            }

    def table_header(self, table: ast.Table) -> list[str]:
        return [prose.humanize(b) for b in table.by]

    def table_rows(self, table: ast.Table) -> Iterator[tuple[list[str], str, ast.Row]]:
        for row in table.rows:
            keys = ["any other"] * len(table.by) if row.is_otherwise else [row_key(k, self.vocab) for k in row.keys]
            yield keys, prose.value(row.value, self.vocab), row

    def examples(self) -> list[tuple[ExampleRun, str]]:
        """Every example run, with an anchor made from its title (unique on the page)."""
        seen: dict[str, int] = {}
        out = []
        for run in self.doc.examples:
            slug = re.sub(r"[^a-z0-9]+", "-", run.example.title.lower()).strip("-")[:60].rstrip("-") or "case"
            seen[slug] = seen.get(slug, 0) + 1
            out.append((run, f"example-{slug}" + (f"-{seen[slug]}" if seen[slug] > 1 else "")))
        return out

    def explanation(self, run: ExampleRun) -> str:
        """How the answer to one example was reached, as Markdown prose with the patient's values."""
        guideline = self.doc.guideline
        return explain.markdown(guideline, run.result, self.vocab, case=guideline.example_case(run.example))

    def example_given(self, example: ast.Example) -> Iterator[tuple[str, str]]:
        for given in example.given:
            yield self.vocab.name(given.name), prose.value(given.value, self.vocab)

    def expectation(self, expect: ast.Expectation) -> str:
        target = self.vocab.name(expect.target)
        if isinstance(expect, ast.ExpectUnknown):
            missing = ", ".join(self.vocab.name(m) for m in expect.missing or ())
            return f"{target} is *unknown*" + (f" because {missing} is missing" if missing else "")
        if isinstance(expect, ast.ExpectOpen):
            by = f" (rule [{expect.by_rule}](#{prose.anchor('rule', f'{expect.target}-{expect.by_rule}')}))" \
                if expect.by_rule else ""
            return f"{target} is an *open question*{by}: the guideline deliberately leaves it to the committee"
        by = f" (by rule [{expect.by_rule}](#{prose.anchor('rule', f'{expect.target}-{expect.by_rule}')}))" \
            if expect.by_rule else ""
        return f"{target} is **{prose.value(expect.value, self.vocab)}**{by}"

    def properties(self) -> list[PropertyView]:
        verdicts = property_verdicts(self.doc)
        return [PropertyView(p, prose.property_prose(p.body, self.vocab), verdicts[p.title])
                for p in self.module.properties]

    def uses(self) -> Iterator[tuple[ast.Use, str]]:
        """Each `use` with the version it resolved to."""
        for use in self.module.uses:
            yield use, self.resolved.get(use.module, "")


def version_page(library: Library, guideline: GuidelineDoc, doc: VersionDoc) -> str:
    view = VersionView(library, guideline, doc)
    return environment().get_template("version.md.j2").render(v=view, g=guideline, source_marker=SOURCE_MARKER,
                                                              graph_marker=GRAPH_MARKER, try_marker=TRY_MARKER)


def change_sources(diff: GuidelineDiff) -> str:
    """Markdown: the source of each changed item before and after (examples and properties left out)."""
    parts: list[str] = []
    for change in diff.changes:
        if change.subject.startswith(("example ", "property ")) or not (change.before or change.after):
            continue
        parts.append(f"**{md(change.subject)}**")
        for label, text in (("Before", change.before), ("After" if change.before else "Added", change.after)):
            if text:
                parts.append(f"{label}:\n\n```eligo\n{text}\n```")
    return "\n\n".join(parts)


def guideline_page(guideline: GuidelineDoc) -> str:
    return environment().get_template("guideline.md.j2").render(
        g=guideline, diffs=guideline.diffs, change_sources=change_sources)


def home_page(library: Library, site_name: str = "Eligo guidelines",
              pages: frozenset[str] | set[str] = frozenset()) -> str:
    """The home page: every guideline, how to read a page, search words from this knowledge base."""
    return environment().get_template("home.md.j2").render(
        library=library, shared_area=SHARED_AREA, site_name=site_name, pages=pages, search_words=search_words(library))


def search_words(library: Library) -> list[str]:
    """Words a reader of this knowledge base could search for: tumour sites (areas) and a threshold."""
    words: list[str] = []
    for g in library.guidelines:
        if g.area != SHARED_AREA and prose.humanize(g.area) not in words:
            words.append(prose.humanize(g.area))
    quantities = sorted({prose.value(d.expr) for g in library.guidelines for d in g.current.module.defines
                         if isinstance(d.expr, ast.Quantity) and d.expr.unit in ("months", "years", "weeks", "days")})
    return words[:2] + quantities[:1]


def errors_banner(report: str) -> str:
    """HTML put on top of every page by `mkdocs serve` while the knowledge base has errors."""
    return ('<div class="admonition failure eligo-errors"><p class="admonition-title">The knowledge base has errors: '
            'these pages show the last version that checked</p><pre><code>' + links.text(report).replace("\\", "") +
            "</code></pre></div>\n")


def guidelines_index(library: Library) -> str:
    return environment().get_template("guidelines.md.j2").render(library=library)


def diagram(library: Library, doc: VersionDoc, directory_urls: bool = True) -> graph.Diagram:
    """The boxes and arrows of one version's dependency graph, linked to the sections they stand for."""
    kb = library.kb

    def module(key: str) -> ast.Module | None:
        module_id, _, version = key.partition("@")
        try:
            return kb.source(module_id, version).module
        except KeyError:
            return None

    def page_of(key: str) -> str:
        module_id, _, version = key.partition("@")
        return f"../../{module_id}/{version}/" if directory_urls else f"../{module_id}/{version}.html"

    closure = [module(f"{mid}@{ver}") for mid, ver in kb.resolve(doc.id, doc.version).order]
    labels = {v.name: v.label or prose.humanize(v.name) for m in closure if m for k in m.kinds for v in k.values}
    return graph.diagram(doc.guideline.graph, doc.guideline.lowered.key, module, labels, page_of)


@dataclass(frozen=True, slots=True)
class Generated:
    """The generated files by path under docs_dir, and the HTML to put in place of SOURCE_MARKER on
    each version page after Markdown conversion (parsing large highlighted HTML as Markdown is slow)."""

    files: dict[str, str | bytes]
    sources: dict[str, str]
    graphs: dict[str, str] = dataclasses.field(default_factory=dict)  # the SVG for GRAPH_MARKER, by page
    tries: dict[str, str] = dataclasses.field(default_factory=dict)  # the "Try a patient" form for TRY_MARKER


def pages(library: Library, directory_urls: bool = True, site_name: str = "Eligo guidelines",
          own: frozenset[str] | set[str] = frozenset()) -> Generated:
    """Every generated file of the guideline part of the site (no home page when the site has its own)."""
    sources: dict[str, str] = {}
    tries: dict[str, str] = {}
    diagrams = {f"guidelines/{g.id}/{doc.version}.md": diagram(library, doc, directory_urls)
                for g in library.guidelines for doc in g.versions}
    with ThreadPoolExecutor(max_workers=1) as pool:  # Node lays out the graphs while the pages are written
        layout = pool.submit(graph.lay_out, list(diagrams.values()))
        out: dict[str, str | bytes] = {
            "guidelines/index.md": guidelines_index(library),
        }
        if "index.md" not in own:
            out["index.md"] = home_page(library, site_name, own)
        for guideline in library.guidelines:
            out[f"guidelines/{guideline.id}/index.md"] = guideline_page(guideline)
            for doc in guideline.versions:
                out[f"guidelines/{guideline.id}/{doc.version}.md"] = version_page(library, guideline, doc)
                sources[f"guidelines/{guideline.id}/{doc.version}.md"] = eligo_html(doc.text, anchors="src")
                if doc.guideline.decision_names:  # the form, and its evaluator as site assets
                    tries[f"guidelines/{guideline.id}/{doc.version}.md"] = try_patient.page_part(
                        VersionView(library, guideline, doc), directory_urls, out)
        placed = layout.result()
    return Generated(out, sources, {path: graph.svg(p) for path, p in zip(diagrams, placed, strict=True)}, tries)
