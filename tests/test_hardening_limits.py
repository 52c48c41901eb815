"""The limits `check` and the case reader enforce, at their edges: what is just inside is accepted, what is
just beyond is refused with a diagnostic or a case problem (never a crash in a later stage).

Chosen limits, and why:
- number literals: below 10^15 and at most 15 significant digits (E063). Both back ends compute in
  doubles, which hold every such decimal exactly (DBL_DIG = 15); beyond, the number computed is not
  the number written (and 1 with 309 zeros is infinity, which SQL wrote as `infe0`).
- case files: 1 MB, 16 levels of brackets or indentation, numbers of at most 4,000 digits; counts up to
  2^53 (the integers a double holds exactly, so Python and SQL agree); 50 problems listed, the rest counted.
- sources: 1 MB (E001) and 64 levels of nesting (E002), as before; letters and digits outside ASCII
  where names, numbers and versions are written (E060).
Structure (operands, rules, chains of definitions) is not limited beyond the 1 MB: guidelines of that
size are reasonable, and every stage must handle them (tests/test_generated_limits.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import eligo
from eligo.case_files import MAX_CASE_BYTES, MAX_DEPTH, MAX_DIGITS
from eligo.cases import MAX_EXACT, MAX_PROBLEMS
from eligo.cli.app import MAX_SHOWN
from eligo.cli.main import app
from eligo.dsl.builder import MAX_SIGNIFICANT
from eligo.dsl.parser import parse_with_diagnostics

BASE = ("guideline demo.limits\n  version 1.0.0\n  status approved\n  effective 2025-01-01\n\ninput n: count\n"
        "input x: number\ndecision d: high | low\n  rule big: when x > 5 then high\n  otherwise low\n")


def literal_codes(literal: str) -> list[str]:
    _, diagnostics = parse_with_diagnostics(BASE.replace("x > 5", f"x > {literal}"), "x.eligo")
    return [d.code for d in diagnostics]


@pytest.mark.parametrize(("literal", "refused"), [
    ("9" * MAX_SIGNIFICANT, False), ("1" + "0" * MAX_SIGNIFICANT, True),
    ("1." + "1" * (MAX_SIGNIFICANT - 1), False), ("1." + "1" * MAX_SIGNIFICANT, True),
    ("0." + "0" * 40 + "1", False), ("0.5" + "0" * 40, False), ("000000000000000000005", False),
    ("123456789.123456", False), ("123456789.1234567", True),
])
def test_the_literal_limit_at_its_edge(literal: str, refused: bool) -> None:
    assert literal_codes(literal) == (["E063"] if refused else [])


def test_a_literal_at_the_limit_survives_every_stage() -> None:
    text = BASE.replace("x > 5", "x > 999999999999999.0".replace(".0", ""))
    kb = eligo.KnowledgeBase.from_texts({"demo/limits/1.0.0.eligo": text})
    assert [d for d in kb.check() if d.is_error] == []
    guideline = kb.guideline("demo.limits")
    assert guideline.evaluate({"x": 1e15})["d"].value == "high"
    assert guideline.evaluate({"x": 999999999999999})["d"].value == "low"
    from eligo.sql import query as sql

    text_sql = sql.compile_query(guideline, "cases", keep=["x"], dialect="duckdb").sql(dialect="duckdb")
    assert "999999999999999" in text_sql and "inf" not in text_sql.lower()


def test_the_count_limit_at_its_edge() -> None:
    guideline = eligo.KnowledgeBase.from_texts({"demo/limits/1.0.0.eligo": BASE}).guideline("demo.limits")
    assert guideline.prepare({"n": MAX_EXACT}) == {"n": MAX_EXACT}
    with pytest.raises(eligo.CaseError):
        guideline.prepare({"n": MAX_EXACT + 1})
    assert guideline.prepare({"x": float(2**60)}) == {"x": float(2**60)}


def test_the_case_size_limit_at_its_edge(tmp_path: Path) -> None:
    body = b'{"n": 1, "pad": "'
    exact = body + b"x" * (MAX_CASE_BYTES - len(body) - 2) + b'"}'
    assert len(exact) == MAX_CASE_BYTES
    (tmp_path / "exact.json").write_bytes(exact)
    assert eligo.read_case(tmp_path / "exact.json")["n"] == 1
    (tmp_path / "over.json").write_bytes(exact[:-2] + b'x"}')
    with pytest.raises(eligo.CaseError, match="is larger than 1 MB"):
        eligo.read_case(tmp_path / "over.json")


def test_the_depth_limit_at_its_edge() -> None:
    inside = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert eligo.read_case("c.json", f'{{"n": {inside}}}') == {"n": json.loads(inside)}
    beyond = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    with pytest.raises(eligo.CaseError, match=f"is nested {MAX_DEPTH + 1} levels deep"):
        eligo.read_case("c.json", f'{{"n": {beyond}}}')


def test_the_digit_limit_at_its_edge() -> None:
    assert eligo.read_case("c.yaml", "n: " + "9" * MAX_DIGITS + "\n")["n"] == int("9" * MAX_DIGITS)
    assert eligo.read_case("c.yaml", "n: " + "9" * (MAX_DIGITS + 1) + "\n")["n"] == "9" * (MAX_DIGITS + 1)
    assert eligo.read_case("c.json", '{"n": ' + "9" * MAX_DIGITS + "}")["n"] == int("9" * MAX_DIGITS)
    with pytest.raises(eligo.CaseError, match=f"numbers in a case have at most {MAX_DIGITS}"):
        eligo.read_case("c.json", '{"n": ' + "9" * (MAX_DIGITS + 1) + "}")


def test_the_problem_limit_at_its_edge() -> None:
    guideline = eligo.KnowledgeBase.from_texts({"demo/limits/1.0.0.eligo": BASE}).guideline("demo.limits")
    for count, more in ((MAX_PROBLEMS, 0), (MAX_PROBLEMS + 1, 1)):
        with pytest.raises(eligo.CaseError) as caught:
            guideline.prepare({f"f{i}": 1 for i in range(count)})
        assert (len(caught.value.problems), caught.value.more) == (MAX_PROBLEMS, more)
        assert str(caught.value).endswith(f"… and {more} more") == bool(more)


def test_printed_diagnostics_are_capped_and_counted(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    for i in range(MAX_SHOWN + 7):
        folder = root / "demo" / f"g{i}"
        folder.mkdir(parents=True)
        broken = BASE.replace("demo.limits", f"demo.g{i}").replace("input n: count\n", "").replace("x > 5", "x > y")
        (folder / "1.0.0.eligo").write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(root)])
    assert result.exit_code == 1
    assert result.stderr.count("error[E100]") == MAX_SHOWN
    assert "… and 7 more (--json lists them all)" in result.stderr
    assert result.stdout == f"checked {MAX_SHOWN + 7} files: {MAX_SHOWN + 7} errors, 0 warnings\n"
    report = json.loads(CliRunner().invoke(app, ["check", str(root), "--json"]).stdout)
    assert len(report["diagnostics"]) == MAX_SHOWN + 7
