""""Try a patient" on a version page: a form of the guideline's inputs that decides in the browser, offline.

The deciding is the JavaScript back end's (`eligo js`, written as a site asset per version); the words are the
site's own: every sentence the form can show is written here at build time by `explain.lines`, the generator of
the worked examples, for each rule as it applies, does not apply or cannot be decided yet, and for each outcome;
the page's script (assets/eligo-try.js) only picks and joins them from the evaluation.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import markdown  # type: ignore[import-untyped]  # Python-Markdown, as MkDocs itself uses

from eligo import ir
from eligo.docs import explain, prose
from eligo.dsl import ast
from eligo.ir import units

if TYPE_CHECKING:
    from eligo.docs.render import VersionView

SCRIPT = "assets/eligo-try.js"
STYLE = "assets/eligo-try.css"


def asset_name(guideline_id: str, version: str) -> str:
    """Where a version's generated evaluator is written under the site (`.js` a classic script, `.mjs` a module)."""
    return f"assets/eligo/{guideline_id}-{version}"


@dataclass
class _Outcome:  # what explain.lines reads of a decision's result
    value: object
    status: str
    rule: str | None = None
    because: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()


@dataclass
class _Step:  # what explain.lines reads of a trace step
    kind: str
    decision: str
    rule: str
    value: object
    span: Any = None
    operands: tuple[object, ...] = ()


@dataclass
class _Result:
    decisions: dict[str, _Outcome]
    trace: list[_Step] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)


def _html(text: str) -> str:
    """One line of the explanation's Markdown as inline HTML."""
    out = str(markdown.markdown(text))
    return out.removeprefix("<p>").removesuffix("</p>")


def _lines(view: VersionView, decision: ast.Decision, outcome: _Outcome, trace: list[_Step]) -> list[list[Any]]:
    result = _Result({decision.name: outcome}, trace)
    found = explain.lines(view.doc.guideline, result, view.vocab, on_page=True)
    return [[depth, _html(text)] for depth, text in known_only([(line.depth, line.text) for line in found])]


_LEADS = (", because of all of these:", ", as all of these do:", ":")
# explain's words for a part whose value the trace does not hold: "…: see above", a name without "holds" or
# "does not hold", a yes/no input "is not known"
_UNTRACED = re.compile(r".*: see above|.* is not known|\*\*[^*]+\*\*(, as all of these do:|, because of all of these:|:)?")


