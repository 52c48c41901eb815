"""The formatter: the canonical layout pinned on examples, every comment kept, every node printed,
the round-trip properties, and `format_paths` on real files."""

from __future__ import annotations

import datetime as dt
import os
import typing
from pathlib import Path

import pytest
import strategies
from hypothesis import given, settings
from hypothesis import strategies as st
from snapshot_files import check_snapshot, snapshot_names

from eligo import dsl
from eligo.dsl import ast
from eligo.dsl.formatter import format_module, format_paths, format_source, number

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "valid").glob("*.eligo"))
HEAD = "guideline demo.layout\n  version 1.0.0\n  status draft\n\n"

CANONICAL = '''\
guideline demo.layout
  version 1.0.0
  title "Layout demo"
  status draft

use core.oligometastatic ^1.0 as oligo
use core.timing

reference fong1999 "Fong Y, et al. Ann Surg 1999;230:309-18" evidence 2b

kind site: colorectal "Colorectal cancer" | renal_cell

kind stage: limited "Limited disease confined to one organ" |
  extensive "Extensive disease in several organs" |
  unknown_stage

input lesions: count from 0 to 100
input fit: yes/no
input primary_site: site
input detected: date
input treated: date

define many: lesions > 5

define dfi: months between treated and detected

define favourable: dfi > threshold[primary_site]
  because "A longer disease-free interval implies slower growth of the tumour."
  cite fong1999

table threshold by primary_site -> duration
  colorectal   12 months   cite fong1999
  renal_cell   24 months
  otherwise    none

table response by primary_site, fit -> yes/no
  colorectal, yes   yes
  any,        no    no
  otherwise         none

decision resection: candidate > discuss > not_candidate, first match
  rule unfit: when not fit then not_candidate
  rule many_lesions: when many or oligo.polymetastatic then discuss
    because "Many lesions suggest occult systemic disease."
    cite fong1999
  otherwise candidate

example "Fit with few lesions":
  given lesions 2, fit yes, primary_site colorectal, treated 2024-01-10, detected 2025-07-10,
        lesions 3, fit yes
  expect resection = candidate

property "Unfit patients are never candidates":
  when not fit then resection is not_candidate
'''

MESSY = '''\
guideline demo.layout
    title   "Layout demo"
    version 1.0.0
use core.oligometastatic   ^1.0   as oligo
use core.timing
reference fong1999 "Fong Y, et al. Ann Surg 1999;230:309-18"   evidence 2b
kind site: colorectal "Colorectal cancer" | renal_cell
kind stage: limited "Limited disease confined to one organ" | extensive "Extensive disease in several organs" | \
unknown_stage
input lesions: count from 0 to 100
input fit: yes/no
input primary_site: site
input detected: date
input treated: date
define many: lesions > 5


define dfi: months between treated and
   detected
define favourable: dfi > threshold[primary_site] because "A longer disease-free interval implies slower growth \
of the tumour." cite fong1999
table threshold by primary_site -> duration
  colorectal 12 months cite fong1999
  renal_cell 24 months
  otherwise none
table response by primary_site, fit -> yes/no
  colorectal, yes yes
  any, no no
  otherwise none
decision resection: candidate > discuss > not_candidate, first match
  rule unfit: when not fit then not_candidate
  rule many_lesions: when many or oligo.polymetastatic then discuss because "Many lesions suggest occult \
systemic disease." cite fong1999
  otherwise candidate
example "Fit with few lesions":
  given lesions 2, fit yes, primary_site colorectal, treated 2024-01-10, detected 2025-07-10, lesions 3, fit yes
  expect resection = candidate
property "Unfit patients are never candidates":
        when not fit then resection is not_candidate
'''


def test_canonical_text_is_a_fixed_point() -> None:
    assert format_source(CANONICAL) == CANONICAL


def test_messy_text_formats_to_the_canonical_layout() -> None:
    assert format_source(MESSY) == CANONICAL
    assert dsl.parse(MESSY) == dsl.parse(CANONICAL)


def test_dsl_format_is_the_formatter() -> None:
    assert dsl.format is format_module
    assert "format" in dsl.__all__


