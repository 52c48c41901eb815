"""The diagnostics catalogue: every code is documented, and its examples do what they claim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import eligo
from eligo.dsl import Diagnostic, parse_with_diagnostics
from eligo.dsl.codes import CATALOGUE, Code

ROOT = Path(__file__).resolve().parent.parent
VIRTUAL_KB = Path("/virtual-knowledge")
_CODE_LITERAL = re.compile(r"""["']([EW][0-9]{3})["']""")
# Checker cascades the lead is told about: the example is right, the compiler reports more.
KNOWN_CASCADES: dict[str, str] = {}


def _parser_codes() -> list[Code]:
    return [c for c in CATALOGUE.values() if c.stage == "parse"]


def _checker_codes() -> list[Code]:
    return [c for c in CATALOGUE.values() if c.stage == "check"]


def _sql_codes() -> list[Code]:
    return [c for c in CATALOGUE.values() if c.stage == "sql"]


def _bindings(entry: Code) -> bool:
    return entry.path.endswith(".fhir.yaml")


def _check_bindings(entry: Code, text: str) -> list[Diagnostic]:
    """Check the bindings file `text` at `entry.path` beside `entry.others`, written to disk (bindings are read from
    the files beside each guideline version); E207's right example sits beside its version."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for relative, source in entry.others:
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(source, encoding="utf-8")
        place = entry.others[0][0].removesuffix(".eligo") + ".fhir.yaml" if entry.code == "E207" and \
            text == entry.right else entry.path
        (root / place).write_text(text, encoding="utf-8")
        return eligo.load(root).check()


def _check(entry: Code, text: str) -> list[Diagnostic]:
    """Check `text` as the file `entry.path` of a knowledge base holding `entry.others` too."""
    if _bindings(entry):
        return _check_bindings(entry, text)
    if not entry.others and entry.code != "E124":  # E124 is about the file's place in a knowledge base
        return eligo.check_source(text, entry.path)
    from eligo.kb.store import SourceFile
    from eligo.pipeline import KnowledgeBase

    files = []
    for relative, source in (*entry.others, (entry.path, text)):
        path = str(VIRTUAL_KB / relative)
        module, diagnostics = parse_with_diagnostics(source, path)
        files.append(SourceFile(path, source, module, diagnostics))
    return KnowledgeBase(files, VIRTUAL_KB).check()


def test_catalogue_is_keyed_by_its_codes_and_complete() -> None:
    for key, entry in CATALOGUE.items():
        assert key == entry.code
        assert re.fullmatch(r"[EWV][0-9]{3}", entry.code)
        if entry.stage != "verify":  # verify's V2xx codes are errors or warnings (tests/test_verify.py)
            assert entry.severity == ("warning" if entry.code.startswith("W") else "error")
        assert entry.title and "\n" not in entry.title
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", entry.explanation.strip()) if s]
        assert 1 <= len(sentences) <= 4, (entry.code, sentences)
        lead = "guideline: " if _bindings(entry) else "guideline "  # a bindings file, or a guideline
        assert entry.wrong.removeprefix("\ufeff").startswith(lead) or entry.code == "E033"  # E062: a BOM first
        assert entry.right.startswith(lead)
        assert entry.wrong != entry.right


def test_every_code_emitted_in_the_sources_is_catalogued() -> None:
    emitted: dict[str, list[str]] = {}
    for folder in ("dsl", "compiler"):
        for file in sorted((ROOT / folder).rglob("*.py")):
            if file.name == "codes.py":
                continue
            for code in _CODE_LITERAL.findall(file.read_text(encoding="utf-8")):
                if code[1] in "01":  # E0xx parser, E1xx/W1xx checker
                    emitted.setdefault(code, []).append(str(file.relative_to(ROOT)))
    assert {"E001", "E014", "E020"} <= set(emitted)  # the scan itself works
    missing = {code: files for code, files in emitted.items() if code not in CATALOGUE}
    assert missing == {}


def test_every_catalogued_code_is_emitted_somewhere() -> None:
    sources = "".join(
        file.read_text(encoding="utf-8")
        for folder in ("dsl", "compiler")
        for file in (ROOT / folder).rglob("*.py")
        if file.name != "codes.py"
    )
    assert [code for code in CATALOGUE if f'"{code}"' not in sources] == []


@pytest.mark.parametrize("entry", _parser_codes(), ids=lambda e: e.code)
def test_parser_code_wrong_example_yields_exactly_its_code(entry: Code) -> None:
    module, diagnostics = parse_with_diagnostics(entry.wrong, entry.path)
    builders = {"E020", "E021", "E022", "E023", "E063", "E070", "E071"}  # the builder's codes keep the tree
    assert module is None or entry.code in builders
    assert [d.code for d in diagnostics] == [entry.code]
    assert diagnostics[0].message and diagnostics[0].span.line >= 1


@pytest.mark.parametrize("entry", _parser_codes(), ids=lambda e: e.code)
def test_parser_code_right_example_parses_cleanly(entry: Code) -> None:
    module, diagnostics = parse_with_diagnostics(entry.right, entry.path)
    assert diagnostics == []
    assert module is not None


@pytest.mark.parametrize("entry", _parser_codes(), ids=lambda e: e.code)
def test_parser_code_right_example_checks_cleanly(entry: Code) -> None:
    assert [d.headline() for d in _check(entry, entry.right)] == []


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(e, marks=pytest.mark.xfail(reason=KNOWN_CASCADES[e.code], strict=True))
        if e.code in KNOWN_CASCADES else e
        for e in _checker_codes()
    ],
    ids=lambda e: e.code,
)
def test_checker_code_wrong_example_yields_exactly_its_code(entry: Code) -> None:
    assert _bindings(entry) or parse_with_diagnostics(entry.wrong, entry.path)[1] == []
    diagnostics = _check(entry, entry.wrong)
    assert sorted({d.code for d in diagnostics}) == [entry.code], [d.headline() for d in diagnostics]
    assert all(d.severity.value == entry.severity for d in diagnostics)


@pytest.mark.parametrize("entry", _checker_codes(), ids=lambda e: e.code)
def test_checker_code_right_example_checks_cleanly(entry: Code) -> None:
    assert [d.headline() for d in _check(entry, entry.right)] == []


@pytest.mark.parametrize("entry", _sql_codes(), ids=lambda e: e.code)
def test_sql_code_examples_check_cleanly(entry: Code) -> None:
    """SQL-stage codes concern valid guidelines: both examples pass the checker."""
    assert [d.headline() for d in _check(entry, entry.wrong)] == []
    assert [d.headline() for d in _check(entry, entry.right)] == []
