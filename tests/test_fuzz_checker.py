"""Fuzzing the checker: arbitrary modules, and mutations of real guidelines, never crash
`eligo.check_source` or knowledge-base checking; they only yield diagnostics. What still
compiles evaluates, runs its examples and verifies without an exception."""

from __future__ import annotations

import random
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import modules

import eligo
from eligo import dsl
from eligo.dsl.diagnostics import Diagnostic, EligoError
from eligo.pipeline import KnowledgeBase, compile_guideline
from eligo.verify import verify_guideline

ROOT = Path(__file__).parent.parent
KNOWLEDGE = ROOT / "knowledge"
SMALL = ["core/oligometastatic/1.0.0.eligo", "core/disease_free_interval/1.0.0.eligo",
         "core/resection/1.0.0.eligo", "core/tumour_board/1.0.0.eligo", "rectal/salvage_surgery/1.0.0.eligo"]
SOURCES = {path: (KNOWLEDGE / path).read_text(encoding="utf-8") for path in SMALL}
FAULTY = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
          for p in sorted((ROOT / "tests" / "fixtures" / "faulty").rglob("*.eligo"))}

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?%?|<=|>=|!=|[<>=+\-*/|,:()\[\]{}]")
REPLACEMENTS = ["months", "days", "years", "%", "U/mL", "mm", "yes", "no", "none", "missing", "and", "or", "not",
                "<", "<=", ">", "=", "!=", "+", "*", "/", "0", "-1", "12", "2.5", "100000", "2024-02-30",
                "first known of (", ")", "between", "is known", "in {", "}", "unique", "collect", "any",
                "otherwise", "R0", "colorectal", "oligo.oligometastatic", "dfi.disease_free_interval"]


def assert_only_diagnostics(diagnostics: list[Diagnostic], paths: set[str]) -> None:
    assert all(isinstance(d, Diagnostic) and d.message for d in diagnostics)
    assert all(d.span.path in paths for d in diagnostics), {d.span.path for d in diagnostics} - paths
    assert diagnostics == sorted(diagnostics, key=Diagnostic.sort_key)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with a few words replaced by other words of it or by Eligo words, lines deleted,
    duplicated or swapped: mostly still parses, so the checker (not the parser) meets the damage."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        match draw(st.sampled_from(["word", "word", "word", "delete", "duplicate", "swap"])):
            case "word":
                words = list(WORD.finditer(lines[at]))
                if not words:
                    continue
                word = draw(st.sampled_from(words))
                pool = [m.group() for line in lines for m in WORD.finditer(line)]
                new = draw(st.sampled_from(REPLACEMENTS) | st.sampled_from(pool))
                lines[at] = lines[at][:word.start()] + new + lines[at][word.end():]
            case "delete":
                del lines[at]
            case "duplicate":
                lines.insert(at, lines[at])
            case _:
                other = draw(st.integers(0, len(lines) - 1))
                lines[at], lines[other] = lines[other], lines[at]
        if not lines:
            lines = [""]
    return "\n".join(lines)


@settings(max_examples=15)
@given(modules())
def test_arbitrary_modules_yield_diagnostics_not_exceptions(module: dsl.ast.Module) -> None:
    text = dsl.format(module)
    assert_only_diagnostics(eligo.check_source(text, "fuzz.eligo"), {"fuzz.eligo"})


TYPED = """guideline fuzz.typed
  version 1.0.0

kind site: colorectal | renal_cell | pancreas

input lesions: count from 0 to 100
input change: percent from -100 to 100, optional
input diagnosed: date
input recurred: date, optional
input waited: duration in weeks
input ca19_9: quantity in U/mL
input fit: yes/no
input primary: site

table threshold by site -> duration
  colorectal   12 months
  renal_cell   24 months
  otherwise    none

"""
ATOMS = ["lesions", "change", "diagnosed", "recurred", "waited", "ca19_9", "fit", "primary", "colorectal",
         "pancreas", "threshold[primary]", "months between diagnosed and recurred", "5", "2.5", "12 months",
         "-50%", "37 U/mL", "2024-01-10", "yes", "no", "none", "first known of (recurred, diagnosed)", "interval"]