def test_format_source_raises_on_syntax_errors() -> None:
    with pytest.raises(dsl.EligoError) as raised:
        format_source(HEAD + "define x: a ==\n", "bad.eligo")
    assert raised.value.diagnostics[0].span.path == "bad.eligo"
    assert raised.value.diagnostics[0].span.line == 5


# ---------------------------------------------------------------- expressions


def _define(expr: str) -> str:
    return format_source(HEAD + f"define x: {expr}\n").split("define x: ", 1)[1].rstrip("\n")


@pytest.mark.parametrize(("written", "canonical"), [
    ("(a + b) * c", "(a + b) * c"),
    ("a + (b * c)", "a + b * c"),
    ("(a - b) - c", "a - b - c"),
    ("a - (b - c)", "a - (b - c)"),
    ("a / (b / c)", "a / (b / c)"),
    ("((a))", "a"),
    ("-(a + b)", "-(a + b)"),
    ("- -a", "--a"),
    ("not (a and b)", "not (a and b)"),
    ("(not a) and b", "not a and b"),
    ("a or (b and c)", "a or (b and c)"),  # `and` inside `or` keeps parentheses, for the reader
    ("a or b and c", "a or (b and c)"),
    ("(a or b) and c", "(a or b) and c"),
    ("a and (b and c)", "a and (b and c)"),
    ("(a = b) = c", "(a = b) = c"),
    ("a ≤ b and a ≥ c and a ≠ d", "a <= b and a >= c and a != d"),
    ("(a between b and c) and d", "a between b and c and d"),
    ("a between (b + 1) and (c)", "a between b + 1 and c"),
    ("x in {a + 1, (b)} and x not in {c}", "x in {a + 1, b} and x not in {c}"),
    ("(x in {a}) = yes", "(x in {a}) = yes"),
    ("(x is missing) or (y is known) or (z is none)", "x is missing or y is known or z is none"),
    ("(months between a and b) + 1", "(months between a and b) + 1"),
    ("months between a and (b + 1)", "months between a and b + 1"),
    ("1 + (days between a and b) * 2", "1 + (days between a and b) * 2"),
    ("-(weeks between a and b) + 1", "(-weeks between a and b) + 1"),
    ("(years between a and b) > 2 years", "years between a and b > 2 years"),
    ("(if a then b else c) + 1", "(if a then b else c) + 1"),
    ("if (if a then b else c) then d else (if e then f else g)",
     "if (if a then b else c) then d else if e then f else g"),
    ("t[(a or b), c] and oligo.t[x]", "t[a or b, c] and oligo.t[x]"),
    ("first known of ((a), b, 3)", "first known of (a, b, 3)"),
])
def test_expressions_get_only_the_parentheses_they_need(written: str, canonical: str) -> None:
    assert _define(written) == canonical
    assert dsl.parse(HEAD + f"define x: {canonical}\n") == dsl.parse(HEAD + f"define x: {written}\n")


@pytest.mark.parametrize(("written", "canonical"), [
    ("007 + 12.50 + 0.00001", "7 + 12.5 + 0.00001"),
    ("12 months + 37 U/mL + 50 %", "12 months + 37 U/mL + 50%"),
    ('"a \\"b\\" \\\\ c\\n\\td" + "\\q"', '"a \\"b\\" \\\\ c\\n\\td" + "q"'),
    ("2024-01-10 + yes + no + none", "2024-01-10 + yes + no + none"),
])
def test_literals_are_rewritten_to_read_back_the_same(written: str, canonical: str) -> None:
    assert _define(written) == canonical


@pytest.mark.parametrize(("value", "text"), [
    (3, "3"), (-3, "-3"), (0.5, "0.5"), (12.0, "12.0"), (1e-05, "0.00001"), (1e20, "100000000000000000000.0"),
    (-0.25, "-0.25"), (0.1 + 0.2, "0.30000000000000004"),
])
def test_numbers_print_without_exponents_and_keep_their_type(value: float, text: str) -> None:
    assert number(value) == text


def test_a_number_eligo_cannot_write_is_refused() -> None:
    with pytest.raises(ValueError, match="nan cannot be written in Eligo"):
        number(float("nan"))


