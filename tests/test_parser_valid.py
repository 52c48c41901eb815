"""Valid fixtures parse to their AST snapshots (tests/snapshots/ast/), with exact positions;
no text makes the parser raise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snapshot_files import check_snapshot, snapshot_names

from eligo import dsl
from eligo.dsl import ast
from eligo.dsl.codes import CATALOGUE

HERE = Path(__file__).parent
FIXTURES = sorted((HERE / "fixtures" / "valid").glob("*.eligo"))
SKETCH = HERE / "fixtures" / "valid" / "sketch.eligo"


def span_text(span: ast.Span) -> str:
    return f"{span.line}:{span.column}-{span.end_line}:{span.end_column}"


def snapshot_data(value: Any) -> Any:
    """A node as JSON data: its class, its fields, its span as `line:col-line:col` (the path left out)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, ast.Span):
            return span_text(value)
        data: dict[str, Any] = {"node": type(value).__name__}
        for f in dataclasses.fields(value):
            data[f.name] = snapshot_data(getattr(value, f.name))
        return data
    if isinstance(value, tuple):
        return [snapshot_data(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_parses_cleanly_to_its_snapshot(fixture: Path) -> None:
    module, diagnostics = dsl.parse_with_diagnostics(fixture.read_text(encoding="utf-8"), fixture.name)
    assert diagnostics == []
    assert module is not None
    data = snapshot_data(module) | {"comments": [snapshot_data(c) for c in module.comments]}
    check_snapshot(f"ast/{fixture.stem}.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def test_every_snapshot_has_its_fixture() -> None:
    assert snapshot_names("ast") == [f"{p.stem}.json" for p in FIXTURES]


# ---------------------------------------------------------------- positions


@pytest.fixture(scope="module")
def sketch() -> tuple[ast.Module, list[str]]:
    text = SKETCH.read_text(encoding="utf-8")
    return dsl.parse(text, "sketch.eligo"), text.split("\n")


def covered(lines: list[str], span: ast.Span) -> str:
    assert span.line == span.end_line
    return lines[span.line - 1][span.column - 1 : span.end_column - 1]


def test_statement_spans_end_at_their_last_token(sketch: tuple[ast.Module, list[str]]) -> None:
    module, lines = sketch
    use = module.uses[0]
    assert (use.span.path, use.span.line, use.span.column, use.span.end_line, use.span.end_column) == (
        "sketch.eligo", 10, 1, 10, 39)
    assert covered(lines, use.span) == "use core.oligometastatic ^1.0 as oligo"
    assert span_text(module.header.span) == "2:1-8:41"
    define = module.defines[1]
    assert define.name == "favourable_dfi"
    assert span_text(define.span) == "35:1-36:48"  # the `because` line below belongs to it
    row = module.tables[0].rows[1]
    assert covered(lines, row.span) == "renal_cell            24 months"
    assert covered(lines, module.examples[1].expects[0].span) == (
        "expect metastasectomy is unknown missing recurrence_detected")
    assert covered(lines, module.properties[0].body.span) == (
        "metastasectomy never decreases as disease_free_interval increases")


def test_expression_spans_cover_exactly_their_text(sketch: tuple[ast.Module, list[str]]) -> None:
    module, lines = sketch
    polymetastatic, favourable = module.decisions[0].rules
    assert isinstance(polymetastatic.condition, ast.Not)
    assert span_text(polymetastatic.condition.span) == "41:29-41:54"
    assert covered(lines, polymetastatic.condition.operand.span) == "oligo.oligometastatic"
    assert covered(lines, favourable.condition.span) == "favourable_dfi and r0_achievable"
    marker = module.defines[2].expr
    assert isinstance(marker, ast.Compare)
    assert covered(lines, marker.left.span) == "first known of (ca19_9_change, ca125_change)"
    assert covered(lines, marker.right.span) == "-50%"
    lookup = module.defines[1].expr
    assert isinstance(lookup, ast.Compare)
    assert covered(lines, lookup.right.span) == "favourable_dfi_after[primary_site]"
    assert covered(lines, module.tables[0].rows[1].value.span) == "24 months"


def test_small_node_spans(sketch: tuple[ast.Module, list[str]]) -> None:
    module, lines = sketch
    assert span_text(module.examples[0].given[3].span) == "48:9-48:24"
    assert covered(lines, module.examples[0].given[3].span) == "liver_lesions 2"
    assert covered(lines, module.kinds[1].values[0].span) == 'colorectal "Colorectal cancer"'
    assert covered(lines, module.inputs[1].type.span) == "count"
    status_comment = module.comments[1]
    assert (status_comment.text, status_comment.own_line, span_text(status_comment.span)) == (
        "# draft | approved | retired", False, "5:35-5:63")
    assert module.comments[0].own_line and module.comments[0].span.line == 1


# ---------------------------------------------------------------- coverage of the fixtures


def _union(alias: Any) -> set[type]:
    return set(typing.get_args(alias))


def _nodes(value: Any) -> list[Any]:
    out, stack = [], [value]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(node)
        elif dataclasses.is_dataclass(node) and not isinstance(node, type | ast.Span):
            out.append(node)
            stack.extend(getattr(node, f.name) for f in dataclasses.fields(node))
    return out


def test_fixtures_cover_every_construct() -> None:
    nodes = [n for path in FIXTURES for n in _nodes(dsl.parse_file(path))]
    classes = {type(n) for n in nodes}
    assert _union(ast.Expr) | _union(ast.Item) | _union(ast.PropertyBody) | _union(ast.Expectation) <= classes
    specs = {(n.base, n.unit is not None) for n in nodes if isinstance(n, ast.TypeSpec)}
    assert specs >= {("yes/no", False), ("count", False), ("number", False), ("percent", False), ("date", False),
                     ("duration", False), ("duration", True), ("quantity", True), ("kind", False)}
    assert {n.policy for n in nodes if isinstance(n, ast.Decision)} == {"first", "unique", "collect"}
    assert {n.ordered for n in nodes if isinstance(n, ast.Decision)} == {True, False}
    keys = {type(k) for n in nodes if isinstance(n, ast.Row) for k in n.keys}
    assert keys == {str, bool, type(None), ast.Band}
    forms = {k.form for n in nodes if isinstance(n, ast.Row) for k in n.keys if isinstance(k, ast.Band)}
    assert forms == {"point", "to", "to_under", "under", "over", "over_to", "or_more", "or_less"}
    assert any(n.beside for n in nodes if isinstance(n, ast.Decision))
    assert any(r.is_open for n in nodes if isinstance(n, ast.Decision) for r in n.rules)
    assert any(len(n.by) > 1 for n in nodes if isinstance(n, ast.Table))
    given_values = {type(n.value) for n in nodes if isinstance(n, ast.Given)}
    assert given_values >= {ast.Number, ast.Quantity, ast.DateLit, ast.Bool, ast.NoneLit, ast.Ref, ast.Missing}
    assert any(n.by_rule for n in nodes if isinstance(n, ast.ExpectValue))
    assert {n.missing is None for n in nodes if isinstance(n, ast.ExpectUnknown)} == {True, False}
    references = [n for n in nodes if isinstance(n, ast.Reference)]
    assert all(any(getattr(r, f) for r in references) for f in ("doi", "pmid", "url", "evidence"))
    assert {n.op for n in nodes if isinstance(n, ast.Compare)} == {"<", "<=", ">", ">=", "=", "!="}
    assert {n.unit for n in nodes if isinstance(n, ast.Elapsed)} == {"days", "weeks", "months", "years"}


# ---------------------------------------------------------------- no text makes the parser raise


def _assert_only_diagnostics(text: str) -> None:
    module, diagnostics = dsl.parse_with_diagnostics(text, "fuzz.eligo")
    assert module is not None or diagnostics
    for diagnostic in diagnostics:
        assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1, diagnostic.headline()
        assert CATALOGUE[diagnostic.code].stage == "parse" and diagnostic.message


SKETCH_TEXT = SKETCH.read_text(encoding="utf-8")
TOKENS = ["guideline", "version", "rule", "when", "then", "otherwise", "and", "or", "not", "(", ")", "[", "]",
          "{", "}", ",", ":", "|", ">", "=", "==", "-", "%", "\n", "\n  ", "  ", "#", '"', "\\", "12 months",
          "2024-13-40", "first known of", "between", "is", "missing", "given", "expect", "table", "->", "\t"]


@settings(max_examples=150)
@given(st.text(max_size=300))
def test_random_text_yields_diagnostics_not_exceptions(text: str) -> None:
    _assert_only_diagnostics(text)


@settings(max_examples=150)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join))
def test_random_tokens_yield_diagnostics_not_exceptions(text: str) -> None:
    _assert_only_diagnostics("guideline fuzz.tokens\n  version 1.0.0\n" + text)


@st.composite
def mutated_sketch(draw: st.DrawFn) -> str:
    """The sketch with a few characters or words deleted, inserted, duplicated or swapped."""
    text = SKETCH_TEXT
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text) - 1))
        width = draw(st.integers(1, 12))
        match draw(st.sampled_from(["delete", "insert", "duplicate", "swap"])):
            case "delete":
                text = text[:at] + text[at + width:]
            case "insert":
                text = text[:at] + draw(st.sampled_from(TOKENS) | st.text(max_size=3)) + text[at:]
            case "duplicate":
                text = text[:at] + text[at:at + width] + text[at:]
            case _:
                other = draw(st.integers(0, len(text) - 1))
                first, second = sorted((at, other))
                if second - first > width:
                    text = (text[:first] + text[second:second + width] + text[first + width:second]
                            + text[first:first + width] + text[second + width:])
    return text


@settings(max_examples=150)
@given(mutated_sketch())
def test_mutated_sketch_yields_diagnostics_not_exceptions(text: str) -> None:
    _assert_only_diagnostics(text)


def test_the_sketch_itself_has_no_diagnostics() -> None:
    assert dsl.parse_with_diagnostics(SKETCH_TEXT, "sketch.eligo")[1] == []
