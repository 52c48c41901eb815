"""Expressions, rules and properties as plain English (Markdown) for readers who do not know Eligo.

The renderer is a pure function of the AST and a `Vocabulary` (what each name in the module is), so
that `r0_achievable` reads "R0 achievable is yes" and a kind value reads as its label:

>>> from dsl import parse
>>> m = parse('guideline a.b\\n  version 1.0.0\\ninput n: count\\ndefine big: n >= 3 and n < 10\\n')
>>> condition(m.defines[0].expr, Vocabulary.of(m))
'[n](#input-n) is at least 3 and [n](#input-n) is less than 10'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from eligo.dsl import ast, unparse

_COMPARE = {"<": "is less than", "<=": "is at most", ">": "is more than", ">=": "is at least",
            "=": "is", "!=": "is not"}
_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
_ARITH = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_CONDITIONS = (ast.Compare, ast.BoolOp, ast.Not, ast.Test, ast.InSet, ast.Between)
_ADJECTIVES = frozenset({"eligible", "ineligible", "suitable", "unsuitable", "operable", "inoperable",
                         "resectable", "unresectable", "borderline_resectable"})


_ACRONYMS = frozenset({"afp", "alk", "bmi", "braf", "cea", "crc", "ct", "dfi", "dfs", "ebrt", "ecog", "egfr", "hcc",
                       "her2", "ihc", "imrt", "kras", "ldh", "mri", "msi", "nsclc", "os", "pet", "pfs", "psa", "rcc",
                       "rfa", "rt", "sbrt", "sclc", "sirt", "srs", "tace", "tnm"})


def humanize(name: str) -> str:
    """`r0_achievable` -> "R0 achievable", `ca19_9_change` -> "CA19-9 change", `oligo.x` -> "x", `sbrt` -> "SBRT".

    Known clinical abbreviations and short words without vowels are written in capitals; a number
    joins the word before it only when that word holds a number too (`ca19_9`, not `threshold_12`).
    """
    words: list[str] = []
    for part in name.rsplit(".", 1)[-1].split("_"):
        if not part:
            continue
        if part.isdigit() and words and re.search(r"\d", words[-1]):
            words[-1] += "-" + part
        elif (re.search(r"\d", part) and re.search(r"[A-Za-z]", part)) or part.lower() in _ACRONYMS or (
                1 < len(part) <= 5 and part.isalpha() and not re.search(r"[aeiouyAEIOUY]", part)):
            words.append(part.upper())
        else:
            words.append(part)
    return " ".join(words)


def first_upper(text: str) -> str:
    """`text` with its first letter in capitals and the rest as written ("SBRT dose", not "Sbrt dose")."""
    return text[:1].upper() + text[1:]


def anchor(kind: str, name: str) -> str:
    """The HTML id of a named item on a guideline page, e.g. `input-r0_achievable`."""
    return f"{kind}-{name.replace('.', '-')}"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the names in one module mean to a reader: where each links to, which inputs are yes/no,
    the labels of kind values, and which names are decisions."""

    links: Mapping[str, str] = field(default_factory=dict)
    yes_no: frozenset[str] = frozenset()
    kind_labels: Mapping[str, str] = field(default_factory=dict)
    decisions: frozenset[str] = frozenset()
    uses: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)  # a constant's name -> its value, e.g. "12 months"
    glosses: Mapping[str, str] = field(default_factory=dict)  # a used definition -> its condition, in plain words
    labels: Mapping[str, str] = field(default_factory=dict)  # a name -> the author's `label "…"` for readers

    @classmethod
    def of(cls, module: ast.Module, yes_no: Iterable[str] = (), inputs: Iterable[str] = (),
           foreign: Mapping[str, str] | None = None, kind_labels: Mapping[str, str] | None = None) -> Vocabulary:
        """The vocabulary of `module`; `inputs`/`yes_no` add inputs declared in used modules,
        `foreign` links `alias.name` to pages of used modules."""
        links = {name: f"#{anchor('input', name)}" for name in inputs}
        for kind, names in (("input", [i.name for i in module.inputs]), ("define", [d.name for d in module.defines]),
                            ("table", [t.name for t in module.tables]),
                            ("decision", [d.name for d in module.decisions])):
            links.update({name: f"#{anchor(kind, name)}" for name in names})
        labels = dict(kind_labels or {})
        labels.update({v.name: v.label or humanize(v.name) for k in module.kinds for v in k.values})
        return cls(
            links={**links, **(foreign or {})},
            yes_no=frozenset(yes_no) | {i.name for i in module.inputs if i.type.base == "yes/no"},
            kind_labels=labels,
            decisions=frozenset(d.name for d in module.decisions),
            uses={u.local_name: u.module for u in module.uses},
            labels=labels_of(module),
        )

    def is_yes_no_input(self, name: str) -> bool:
        return name in self.yes_no

    def name(self, name: str) -> str:
        """A linked, readable name (its label, if the author gave one); an unlinked `alias.name` says which
        guideline it comes from."""
        text = self.labels.get(name) or humanize(name)
        if name in self.links:
            return f"[{text}]({self.links[name]})"
        if name in self.kind_labels:
            return self.kind_labels[name]
        if "." in name:
            alias = name.split(".", 1)[0]
            return f"{text} (from {self.uses.get(alias, alias)})"
        return text


