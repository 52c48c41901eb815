"""The fuzz harness: hostile mutations of real guidelines, and the regression corpus in tests/fuzz/, through
parse → check → compile → evaluate → fmt → SQL. Every stage either succeeds or refuses with a diagnostic
or a case error; nothing raises anything else, and what is formatted re-parses to the same module.

The hypothesis runs are bounded (a fixed seed in CI, a few dozen examples each). A falsifying input
found here goes into tests/fuzz/sources/ (or tests/fuzz/cases/) once fixed: see tests/fuzz/README.md.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eligo
from eligo.dsl.diagnostics import Diagnostic, EligoError
from eligo.dsl.formatter import format_module
from eligo.dsl.parser import parse_with_diagnostics

ROOT = Path(__file__).parent.parent
CORPUS = Path(__file__).parent / "fuzz"
SEEDS = {path: (ROOT / "knowledge" / path).read_bytes() for path in (
    "core/oligometastatic/1.0.0.eligo", "core/disease_free_interval/1.0.0.eligo", "core/tumour_board/1.0.0.eligo",
    "core/resection/1.0.0.eligo", "core/metastasis_timing/1.0.0.eligo")}  # the ones that use no other module
WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?|<=|>=|[<>=+\-*/|,:()]")
HOSTILE = ["\uff11", "\u0661", "\u0660.0", "\ufeff", "\ufffd", "\u0435", "\u00e9", "1" + "0" * 309, "9" * 5000,
           "0." + "1" * 20, "1000000000000000", "(" * 70, ")" * 3, "\t", "\r\n", "\x00", "\x0c", "µg", "“", "”",
           "2024-02-30", "9999-99-99", "-" * 40, "not " * 70, "and", "or", "\\", '"', "#", "\n  ", "\u2028", "\u200b"]
BYTES = [b"\xe9", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\x80" * 3]
HOSTILE_VALUES: list[Any] = [None, 0, -1, 2, 10**400, 2**53 + 1, 1e308, float("nan"), float("inf"), True, "yes",
                             "2024-02-30", "2024-01-10", "20240110", "\uff12\uff10\uff12\uff14-01-10", "12 months",
                             "1e400 months", "-5 %", {"value": 3, "unit": "weeks"}, {"value": "x", "unit": []},
                             [1, 2], {"a": {"b": {}}}, "x" * 10_000]
_WORKDIR = Path(tempfile.mkdtemp(prefix="eligo-fuzz-"))


@st.composite
def hostile_source(draw: st.DrawFn) -> tuple[str, bytes]:
    """A seed guideline with a few words replaced by hostile text or bytes, or hostile text inserted."""
    path = draw(st.sampled_from(sorted(SEEDS)))
    raw = SEEDS[path]
    for _ in range(draw(st.integers(1, 3))):
        words = list(WORD.finditer(raw))
        word = words[draw(st.integers(0, len(words) - 1))]
        insert = draw(st.sampled_from(BYTES)) if draw(st.integers(0, 5)) == 0 else \
            draw(st.sampled_from(HOSTILE)).encode("utf-8", "surrogatepass")
        how = draw(st.sampled_from(["replace", "before", "after"]))
        start, end = {"replace": (word.start(), word.end()), "before": (word.start(), word.start()),
                      "after": (word.end(), word.end())}[how]
        raw = raw[:start] + insert + raw[end:]
    return path, raw


def run_pipeline(path: str, raw: bytes) -> tuple[list[str], set[str]]:
    """Every stage on one source file; returns the stages reached and the error codes (and fails on anything
    but a refusal)."""
    file = _WORKDIR / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(raw)
    try:
        kb = eligo.load(file)
    finally:
        file.unlink()
    reached = ["parse"]
    diagnostics = kb.check()
    codes = {d.code for d in diagnostics if d.is_error}
    assert all(isinstance(d, Diagnostic) and d.message and d.span.path == str(file) for d in diagnostics)
    assert diagnostics == sorted(diagnostics, key=Diagnostic.sort_key)
    [source] = kb.files
    if source.module is None or any(d.is_error for d in source.diagnostics):
        assert codes
        return reached, codes
    reached.append("check")
    _assert_formats(source.module, str(file))
    reached.append("fmt")
    for module_id, version in sorted(kb.modules):
        try:
            guideline = kb.guideline(module_id, version=version)
        except EligoError as refused:
            assert refused.diagnostics and any(d.is_error for d in refused.diagnostics)
            continue
        reached.append("compile")
        _assert_evaluates(guideline)
        reached.append("evaluate")
        _assert_sql(guideline)
        reached.append("sql")
    return reached, codes


def _assert_formats(module: eligo.dsl.ast.Module, path: str) -> None:
    formatted = format_module(module)
    again, diagnostics = parse_with_diagnostics(formatted, path)
    assert again == module, [d.headline() for d in diagnostics]
    assert format_module(again) == formatted


def _assert_evaluates(guideline: eligo.Guideline) -> None:
    inputs = list(guideline.inputs)[:8]  # every kind of input appears among the first few of the corpus and seeds
    for case in [{}, *({name: value} for name in inputs for value in HOSTILE_VALUES)]:
        try:
            result = guideline.evaluate(case, trace=bool(case))
        except eligo.CaseError as refused:
            assert refused.problems and all(p.field in case for p in refused.problems)
            continue
        for decision in result.decisions.values():
            assert decision.status in ("decided", "unknown", "unmatched", "conflict")
        if case:
            assert isinstance(result.explain(), str)


def _assert_sql(guideline: eligo.Guideline) -> None:
    import duckdb

    from eligo.sql import query as sql

    try:
        text = sql.compile_query(guideline, "cases", keep=list(guideline.inputs), dialect="duckdb").sql(dialect="duckdb")
    except EligoError as refused:
        assert refused.diagnostics
        return
    assert not re.search(r"\binf(e0)?\b", text, re.IGNORECASE)
    types = {"bool": "BOOLEAN", "date": "DATE", "enum": "VARCHAR"}
    columns = ", ".join(f'"{n}" {types.get(i.type.kind, "DOUBLE")}' for n, i in guideline.inputs.items()) or "_x INT"
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE cases ({columns})")
        assert con.execute(f"SELECT count(*) FROM ({text})").fetchall() == [(0,)]
    finally:
        con.close()


@settings(max_examples=40)
@given(hostile_source())
def test_hostile_mutations_pass_or_are_refused_at_every_stage(item: tuple[str, bytes]) -> None:
    reached, codes = run_pipeline(*item)
    assert reached[0] == "parse" and (len(reached) > 1 or codes)


@pytest.mark.parametrize("path", sorted(SEEDS))
def test_the_seeds_reach_every_stage(path: str) -> None:
    assert run_pipeline(path, SEEDS[path]) == (["parse", "check", "fmt", "compile", "evaluate", "sql"], set())


SOURCES = sorted((CORPUS / "sources").glob("*.eligo"))
CASES = sorted(p for p in (CORPUS / "cases").glob("*") if p.suffix in (".json", ".yaml"))


def test_the_corpus_is_there() -> None:
    assert len(SOURCES) >= 10 and len(CASES) >= 10


@pytest.mark.parametrize("file", SOURCES, ids=lambda p: p.name)
def test_regression_corpus_sources(file: Path) -> None:
    """Each file once crashed a stage; its first line says which and how it is refused now (`# expect: …`)."""
    raw = file.read_bytes()
    expected = re.search(rb"# expect: (\S+)", raw) or re.search(rb"# expect: (\S+)", raw.decode("utf-16", "replace")
                                                                  .encode() if raw[:2] == b"\xff\xfe" else b"")
    assert expected is not None, "a corpus file holds a line `# expect: E0xx` or `# expect: sql`"
    reached, codes = run_pipeline("demo/corpus/1.0.0.eligo", raw)
    want = expected.group(1).decode()
    assert want in codes if want.startswith("E") else (want in reached and not codes), (reached, codes)


@pytest.mark.parametrize("file", CASES, ids=lambda p: p.name)
def test_regression_corpus_cases(file: Path) -> None:
    """Each case file once crashed or misread; it is refused with the field named (or read as written)."""
    guideline = _corpus_guideline()
    try:
        case = eligo.read_case(file)
        result = guideline.evaluate(case)
    except eligo.CaseError as refused:
        assert refused.problems and all(p.field and p.message for p in refused.problems)
        assert len(str(refused)) < 10_000
        return
    assert all(not isinstance(v, float) or math.isfinite(v) for v in case.values())
    assert result.decisions


_GUIDELINES: dict[str, eligo.Guideline] = {}


def _corpus_guideline() -> eligo.Guideline:
    if "g" not in _GUIDELINES:
        kb = eligo.KnowledgeBase.from_texts({"demo/corpus/1.0.0.eligo": (CORPUS / "cases" / "guideline.eligo.txt")
                                             .read_text(encoding="utf-8")})
        _GUIDELINES["g"] = kb.guideline("demo.corpus")
    return _GUIDELINES["g"]