def test_long_conditions_break_at_the_outermost_operator_first() -> None:
    source = HEAD + ("define x: alpha_value > 1 and first known of (beta_value, gamma_value, 0) > 0 and delta_value "
                     "and epsilon_value > 10 or zeta\n")
    assert format_source(source).split("\n\n", 1)[1] == (
        "define x: (alpha_value > 1 and first known of (beta_value, gamma_value, 0) > 0 and delta_value and\n"
        "    epsilon_value > 10) or zeta\n"
    )


def test_a_long_lookup_breaks_inside_its_brackets() -> None:
    keys = ", ".join(f"key_number_{i}" for i in range(9))
    out = format_source(HEAD + f"define x: resection.consequence_of[{keys}]\n").split("\n\n", 1)[1]
    assert out == (
        "define x: resection.consequence_of[key_number_0, key_number_1, key_number_2, key_number_3,\n"
        "    key_number_4, key_number_5, key_number_6, key_number_7, key_number_8]\n"
    )


# ---------------------------------------------------------------- comments


def test_comments_fixture_keeps_every_comment_in_place() -> None:
    path = Path(__file__).parent / "fixtures" / "valid" / "comments.eligo"
    source = path.read_text(encoding="utf-8")
    out = format_source(source)
    assert [c.text for c in dsl.parse(out).comments] == [c.text for c in dsl.parse(source).comments]
    assert "  colorectal   5  # trailing on a row\n" in out
    assert '  because "Many lesions."  # on the because line\n  cite oligo  # on the cite line\n' in out
    assert "  given lesions 7,  # after the first given\n        # between two givens\n        fit yes\n" in out
    assert out.endswith("increases  # trailing on the body\n\n# at the very end\n")


def test_a_comment_after_and_keeps_the_line_break_after_it() -> None:
    source = HEAD + "define x: a and  # first\n    b  # second\n"
    assert format_source(source) == source


def test_a_second_comment_that_would_share_a_line_goes_above_the_statement() -> None:
    # (issue 12: a line may now break after `+`, so this uses a set, which has no break before `}`)
    source = HEAD + "define x: a in {  # first\n  b}  # second\n"
    assert format_source(source).split("\n\n", 1)[1] == "# second\ndefine x: a in {b}  # first\n"


def test_comments_beside_an_operator_keep_a_break_after_it() -> None:
    source = HEAD + "define x: (  # first\n  a) + b  # second\n"
    assert format_source(source).split("\n\n", 1)[1] == "define x: a +  # first\n    b  # second\n"


def test_a_comment_on_a_header_line_stays_on_it() -> None:
    source = "guideline demo.x  # id\n  version 1.0.0\n  # why approved\n  status approved  # since 2025\n"
    assert format_source(source) == source


# ---------------------------------------------------------------- every node is printed