def labels_of(module: ast.Module, prefix: str = "") -> dict[str, str]:
    """The `label "…"` of each definition of `module`, by (`prefix` +) name."""
    return {prefix + d.name: label for d in module.defines if (label := getattr(d.notes, "label", None))}


def value(lit: ast.Literal | ast.Ref | ast.Missing | ast.GivenList, vocab: Vocabulary | None = None) -> str:
    """A literal as a reader writes it: `12 months`, `50%`, `yes`, `2024-01-10`, a kind's label; a list of records
    one element after another (`at least` these, when more may exist)."""
    match lit:
        case ast.GivenList(items, at_least):
            shown = "; ".join("(" + ", ".join(f"{humanize(g.name)} {value(g.value, vocab)}" for g in item.fields
                                              ) + ")" for item in items) or "none"
            return f"at least {shown}" if at_least else shown
        case ast.Number(v):
            return _number(v)
        case ast.Quantity(v, "%"):
            return f"{_number(v)}%"
        case ast.Quantity(v, unit):
            return f"{_number(v)} {unit}"
        case ast.DateLit(d):
            return d.isoformat()
        case ast.Bool(b):
            return "yes" if b else "no"
        case ast.NoneLit():
            return "none"
        case ast.Text(t):
            return f"“{t}”"
        case ast.Missing():
            return "missing"
        case ast.Ref(name):
            return (vocab or Vocabulary()).kind_labels.get(name, humanize(name))


def band(key: ast.Band) -> str:
    """A table row's band as a reader says it: "0 to 2", "12 months to under 36 months", "over 12 months to 24
    months", "36 months or more", "3 months or less", "under 12 months", "over 50%", "exactly 3"."""
    low = value(key.low) if key.low is not None else ""
    high = value(key.high) if key.high is not None else ""
    return f"exactly {low}" if key.form == "point" else unparse.band_words(key.form, low, high)


def open_question_prose(decision: ast.Decision, rule: ast.Rule | ast.Default, vocab: Vocabulary) -> list[str]:
    """An open question: when it applies, and the committee's reason for leaving it open."""
    topic = humanize(decision.name)
    reason = " ".join(rule.notes.because)
    if isinstance(rule, ast.Default):
        when = "when no rule applies"
    else:
        lines = condition_lines(rule.condition, vocab)
        when = f"when {lines[0]}" if len(lines) == 1 else f"when {_lines_to_inline(lines)}"
    return [f"**Open question** (rule `{rule.name if isinstance(rule, ast.Rule) else 'otherwise'}`): the {topic} "
            f"decision is deliberately left to the committee {when}." + (f" *Reason:* {reason}" if reason else "")]


