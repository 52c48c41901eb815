"""Hypothesis strategies for valid Eligo ASTs, shaped like real guidelines, and for comments in source."""

from __future__ import annotations

import datetime as dt
import re
from typing import TypeVar

from hypothesis import strategies as st

from eligo.dsl import ast
from eligo.dsl.lalr import GRAMMAR

T = TypeVar("T")

# Every word the grammar spells out is kept out of generated names.
RESERVED = frozenset(re.findall(r'"([a-z]+)"', GRAMMAR.read_text(encoding="utf-8")))

# Mostly names a guideline would use; now and then any name the grammar allows.
NAMES = (
    "lesions", "organs", "fit", "site", "margin", "R0", "R1", "dfi", "ca19_9", "cea", "treated", "recurred",
    "diagnosed", "candidate", "discuss", "not_candidate", "colorectal", "renal_cell", "pancreas", "oligo",
    "timing", "favourable", "threshold", "resection", "fong1999", "hellman1995", "x", "N2", "age_at_diagnosis",
)
LOWER, UPPER, DIGITS = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
names = st.sampled_from(NAMES) | st.builds(
    str.__add__, st.sampled_from(LOWER + UPPER), st.text(LOWER + UPPER + DIGITS + "_", max_size=11)
).filter(lambda n: n not in RESERVED)
qualified_names = st.lists(names, min_size=1, max_size=3).map(".".join)
versions = st.tuples(*[st.integers(0, 30)] * 3).map(lambda v: ".".join(map(str, v)))
texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.sampled_from("\t\n\"\\#"),
    max_size=40,
)
dates = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
UNITS = ("months", "days", "weeks", "years", "U/mL", "ng/mL", "mm", "cm", "%", "mg", "kg", "mmol/L")
magnitudes = st.integers(0, 10**6) | st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(
    lambda f: round(f, 3)
)


def unique_lists(strategy: st.SearchStrategy[T], min_size: int, max_size: int) -> st.SearchStrategy[list[T]]:
    return st.lists(strategy, min_size=min_size, max_size=max_size, unique=True)


# ---------------------------------------------------------------- expressions

literals: st.SearchStrategy[ast.Expr] = st.one_of(
    magnitudes.map(ast.Number),
    st.builds(ast.Quantity, magnitudes, st.sampled_from(UNITS)),
    dates.map(ast.DateLit),
    st.booleans().map(ast.Bool),
    st.just(ast.NoneLit()),
    texts.map(ast.Text),
)
leaves = literals | qualified_names.map(ast.Ref)


def _composite(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    some = st.lists(children, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(ast.Neg, children),
        st.builds(ast.Arith, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(ast.Not, children),
        st.builds(ast.BoolOp, st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=4).map(tuple)),
        st.builds(ast.Compare, st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), children, children),
        st.builds(ast.Test, children, st.sampled_from(["missing", "known", "none"])),
        st.builds(ast.InSet, children, some, st.booleans()),
        st.builds(ast.Between, children, children, children),
        st.builds(ast.FirstKnown, some),
        st.builds(ast.IfThen, children, children, children),
        st.builds(ast.Lookup, qualified_names, some),
        st.builds(ast.Elapsed, st.sampled_from(["days", "weeks", "months", "years"]), children, children),
        list_ops(children),
    )