SAMPLE_EXPRESSIONS: dict[type, ast.Expr] = {
    ast.Number: ast.Number(3),
    ast.Quantity: ast.Quantity(12, "months"),
    ast.DateLit: ast.DateLit(dt.date(2024, 1, 10)),
    ast.Bool: ast.Bool(True),
    ast.NoneLit: ast.NoneLit(),
    ast.Text: ast.Text('say "hi"'),
    ast.Ref: ast.Ref("oligo.count"),
    ast.Neg: ast.Neg(ast.Ref("a")),
    ast.Arith: ast.Arith("*", ast.Ref("a"), ast.Number(2)),
    ast.Not: ast.Not(ast.Ref("a")),
    ast.BoolOp: ast.BoolOp("or", (ast.Ref("a"), ast.Ref("b"))),
    ast.Compare: ast.Compare("<=", ast.Ref("a"), ast.Number(2)),
    ast.Test: ast.Test(ast.Ref("a"), "known"),
    ast.InSet: ast.InSet(ast.Ref("a"), (ast.Ref("b"), ast.Ref("c")), negated=True),
    ast.Between: ast.Between(ast.Ref("a"), ast.Number(1), ast.Number(2)),
    ast.FirstKnown: ast.FirstKnown((ast.Ref("a"), ast.Ref("b"))),
    ast.IfThen: ast.IfThen(ast.Ref("a"), ast.Number(1), ast.Number(2)),
    ast.Lookup: ast.Lookup("t", (ast.Ref("a"), ast.Bool(False))),
    ast.Elapsed: ast.Elapsed("days", ast.Ref("a"), ast.Ref("b")),
    ast.ListOp: ast.ListOp("largest", "lesions", ast.Compare("=", ast.Ref("organ"), ast.Ref("liver")), "size"),
}
NOTES = ast.Annotations(("why",), ("k",))
SAMPLE_ITEMS: dict[type, ast.Item] = {
    ast.Use: ast.Use("core.a", "^1.0", "a"),
    ast.Reference: ast.Reference("k", "Citation", "10.1/x", "123", "https://example.org", "1a"),
    ast.Kind: ast.Kind("site", (ast.KindValue("colorectal", "Colorectal"), ast.KindValue("renal"))),
    ast.Input: ast.Input("n", ast.TypeSpec("quantity", "U/mL"), -1, 2.5, True, "described"),
    ast.Define: ast.Define("d", ast.Ref("n"), NOTES),
    ast.Table: ast.Table("t", ("site", "fit"), ast.TypeSpec("duration", "months"), (
        ast.Row(("colorectal", None), ast.Quantity(-12, "months"), NOTES),
        ast.Row((), ast.NoneLit()),
    )),
    ast.Decision: ast.Decision("dec", ("yes_go", "no_go"), True, "unique", (
        ast.Rule("r", ast.Ref("d"), "yes_go", NOTES),), ast.Default("no_go", NOTES)),
    ast.Example: ast.Example("e", (ast.Given("n", ast.Missing()), ast.Given("site", ast.Ref("renal")), ast.Given(
        "lesions", ast.GivenList((ast.GivenRecord((ast.Given("size", ast.Quantity(2, "cm")),)),), True))), (
        ast.ExpectValue("dec", ast.Ref("yes_go"), "r"), ast.ExpectUnknown("dec", ("n",)))),
    ast.Property: ast.Property("p", ast.Implies(ast.Ref("d"), "dec", "yes_go")),
    ast.Record: ast.Record("lesion", (ast.RecordField("organ", ast.TypeSpec("kind", kind="organ")),
                                      ast.RecordField("size", ast.TypeSpec("quantity", "mm"), 0, 300, True, "Size"))),
}


def test_every_expression_and_item_class_is_formatted() -> None:
    assert set(SAMPLE_EXPRESSIONS) == set(typing.get_args(ast.Expr))
    assert set(SAMPLE_ITEMS) == set(typing.get_args(ast.Item))
    header = ast.Header("demo.all", "1.0.0")
    items = (*SAMPLE_ITEMS.values(), *(ast.Define(f"e{i}", e) for i, e in enumerate(SAMPLE_EXPRESSIONS.values())))
    module = ast.Module(header, items)
    assert dsl.parse(format_module(module)) == module


# ---------------------------------------------------------------- snapshots of the canonical layout


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_formats_to_its_snapshot(fixture: Path) -> None:
    source = fixture.read_text(encoding="utf-8")
    out = format_source(source, fixture.name)
    check_snapshot(f"format/{fixture.name}", out)
    assert format_source(out) == out
    assert dsl.parse(out) == dsl.parse(source)
    assert [c.text for c in dsl.parse(out).comments] == [c.text for c in dsl.parse(source).comments]


def test_every_format_snapshot_has_its_fixture() -> None:
    assert snapshot_names("format") == [p.name for p in FIXTURES]


# ---------------------------------------------------------------- properties


@settings(max_examples=50)
@given(strategies.modules())
def test_parse_of_format_is_the_module(module: ast.Module) -> None:
    assert dsl.parse(format_module(module)) == module


@settings(max_examples=30)
@given(strategies.modules())
def test_formatting_formatted_text_changes_nothing(module: ast.Module) -> None:
    text = format_module(module)
    assert format_source(text) == text