def _number(v: int | float) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def phrase(expr: ast.Expr, vocab: Vocabulary) -> str:
    """An expression used as a value (a noun phrase)."""
    match expr:
        case ast.Number() | ast.Quantity() | ast.DateLit() | ast.Bool() | ast.NoneLit() | ast.Text():
            return value(expr, vocab)
        case ast.Ref(name) if name in vocab.values:
            return f"[{vocab.values[name]}]({vocab.links[name]})" if name in vocab.links else vocab.values[name]
        case ast.Ref(name):
            return vocab.name(name)
        case ast.Neg(ast.Number() | ast.Quantity() as lit):
            return "−" + value(lit, vocab)
        case ast.Neg(operand):
            return f"minus {phrase(operand, vocab)}"
        case ast.Arith(op, left, right):
            return f"{_operand(left, op, vocab)} {_ARITH[op]} {_operand(right, op, vocab, right_side=True)}"
        case ast.FirstKnown(items):
            return f"the first known of {_join([phrase(i, vocab) for i in items], 'and')}"
        case ast.IfThen(cond, then, otherwise):
            return f"{phrase(then, vocab)} if {condition(cond, vocab)}, otherwise {phrase(otherwise, vocab)}"
        case ast.Lookup(table, keys):
            return f"the {vocab.name(table)} for the {_join([phrase(k, vocab) for k in keys], 'and')}"
        case ast.Elapsed(unit, start, end):
            return f"the time in {unit} from {phrase(start, vocab)} to {phrase(end, vocab)}"
        case ast.ListOp(op, source, where, field) if op != "any" and op != "all":
            among = f"{vocab.name(source)}" + (f" for which {condition(where, vocab)}" if where is not None else "")
            what = {"count": f"the number of {among}", "sum": f"the total {humanize(field or '')} of the {among}",
                    "largest": f"the largest {humanize(field or '')} among the {among}",
                    "smallest": f"the smallest {humanize(field or '')} among the {among}",
                    "distinct": f"the number of different {humanize(field or '')} values among the {among}"}
            return what[op]
        case _:
            return f"whether {condition(expr, vocab)}"


def _quantified(expr: ast.ListOp, vocab: Vocabulary, word: str) -> str:
    """`all`/`any` as a clause: "for every one of the lesions for which …, treatable holds"."""
    among = vocab.name(expr.source) + (f" for which {condition(expr.where, vocab)}" if expr.where is not None else "")
    if expr.have is None:
        return f"there is none of the {among}" if word == "none" else f"there is at least one of the {among}"
    have = f"{humanize(expr.have.name)} is yes" if isinstance(expr.have, ast.Ref) else condition(expr.have, vocab)
    return f"for {word} of the {among}, {have}"  # a bare name there is a yes/no field of the element


def _operand(expr: ast.Expr, op: str, vocab: Vocabulary, right_side: bool = False) -> str:
    text = phrase(expr, vocab)
    if isinstance(expr, ast.Arith) and (
        _PRECEDENCE[expr.op] < _PRECEDENCE[op] or (right_side and _PRECEDENCE[expr.op] == _PRECEDENCE[op])
    ):
        return f"({text})"
    return text


def _join(parts: list[str], word: str) -> str:
    if len(parts) <= 2:
        return f" {word} ".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def _needs_list(expr: ast.BoolOp) -> bool:
    return len(expr.operands) > 2 or any(isinstance(o, ast.BoolOp | ast.Not) for o in expr.operands)


def condition(expr: ast.Expr, vocab: Vocabulary) -> str:
    """An expression used as a condition, as one inline clause (long and/or chains stay inline)."""
    return _lines_to_inline(condition_lines(expr, vocab))