def known_only(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The lines that hold whatever the patient: at build time only a rule's own truth is known, so a part whose
    verdict would depend on the patient's values is left out, with a lead-in that no longer introduces anything.

    >>> known_only([(1, "Rule 1, *r*, does not apply:"), (2, "all of these:"), (3, "a: see above"), (3, "b: see above")])
    [(1, 'Rule 1, *r*, does not apply')]
    """
    def tree(start: int) -> tuple[list[tuple[str, int, list[Any]]], int]:
        out: list[tuple[str, int, list[Any]]] = []
        index = start
        while index < len(lines):
            depth, text = lines[index]
            if out and depth > out[-1][1]:
                children, index = tree(index)
                out[-1][2].extend(children)
                continue
            if out and depth < out[-1][1]:
                break
            out.append((text, depth, []))
            index += 1
        return out, index

    def keep(nodes: list[tuple[str, int, list[Any]]]) -> list[tuple[int, str]]:
        kept: list[tuple[int, str]] = []
        for text, depth, children in nodes:
            if _UNTRACED.fullmatch(text):
                continue
            inner = keep(children)
            if children and not inner:
                if text in ("all of these:", "because of all of these:"):
                    continue
                text = next((text.removesuffix(lead) for lead in _LEADS if text.endswith(lead)), text)
            kept.extend([(depth, text), *inner])
        return kept

    return keep(tree(0)[0])


def sentences(view: VersionView) -> dict[str, Any]:
    """Per decision: the lines of each decided outcome (by rule), and each rule's lines per truth value."""
    out: dict[str, Any] = {}
    for decision in view.module.decisions:
        topic = view.vocab.name(decision.name) if decision.name not in view.vocab.links else \
            prose.humanize(decision.name)
        rules: list[dict[str, Any]] = []
        decided: dict[str, list[list[Any]]] = {}
        ends = [*decision.rules, *([decision.default] if decision.default else [])]
        for rule in decision.rules:
            truths = {}
            for key, value in (("true", True), ("false", False), ("null", None)):
                deciding = rule.name if value is True else "otherwise"
                shown = _Outcome(rule.outcome if value else None, "decided" if value else "unknown", deciding)
                step = _Step("rule", decision.name, rule.name, value)
                truths[key] = [line for line in _lines(view, decision, shown, [step]) if line[0] > 0
                               and not line[1].startswith(("<em>Because</em>", "<em>Sources:</em>"))]
            rules.append({"name": rule.name, "outcome": rule.outcome, "lines": truths})
        for end in ends:
            name = getattr(end, "name", None) or "otherwise"
            outcome = getattr(end, "outcome", None)
            notes = getattr(end, "notes", None)
            shown = _Outcome(outcome, "decided", name, tuple(getattr(notes, "because", ()) or ()),
                             tuple(getattr(notes, "cites", ()) or ()))
            decided[name] = _lines(view, decision, shown, [])
        out[decision.name] = {
            "topic": _html(prose.first_upper(topic)), "policy": decision.policy, "rules": rules, "decided": decided,
            "outcomes": {o: prose.humanize(o) for o in [*decision.outcomes, "none"]},
        }
    return out


def _field(info: ir.InputInfo, label: str) -> str:
    """One input of the form: its control, its unit and range, its description, and "not known"."""
    name = html.escape(info.name)
    ident = f"try-{name}"
    unit = units.lookup(info.unit) if info.unit else None
    shown_unit = html.escape(unit.shown if unit else (info.unit or ""))
    bounds = []
    if info.low is not None:
        bounds.append(f'min="{info.low:g}"')
    if info.high is not None:
        bounds.append(f'max="{info.high:g}"')
    described = f"{ident}-about"
    about = [html.escape(info.spec or info.type.describe())]
    if info.unit:
        about.append(f"in {shown_unit}")
    if info.low is not None or info.high is not None:
        about.append(f"from {units.number(info.low) if info.low is not None else '…'} to "
                     f"{units.number(info.high) if info.high is not None else '…'}")
    if info.description:
        about.append(html.escape(info.description))
    common = f'id="{ident}" name="{name}" aria-describedby="{described}"'
    match info.type.kind:
        case "bool":
            control = (f'<select {common}><option value="">not known</option><option value="yes">yes</option>'
                       f'<option value="no">no</option></select>')
        case "enum":
            options = "".join(f'<option value="{html.escape(v)}">{html.escape(prose.humanize(v))}</option>'
                              for v in info.type.values)
            control = f'<select {common}><option value="">not known</option>{options}</select>'
        case "date":
            control = f'<input type="date" {common}>'
        case "list":  # JSON, as a case file holds it: [{...}, ...], or {"at_least": [...]} when more may exist
            example = "[{" + ", ".join(f'"{f.name}": …' for f in info.fields) + '}]  or  {"at_least": [...]}'
            control = f'<textarea rows="3" spellcheck="false" {common} placeholder="{html.escape(example)}"></textarea>'
        case _:
            step = "1" if info.type.integer else "any"
            suffix = f'<span class="eligo-try-unit">{shown_unit}</span>' if shown_unit else ""
            control = f'<input type="number" inputmode="decimal" step="{step}" {" ".join(bounds)} {common}>{suffix}'
    return (f'<div class="eligo-try-field" data-input="{name}" data-kind="{info.type.kind}">'
            f'<label for="{ident}">{html.escape(label)}</label>'
            f'<div class="eligo-try-control">{control}</div>'
            f'<p class="eligo-try-about" id="{described}">{" · ".join(about)}</p></div>')


def section(view: VersionView, directory_urls: bool = True) -> str:
    """The form's HTML for GRAPH_MARKER's sibling marker on a version page (empty without decisions)."""
    guideline = view.doc.guideline
    if not guideline.decision_names:
        return ""
    up = "../" * (3 if directory_urls else 2)
    evaluator = asset_name(guideline.id, guideline.version)
    fields = "".join(_field(info, prose.first_upper(prose.humanize(info.name))) for info in guideline.inputs.values())
    words = json.dumps({"decisions": sentences(view),
                        "inputs": {n: _html(view.vocab.name(n)) for n in guideline.inputs}}).replace("</", "<\\/")
    return (
        f'<link rel="stylesheet" href="{up}{STYLE}">'
        f'<details class="eligo-try-details"><summary>Open the form ({len(guideline.inputs)} facts)</summary>'
        f'<form class="eligo-try" data-guideline="{html.escape(guideline.id)}@{html.escape(guideline.version)}" '
        f'aria-describedby="eligo-try-intro" novalidate>'
        f'<p id="eligo-try-intro">Fill in what is known about a patient; leave the rest as <em>not known</em>. '
        f'The answer is computed in this browser by this version\'s rules; nothing is sent anywhere.</p>'
        f'<div class="eligo-try-fields">{fields}</div>'
        f'<div class="eligo-try-buttons"><button type="submit">Decide</button> '
        f'<button type="reset">Clear</button></div>'
        f'<div class="eligo-try-answer" role="status" aria-live="polite"></div>'
        f'<script type="application/json" class="eligo-try-words">{words}</script>'
        f'</form>'
        f'<p class="eligo-try-download">For a JavaScript application: <a href="{up}{evaluator}.mjs" download>'
        f'this version as an ES module</a> (<code>eligo js {html.escape(guideline.id)} --version '
        f'{html.escape(guideline.version)}</code>).</p></details>'
        f'<script src="{up}{evaluator}.js" defer></script>'
        f'<script src="{up}{SCRIPT}" defer></script>'
    )


def page_part(view: VersionView, directory_urls: bool, files: dict[str, str | bytes]) -> str:
    """The form for a version page; its evaluator is added to `files` (a classic script and an ES module)."""
    from eligo.js.module import to_js, to_script  # the JavaScript back end, only when a site is built

    guideline = view.doc.guideline
    name = asset_name(guideline.id, guideline.version)
    files[f"{name}.js"] = to_script(guideline)
    files[f"{name}.mjs"] = to_js(guideline)
    return section(view, directory_urls)