@settings(max_examples=40)
@given(st.data())
def test_formatting_keeps_every_comment(data: st.DataObject) -> None:
    source, comments = data.draw(strategies.commented(format_module(data.draw(strategies.modules()))))
    out = format_source(source)
    assert sorted(c.text for c in dsl.parse(out).comments) == sorted(comments)
    assert format_source(out) == out


@settings(max_examples=40)
@given(st.sampled_from([MESSY, *(p.read_text(encoding="utf-8") for p in FIXTURES)]).flatmap(strategies.commented))
def test_formatting_hand_written_text_keeps_every_comment(commented: tuple[str, list[str]]) -> None:
    source = commented[0]  # an added comment may extend one already at the end of its line
    out = format_source(source)
    assert sorted(c.text for c in dsl.parse(out).comments) == sorted(c.text for c in dsl.parse(source).comments)
    assert format_source(out) == out


# ---------------------------------------------------------------- files


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "good.eligo").write_text(CANONICAL, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "messy.eligo").write_text(MESSY, encoding="utf-8")
    return tmp_path


def test_check_reports_files_that_would_change_and_writes_nothing(folder: Path) -> None:
    assert format_paths([folder], check=True) == (1, [f"would reformat {folder / 'sub' / 'messy.eligo'}"])
    assert (folder / "sub" / "messy.eligo").read_text(encoding="utf-8") == MESSY


def test_formatting_rewrites_changed_files_only_and_keeps_their_mode(folder: Path) -> None:
    messy, good = folder / "sub" / "messy.eligo", folder / "good.eligo"
    messy.chmod(0o640)
    before = good.stat().st_mtime_ns
    assert format_paths([good, messy], check=False) == (1, [f"reformatted {messy}"])
    assert messy.read_text(encoding="utf-8") == CANONICAL
    assert messy.stat().st_mode & 0o777 == 0o640
    assert good.stat().st_mtime_ns == before
    assert sorted(p.name for p in folder.rglob("*")) == ["good.eligo", "messy.eligo", "sub"]
    assert format_paths([folder], check=True) == (0, [])


def test_a_symbolic_link_is_kept_and_its_target_formatted(folder: Path) -> None:
    link = folder / "link.eligo"
    link.symlink_to(folder / "sub" / "messy.eligo")
    assert format_paths([link], check=False) == (1, [f"reformatted {link}"])
    assert link.is_symlink()
    assert (folder / "sub" / "messy.eligo").read_text(encoding="utf-8") == CANONICAL


def test_a_file_with_syntax_errors_is_reported_and_never_written(folder: Path) -> None:
    bad = folder / "bad.eligo"
    bad.write_text(HEAD + "define x: a ==\n", encoding="utf-8")
    code, messages = format_paths([folder], check=False)
    assert code == 2
    assert messages[0].startswith(f"{bad}:5:")
    assert "define x: a ==" in messages[0]
    assert messages[1:] == [f"reformatted {folder / 'sub' / 'messy.eligo'}"]
    assert bad.read_text(encoding="utf-8") == HEAD + "define x: a ==\n"


def test_crlf_line_ends_count_as_a_change(tmp_path: Path) -> None:
    path = tmp_path / "crlf.eligo"
    path.write_bytes(CANONICAL.replace("\n", "\r\n").encode())
    assert format_paths([path], check=True) == (1, [f"would reformat {path}"])
    format_paths([path], check=False)
    assert path.read_bytes() == CANONICAL.encode()


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.eligo"
    path.write_bytes(b"guideline a\n  version 1.0.0\n  title \"caf\xe9\"\n")
    code, messages = format_paths([path], check=False)
    assert code == 2
    # refused as `eligo check` refuses it: E061 at the line and column of the byte (was Python's codec error)
    assert messages[0].startswith(f"{path}:3:13: error[E061]: this file is not UTF-8 text (byte 0xE9")


def test_a_failed_write_leaves_the_file_and_no_temporary(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    messy = folder / "sub" / "messy.eligo"
    assert format_paths([folder], check=False) == (2, [f"{messy}: cannot write: disk full"])
    assert (folder / "sub" / "messy.eligo").read_text(encoding="utf-8") == MESSY
    assert sorted(p.name for p in (folder / "sub").iterdir()) == ["messy.eligo"]