def _lines_to_inline(lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    head, items = lines[0], [line.strip().removeprefix("- ").rstrip(";.") for line in lines[1:]]
    return f"{head} {'; '.join(items)}"


def condition_lines(expr: ast.Expr, vocab: Vocabulary) -> list[str]:
    """A condition as Markdown lines: one inline clause, or a lead-in line and a nested bullet list."""
    match expr:
        case ast.BoolOp(op, operands) if _needs_list(expr):
            head = "all of the following hold:" if op == "and" else "at least one of the following holds:"
            return [head, *_bullets(operands, vocab)]
        case ast.BoolOp(op, operands):
            return [f" {op} ".join(condition(o, vocab) for o in operands)]
        case ast.Not(inner):
            return _negated(inner, vocab)
        case ast.Compare(op, left, right):
            return [f"{phrase(left, vocab)} {_COMPARE[op]} {phrase(right, vocab)}"]
        case ast.Test(operand, test):
            what = {"missing": "is missing", "known": "is known", "none": "is none (known to be absent)"}[test]
            return [f"{phrase(operand, vocab)} {what}"]
        case ast.InSet(operand, items, negated):
            return [f"{phrase(operand, vocab)} is {'none' if negated else 'one'} of "
                    f"{_join([phrase(i, vocab) for i in items], 'or' if not negated else 'and')}"]
        case ast.Between(operand, low, high):
            return [f"{phrase(operand, vocab)} is between {phrase(low, vocab)} and {phrase(high, vocab)} "
                    "(inclusive)"]
        case ast.Ref(name) if vocab.is_yes_no_input(name):
            return [f"{vocab.name(name)} is yes"]
        case ast.Ref(name) if name in vocab.glosses:
            return [f"{vocab.name(name)} holds ({vocab.glosses[name]})"]
        case ast.Ref(name):
            return [f"{vocab.name(name)} holds"]
        case ast.Bool(b):
            return ["always" if b else "never"]
        case ast.ListOp("all" | "any"):
            return [_quantified(expr, vocab, "every one" if expr.op == "all" else "at least one")]
        case _:
            return [f"{phrase(expr, vocab)} is yes"]


def _bullets(operands: tuple[ast.Expr, ...], vocab: Vocabulary) -> list[str]:
    out: list[str] = []
    for operand in operands:
        lines = condition_lines(operand, vocab)
        out.append(f"- {lines[0]}")
        out.extend(f"    {line}" for line in lines[1:])
    return out


def _negated(inner: ast.Expr, vocab: Vocabulary) -> list[str]:
    match inner:
        case ast.Compare(op, left, right):
            return condition_lines(ast.Compare(_NEGATED[op], left, right), vocab)  # type: ignore[arg-type]
        case ast.Test(operand, "missing"):
            return condition_lines(ast.Test(operand, "known"), vocab)
        case ast.Test(operand, "known"):
            return condition_lines(ast.Test(operand, "missing"), vocab)
        case ast.InSet(operand, items, negated):
            return condition_lines(ast.InSet(operand, items, not negated), vocab)
        case ast.Between(operand, low, high):
            return [f"{phrase(operand, vocab)} is not between {phrase(low, vocab)} and {phrase(high, vocab)}"]
        case ast.Not(twice):
            return condition_lines(twice, vocab)
        case ast.Ref(name) if vocab.is_yes_no_input(name):
            return [f"{vocab.name(name)} is no"]
        case ast.Ref(name) if name in vocab.glosses:
            return [f"{vocab.name(name)} does not hold (it holds when {vocab.glosses[name]})"]
        case ast.Ref(name):
            return [f"{vocab.name(name)} does not hold"]
        case ast.BoolOp("and", operands):
            return ["not all of the following hold:", *_bullets(operands, vocab)]
        case ast.BoolOp("or", operands):
            return ["none of the following holds:", *_bullets(operands, vocab)]
        case ast.ListOp("any"):
            return [_quantified(inner, vocab, "none")]
        case _:
            return [f"it is not the case that {condition(inner, vocab)}"]


def outcome(name: str) -> str:
    return humanize(name)


def rule_lead(decision: str, result: str) -> str:
    """ "A patient is **a candidate** for metastasectomy when" and its variants for other outcomes."""
    topic = humanize(decision)
    if result == "candidate":
        return f"A patient is **a candidate** for {topic} when"
    if result in {"not_candidate", "not_a_candidate"}:
        return f"A patient is **not a candidate** for {topic} when"
    if result in _ADJECTIVES or result.removeprefix("not_") in _ADJECTIVES:
        return f"A patient is **{humanize(result)}** for {topic} when"
    return f"The {topic} decision is **{humanize(result)}** when"


def outcome_summary(decision: ast.Decision, vocab: Vocabulary) -> list[tuple[str, list[str]]]:
    """For each outcome, best first, the Markdown lines saying when a patient gets it.

    With first match, the `otherwise` outcome is reached when no rule applies, so it is spelt out
    as every rule's condition negated; the outcome of a rule needs its condition (earlier rules first).
    """
    out: list[tuple[str, list[str]]] = []
    for result in decision.outcomes:
        rules = [r for r in decision.rules if r.outcome == result]
        ways: list[list[str]] = [[*condition_lines(r.condition, vocab)] for r in rules]
        labels = [f"(rule `{r.name}`)" for r in rules]
        if decision.default is not None and decision.default.outcome == result and decision.policy != "collect":
            if decision.rules:
                ways.append(condition_lines(
                    ast.BoolOp("and", tuple(ast.Not(r.condition) for r in decision.rules))
                    if len(decision.rules) > 1 else ast.Not(decision.rules[0].condition), vocab))
                labels.append("(no rule applies)")
            else:
                ways.append(["always"])
                labels.append("")
        if not ways:
            continue
        lead = rule_lead(decision.name, result)
        if len(ways) == 1:
            lines = ways[0]
            body = ([f"{lead} {lines[0]} {labels[0]}".rstrip() + "."] if len(lines) == 1
                    else [f"{lead} {lines[0]}", "", *lines[1:]])
        else:
            body = [f"{lead} any of the following applies:", ""]
            for way, label in zip(ways, labels, strict=True):
                body.append(f"- {way[0]} {label}".rstrip())
                body.extend(f"    {line}" for line in way[1:])
        first = next((i for i, r in enumerate(decision.rules) if r.outcome == result), None)
        if decision.policy == "first" and first is not None and any(
                r.outcome != result for r in decision.rules[:max(i for i, r in enumerate(decision.rules)
                                                                   if r.outcome == result)]):
            body.append("")
            body.append("*(Rules are checked in order: an earlier rule that applies takes precedence.)*")
        out.append((result, body))
    return out


def rule_prose(decision: str, result: str, expr: ast.Expr, vocab: Vocabulary) -> list[str]:
    """A rule as Markdown lines: the lead sentence and its condition, inline or as a bullet list."""
    lines = condition_lines(expr, vocab)
    lead = rule_lead(decision, result)
    if len(lines) == 1:
        return [f"{lead} {lines[0]}."]
    return [f"{lead} {lines[0]}", "", *lines[1:]]


def define_prose(define: ast.Define, vocab: Vocabulary) -> list[str]:
    """ "*X* holds when …" for a condition, "*X* is …" for a value."""
    name = f"**{humanize(define.name)}**"
    if isinstance(define.expr, _CONDITIONS):
        lines = condition_lines(define.expr, vocab)
        if len(lines) == 1:
            return [f"{name} holds when {lines[0]}."]
        return [f"{name} holds when {lines[0]}", "", *lines[1:]]
    return [f"{name} is {phrase(define.expr, vocab)}."]


def policy_prose(decision: ast.Decision) -> str:
    """How the rules of a decision combine, in one or two sentences."""
    beside = ("; beside them, outside that order: " + ", ".join(f"**{humanize(o)}**" for o in decision.beside)
              if decision.beside else "")
    order = (" Outcomes from best to worst: " + " > ".join(f"**{humanize(o)}**" for o in decision.ranked) + beside + "."
             if decision.ordered and len(decision.outcomes) > 1 else
             " Possible outcomes: " + ", ".join(f"**{humanize(o)}**" for o in decision.outcomes) + ".")
    match decision.policy:
        case "first":
            text = ("The rules are read in order and the first rule that applies decides. If an earlier rule "
                    "cannot be decided because information is missing, the result is *unknown* and names the "
                    "missing information, unless every outcome still possible is the same.")
            opened = [r for r in (*decision.rules, decision.default) if r is not None and r.is_open]
            if opened:
                text += (f" {len(opened)} case{'s are' if len(opened) > 1 else ' is'} declared an *open question*: "
                         "the guideline deliberately does not settle it, and says why.")
        case "unique":
            text = "At most one rule may apply to any patient; the rule that applies decides."
        case "collect":
            text = "Every rule that applies adds its outcome; the result is the set of all those outcomes."
    return text + order


def property_prose(prop: ast.PropertyBody, vocab: Vocabulary) -> str:
    """A property as a sentence a reader can check against the rules."""
    match prop:
        case ast.Monotone(target, target_moves, over, over_moves):
            if target in vocab.decisions:
                worse = "worse" if target_moves == "decreases" else "better"
                return (f"When {vocab.name(over)} {over_moves} and nothing else changes, "
                        f"{vocab.name(target)} never moves to a {worse} outcome.")
            return (f"When {vocab.name(over)} {over_moves} and nothing else changes, "
                    f"{vocab.name(target)} never {target_moves}.")
        case ast.Added(target, target_moves, element, over):
            noun = "an element" if element == "element" else f"one more {humanize(element)}"
            if target in vocab.decisions:
                worse = "better" if target_moves == "increases" else "worse"
                return (f"Adding {noun} to {vocab.name(over)}, whatever it is and whatever else is known, never "
                        f"moves {vocab.name(target)} to a {worse} outcome.")
            return (f"Adding {noun} to {vocab.name(over)}, whatever it is and whatever else is known, never "
                    f"{'raises' if target_moves == 'increases' else 'lowers'} {vocab.name(target)}.")
        case ast.Independent(target, of):
            names = _join([vocab.name(n) for n in of], "or")
            return f"{vocab.name(target)} does not depend on {names}: changing {'it' if len(of) == 1 else 'them'} " \
                   "never changes the result."
        case ast.Implies(cond, target, result):
            return f"Whenever {condition(cond, vocab)}, {vocab.name(target)} is **{humanize(result)}**."
