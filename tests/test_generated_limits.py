"""Reasonable guidelines at scale go through every stage: check, compile, evaluate (fast and traced),
explain, fmt and SQL (written, and run in DuckDB to agree with Python).

Each guideline here is valid and within every limit `check` enforces (1 MB, 64 levels of nesting,
literals a double holds), so each stage must handle it: generated code must stay within the
interpreter's limits (indentation, recursion, memory) by construction. Before the Python generator
was rewritten, `and` of 100 operands and 40 rules with a 62-operand `and` raised IndentationError,
300 chained definitions and 3,000 rules RecursionError, and 10,000 rules MemoryError; the SQL of 300
chained definitions raised RecursionError and that of 200 rules was 1.2 MB (quadratic).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import eligo
from eligo.dsl.formatter import format_module
from eligo.dsl.parser import parse_with_diagnostics

HEADER = "guideline demo.big\n  version 1.0.0\n  status approved\n  effective 2025-01-01\n\n"


def and_of(operands: int) -> str:
    inputs = "".join(f"input x{i}: count\n" for i in range(operands))
    condition = " and ".join(f"x{i} > 1" for i in range(operands))
    return HEADER + inputs + f"decision d: yes_ | no_\n  rule all: when {condition} then yes_\n  otherwise no_\n"


def rules_with_and(rules: int, operands: int) -> str:
    text = HEADER + "".join(f"input x{i}: count\n" for i in range(operands))
    text += "decision d: " + " | ".join(f"o{r}" for r in range(rules + 1)) + ", first match\n"
    for r in range(rules):
        text += f"  rule r{r}: when " + " and ".join(f"x{i} > {r}" for i in range(operands)) + f" then o{r}\n"
    return text + f"  otherwise o{rules}\n"


def chain_of(definitions: int) -> str:
    text = HEADER + "input x: count\ndefine d0: x + 1\n"
    text += "".join(f"define d{i}: d{i - 1} + 1\n" for i in range(1, definitions))
    return text + f"decision d: big | small\n  rule b: when d{definitions - 1} > {definitions + 5} then big\n" \
                  "  otherwise small\n"


def rules(count: int) -> str:
    text = HEADER + "input x: count\ndecision d: " + " | ".join(f"o{r}" for r in range(count + 1)) + ", first match\n"
    text += "".join(f"  rule r{r}: when x = {r} then o{r}\n" for r in range(count))
    return text + f"  otherwise o{count}\n"


def or_of(operands: int) -> str:
    condition = " or ".join(f"x = {i}" for i in range(operands))
    return HEADER + f"input x: count\ndecision d: yes_ | no_\n  rule any: when {condition} then yes_\n  otherwise no_\n"


GUIDELINES: dict[str, tuple[Callable[[], str], list[dict[str, Any]]]] = {
    # name: (source, cases with the outcome of `d` in "expect")
    "and of 100 operands": (lambda: and_of(100), [{"case": {f"x{i}": 2 for i in range(100)}, "expect": "yes_"},
                                                 {"case": {"x0": 0}, "expect": "no_"}]),
    "and of 300 operands": (lambda: and_of(300), [{"case": {f"x{i}": 2 for i in range(300)}, "expect": "yes_"}]),
    "40 rules with a 62-operand and": (lambda: rules_with_and(40, 62),
                                       [{"case": {f"x{i}": 39 for i in range(62)}, "expect": "o0"},
                                        {"case": {f"x{i}": 0 for i in range(62)}, "expect": "o40"}]),
    "or of 500 operands": (lambda: or_of(500), [{"case": {"x": 499}, "expect": "yes_"}, {"case": {"x": 500}, "expect": "no_"}]),
    "chain of 300 definitions": (lambda: chain_of(300), [{"case": {"x": 6}, "expect": "big"},
                                                        {"case": {"x": 5}, "expect": "small"}]),
    "chain of 1000 definitions": (lambda: chain_of(1000), [{"case": {"x": 6}, "expect": "big"}]),
    "3000 rules": (lambda: rules(3000), [{"case": {"x": 2999}, "expect": "o2999"}, {"case": {"x": 5000}, "expect": "o3000"}]),
    "10000 rules": (lambda: rules(10_000), [{"case": {"x": 9999}, "expect": "o9999"}]),
}
SQL_SIZED = ["and of 100 operands", "40 rules with a 62-operand and", "or of 500 operands", "chain of 300 definitions",
             "chain of 1000 definitions"]
_COMPILED: dict[str, eligo.Guideline] = {}


def compiled(name: str) -> eligo.Guideline:
    if name not in _COMPILED:
        kb = eligo.KnowledgeBase.from_texts({"demo/big/1.0.0.eligo": GUIDELINES[name][0]()})
        assert [d.headline() for d in kb.check() if d.is_error] == []
        _COMPILED[name] = kb.guideline("demo.big")
    return _COMPILED[name]


@pytest.mark.parametrize("name", list(GUIDELINES))
def test_it_checks_compiles_and_evaluates(name: str) -> None:
    guideline = compiled(name)
    for example in GUIDELINES[name][1]:
        assert guideline.evaluate(example["case"], trace=False)["d"].value == example["expect"]


@pytest.mark.parametrize("name", list(GUIDELINES))
def test_it_evaluates_traced_and_explains(name: str) -> None:
    guideline = compiled(name)
    example = GUIDELINES[name][1][0]
    result = guideline.evaluate(example["case"], trace=True)
    assert result["d"].value == example["expect"]
    assert "d" in result.explain()


@pytest.mark.parametrize("name", list(GUIDELINES))
def test_it_formats_and_reparses_to_the_same_module(name: str) -> None:
    module, diagnostics = parse_with_diagnostics(GUIDELINES[name][0](), "big.eligo")
    assert module is not None and diagnostics == []
    formatted = format_module(module)
    again, _ = parse_with_diagnostics(formatted, "big.eligo")
    assert again == module
    assert format_module(again) == formatted


@pytest.mark.parametrize("name", SQL_SIZED)
def test_its_sql_runs_in_duckdb_and_agrees_with_python(name: str) -> None:
    import duckdb

    from eligo.sql import query as sql

    guideline = compiled(name)
    query = sql.compile_query(guideline, "cases", keep=list(guideline.inputs), dialect="duckdb").sql(dialect="duckdb")
    con = duckdb.connect()
    try:
        columns = ", ".join(f"{n} DOUBLE" for n in guideline.inputs)
        con.execute(f"CREATE TABLE cases ({columns})")
        for example in GUIDELINES[name][1]:
            row = [example["case"].get(n) for n in guideline.inputs]
            con.execute(f"INSERT INTO cases VALUES ({', '.join('?' for _ in row)})", row)
        decided = [r[0] for r in con.execute(f"SELECT d FROM ({query})").fetchall()]
    finally:
        con.close()
    assert decided == [example["expect"] for example in GUIDELINES[name][1]]


def test_sql_grows_linearly_with_the_number_of_rules() -> None:
    """The SQL of 300 one-test rules is at most 2,000 characters a rule (200 rules wrote 1.16 MB: quadratic)."""
    from eligo.sql import query as sql

    kb = eligo.KnowledgeBase.from_texts({"demo/big/1.0.0.eligo": rules(300)})
    guideline = kb.guideline("demo.big")
    text = sql.compile_query(guideline, "cases", keep=list(guideline.inputs), dialect="duckdb").sql(dialect="duckdb")
    assert len(text) < 300 * 2_000