def _expressions() -> st.SearchStrategy[str]:
    def grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        pair = st.tuples(children, children)
        return st.one_of(
            st.tuples(children, st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), children).map(" ".join),
            st.tuples(children, st.sampled_from(["and", "or", "+", "-", "*", "/"]), children).map(" ".join),
            children.map(lambda c: f"not ({c})"),
            children.map(lambda c: f"({c})"),
            st.tuples(children, st.sampled_from(["is missing", "is known", "is none"])).map(" ".join),
            pair.map(lambda p: f"{p[0]} between {p[1]} and {p[1]}"),
            pair.map(lambda p: f"{p[0]} in {{{p[1]}, colorectal}}"),
            st.tuples(children, children, children).map(lambda t: f"if {t[0]} then {t[1]} else {t[2]}"),
        )

    return st.recursive(st.sampled_from(ATOMS), grow, max_leaves=6)


@settings(max_examples=120)
@given(_expressions(), _expressions(), st.sampled_from(["first match", "unique", "collect"]))
def test_typed_expressions_check_and_what_compiles_evaluates(definition: str, condition: str, policy: str) -> None:
    text = (TYPED + f"define interval: {definition}\n\n"
            f"decision resection: candidate > not_candidate, {policy}\n"
            f"  rule r: when {condition} then candidate\n  otherwise not_candidate\n")
    kb = KnowledgeBase.from_texts({"fuzz/typed/1.0.0.eligo": text})
    diagnostics = kb.check()
    assert_only_diagnostics(diagnostics, {"fuzz/typed/1.0.0.eligo"})
    if any(d.is_error for d in diagnostics):
        return
    guideline = compile_guideline(kb, "fuzz.typed", "1.0.0")
    for case in ({}, {"lesions": 3, "diagnosed": "2024-01-10", "recurred": "2025-01-10", "primary": "pancreas",
                      "waited": 6, "ca19_9": 40, "fit": True, "change": -50}):
        result = guideline.evaluate(case)
        assert result.decisions["resection"].status in ("decided", "unknown", "unmatched", "conflict")


@settings(max_examples=80)
@given(st.sampled_from(sorted(SOURCES.items()) + sorted(FAULTY.items())).flatmap(
    lambda item: st.tuples(st.just(item[0]), mutated(item[1]))))
def test_mutated_guidelines_yield_diagnostics_not_exceptions(item: tuple[str, str]) -> None:
    path, text = item
    assert_only_diagnostics(eligo.check_source(text, path), {path})


@settings(max_examples=40)
@given(st.sampled_from(SMALL).flatmap(lambda path: st.tuples(st.just(path), mutated(SOURCES[path]))))
def test_a_knowledge_base_with_a_mutated_file_checks_and_what_compiles_runs(item: tuple[str, str]) -> None:
    path, text = item
    kb = KnowledgeBase.from_texts({**SOURCES, path: text})
    assert_only_diagnostics(kb.check(), set(SOURCES))
    for module_id, version in sorted(kb.modules):
        try:
            guideline = compile_guideline(kb, module_id, version)
        except EligoError as exc:
            assert exc.diagnostics and all(d.is_error for d in exc.diagnostics)
            continue
        guideline.evaluate({})
        for run in guideline.run_examples():
            assert run.passed or run.problems


def test_verify_never_raises_on_mutated_guidelines_that_compile() -> None:
    rng = random.Random(20260101)
    verified = 0
    for attempt in range(200):
        path = rng.choice(sorted(FAULTY))
        lines = FAULTY[path].split("\n")
        at = rng.randrange(len(lines))
        words = list(WORD.finditer(lines[at]))
        if words:
            word = rng.choice(words)
            lines[at] = lines[at][:word.start()] + rng.choice(REPLACEMENTS) + lines[at][word.end():]
        text = "\n".join(lines)
        kb = KnowledgeBase.from_texts({path: text})
        if any(d.is_error for d in kb.check()) or not kb.modules:
            continue
        [(module_id, version)] = kb.modules
        report = verify_guideline(compile_guideline(kb, module_id, version), seed=attempt, max_examples=10)
        assert report.cases > 0 and report.properties
        verified += 1
        if verified == 8:
            break
    assert verified == 8