def list_ops(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    """List operations in the forms the language has: `count(L where C)`, `any(L)`, `all(L have C)`,
    `largest(f of L where C)`."""
    where = st.none() | children
    return st.one_of(
        st.builds(ast.ListOp, st.sampled_from(["count", "any"]), names, where),
        st.builds(ast.ListOp, st.sampled_from(["any", "all"]), names, where, st.none(), children),
        st.builds(ast.ListOp, st.sampled_from(["largest", "smallest", "sum", "distinct"]), names, where, names),
    )


expressions = st.recursive(leaves, _composite, max_leaves=12)

# ---------------------------------------------------------------- declarations

signed_literals: st.SearchStrategy[ast.Literal | ast.Ref] = st.one_of(
    st.integers(-1000, 10**6).map(ast.Number),
    st.builds(ast.Quantity, st.integers(-100, 1000), st.sampled_from(UNITS)),
    dates.map(ast.DateLit),
    st.booleans().map(ast.Bool),
    st.just(ast.NoneLit()),
    texts.map(ast.Text),
    names.map(ast.Ref),
)
annotations = st.builds(
    ast.Annotations,
    st.lists(texts, max_size=2).map(tuple),
    st.lists(names, max_size=3).map(tuple),
)
type_specs = st.one_of(
    st.sampled_from(["yes/no", "count", "number", "percent", "date"]).map(ast.TypeSpec),
    st.builds(ast.TypeSpec, st.just("duration"), st.sampled_from([None, "months", "days", "weeks", "years"])),
    st.builds(ast.TypeSpec, st.just("quantity"), st.sampled_from(UNITS[4:])),
    st.builds(ast.TypeSpec, st.just("kind"), st.none(), qualified_names),
    st.builds(ast.TypeSpec, st.just("list"), st.none(), qualified_names),
)
field_types = type_specs.filter(lambda spec: spec.base != "list")
bounds = st.integers(-1000, 10**5) | st.floats(-1000, 1000, allow_nan=False).map(lambda f: round(f, 2))


@st.composite
def inputs(draw: st.DrawFn) -> ast.Input:
    ranged = draw(st.booleans())
    return ast.Input(
        draw(names), draw(type_specs),
        draw(bounds) if ranged else None, draw(bounds) if ranged else None,
        draw(st.booleans()), draw(st.none() | texts),
    )


@st.composite
def records(draw: st.DrawFn) -> ast.Record:
    fields = []
    for name in draw(unique_lists(names, 1, 4)):
        ranged = draw(st.booleans())
        fields.append(ast.RecordField(name, draw(field_types), draw(bounds) if ranged else None,
                                      draw(bounds) if ranged else None, draw(st.booleans()), draw(st.none() | texts)))
    return ast.Record(draw(names), tuple(fields))


EVIDENCE = [f"{level}{grade}" for level in "12345" for grade in ("", "a", "b", "c")]
uses = st.builds(
    ast.Use, qualified_names, st.sampled_from([None, "^1.0", "~2.1.3", ">=1", "1.2.3", "<3"]), st.none() | names
)
references = st.builds(
    ast.Reference, names, texts,
    st.none() | st.just("10.1097/00000658-199909000-00004") | texts, st.none() | st.just("7799047"),
    st.none() | st.just("https://example.org/a?b=1#c"), st.none() | st.sampled_from(EVIDENCE),
)
kinds = st.builds(ast.Kind, names, unique_lists(names, 1, 5).flatmap(
    lambda values: st.tuples(*[st.builds(ast.KindValue, st.just(v), st.none() | texts) for v in values])
))
defines = st.builds(ast.Define, names, expressions, annotations)


signed_bounds = st.one_of(
    st.integers(-1000, 10**5).map(ast.Number),
    st.builds(ast.Quantity, st.integers(-1000, 10**4) | st.floats(-100, 100).map(lambda f: round(f, 2)),
              st.sampled_from(UNITS)),
)
bands = st.one_of(
    st.builds(ast.Band, st.just("point"), signed_bounds),
    st.builds(ast.Band, st.sampled_from(["to", "to_under", "over_to"]), signed_bounds, signed_bounds),
    st.builds(ast.Band, st.just("under"), st.none(), signed_bounds),
    st.builds(ast.Band, st.sampled_from(["over", "or_more", "or_less"]), signed_bounds),
)


@st.composite
def tables(draw: st.DrawFn) -> ast.Table:
    by = tuple(draw(st.lists(qualified_names, min_size=1, max_size=3)))
    key = st.none() | st.booleans() | names | bands
    rows = draw(st.lists(
        st.builds(ast.Row, st.tuples(*[key] * len(by)) | st.just(()), signed_literals, annotations),
        min_size=1, max_size=5,
    ))
    return ast.Table(draw(names), by, draw(type_specs), tuple(rows))


@st.composite
def decisions(draw: st.DrawFn) -> ast.Decision:
    outcomes = tuple(draw(unique_lists(names, 1, 5)))
    targets = st.sampled_from([*outcomes, ast.OPEN])  # `then open`: an open question
    rules = draw(st.lists(
        st.builds(ast.Rule, names, expressions, targets, annotations), min_size=1, max_size=4
    ))
    default = draw(st.none() | st.builds(ast.Default, targets, annotations))
    ordered = len(outcomes) > 1 and draw(st.booleans())
    beside = outcomes[draw(st.integers(2, len(outcomes))):] if ordered and len(outcomes) > 2 else ()
    policy = draw(st.sampled_from(["first", "unique", "collect"]))
    return ast.Decision(draw(names), outcomes, ordered, policy, tuple(rules), default, beside)


expectations = st.one_of(
    st.builds(ast.ExpectValue, qualified_names, signed_literals, st.none() | names),
    st.builds(ast.ExpectUnknown, qualified_names, st.none() | st.lists(names, min_size=1, max_size=3).map(tuple)),
    st.builds(ast.ExpectOpen, qualified_names, st.none() | names),
)
element_values = signed_literals | st.just(ast.Missing())
given_lists = st.builds(ast.GivenList, st.lists(st.builds(ast.GivenRecord, st.lists(
    st.builds(ast.Given, names, element_values), min_size=1, max_size=3).map(tuple)), max_size=3).map(tuple),
    st.booleans())
examples = st.builds(
    ast.Example, texts,
    st.lists(st.builds(ast.Given, names, element_values | given_lists), max_size=8).map(tuple),
    st.lists(expectations, max_size=3).map(tuple),
).filter(lambda example: bool(example.given or example.expects))
moves = st.sampled_from(["increases", "decreases"])
properties = st.builds(ast.Property, texts, st.one_of(
    st.builds(ast.Monotone, qualified_names, moves, qualified_names, moves),
    st.builds(ast.Added, qualified_names, moves, names, qualified_names),
    st.builds(ast.Independent, qualified_names, st.lists(qualified_names, min_size=1, max_size=3).map(tuple)),
    st.builds(ast.Implies, expressions, qualified_names, names),
))
headers = st.builds(
    ast.Header, qualified_names, versions, st.none() | texts, st.sampled_from(["draft", "approved", "retired"]),
    st.none() | dates, st.none() | versions, st.none() | texts, st.none() | texts,
)


@st.composite
def modules(draw: st.DrawFn) -> ast.Module:
    """A module with its items in the usual order: uses, references, kinds, inputs, definitions, ..."""
    items: list[ast.Item] = []
    for strategy, most in ((uses, 2), (references, 2), (kinds, 2), (records(), 1), (inputs(), 3), (defines, 2), (tables(), 2),
                           (decisions(), 2), (examples, 2), (properties, 2)):
        items += draw(st.lists(strategy, max_size=most))
    return ast.Module(draw(headers), tuple(items))


# ---------------------------------------------------------------- comments in source text

comment_texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30
).map(lambda body: ("# " + body).rstrip())


@st.composite
def commented(draw: st.DrawFn, source: str) -> tuple[str, list[str]]:
    """`source` with comments at the ends of some lines and on lines of their own; and their texts."""
    out: list[str] = []
    added: list[str] = []
    for line in source.rstrip("\n").split("\n"):
        if draw(st.integers(0, 5)) == 0:
            comment = draw(comment_texts)
            out.append(" " * draw(st.integers(0, 6)) + comment)
            added.append(comment)
        if line.strip() and draw(st.integers(0, 3)) == 0:
            comment = draw(comment_texts)
            line += "  " + comment
            added.append(comment)
        out.append(line)
    if draw(st.booleans()):
        comment = draw(comment_texts)
        out.append(comment)
        added.append(comment)
    return "\n".join(out) + "\n", added
