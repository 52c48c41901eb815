"""Invalid fixtures: each file states the diagnostics it must produce, exactly, in its header comments.

    # mistake: what the author got wrong
    # expect: E016 at 17:55
    # message: a rule needs `then` and an outcome after its condition
    # hint: write `rule NAME: when CONDITION then OUTCOME`

One `# expect:` block per diagnostic (several show recovery); its `# hint:` lines are all its hints.
Parser-level fixtures (only E0xx expected) are parsed; the others must parse cleanly and are checked
with `eligo.check_source`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import eligo
from eligo.dsl import Diagnostic, parse_with_diagnostics, render
from eligo.dsl.codes import CATALOGUE
from eligo.dsl.syntax_errors import EXAMPLES, Label, unmatchable_examples

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"
_EXPECT = re.compile(r"# expect: ([EW][0-9]{3}) at ([0-9]+):([0-9]+)$")


@dataclass
class Expected:
    code: str
    line: int
    column: int
    message: str = ""
    hints: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Fixture:
    name: str
    path: str
    text: str
    mistake: str
    expected: tuple[Expected, ...]

    @property
    def is_parser_level(self) -> bool:
        return all(e.code.startswith("E0") for e in self.expected)


def load(file: Path) -> Fixture:
    """Read the expectations from the comment lines that open `file`."""
    text = file.read_text(encoding="utf-8")
    expected: list[Expected] = []
    mistake = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# mistake: "):
            mistake = line.removeprefix("# mistake: ")
        elif match := _EXPECT.match(line):
            expected.append(Expected(match[1], int(match[2]), int(match[3])))
        elif line.startswith("# message: "):
            expected[-1].message = line.removeprefix("# message: ")
        elif line.startswith("# hint: "):
            expected[-1].hints.append(line.removeprefix("# hint: "))
        else:
            raise ValueError(f"{file}: header line not understood: {line!r}")
    return Fixture(file.stem, f"tests/fixtures/invalid/{file.name}", text, mistake, tuple(expected))


ALL = [load(file) for file in sorted(FIXTURES.glob("*.eligo"))]


def _diagnostics(fixture: Fixture) -> list[Diagnostic]:
    _module, diagnostics = parse_with_diagnostics(fixture.text, fixture.path)
    if fixture.is_parser_level:
        return diagnostics
    assert [d.headline() for d in diagnostics] == [], "a checker fixture must parse cleanly"
    return eligo.check_source(fixture.text, fixture.path)


def test_the_catalogue_of_mistakes_is_large_and_well_formed() -> None:
    assert len(ALL) >= 30
    for fixture in ALL:
        assert fixture.mistake, fixture.name
        assert fixture.expected, fixture.name
        assert all(e.message for e in fixture.expected), fixture.name
        codes = "_".join(dict.fromkeys(e.code for e in sorted(fixture.expected, key=lambda e: e.code)))
        assert fixture.name.startswith(codes + "_"), (fixture.name, codes)
        assert all(e.code in CATALOGUE for e in fixture.expected)


def test_every_parser_code_has_a_fixture() -> None:
    covered = {e.code for fixture in ALL for e in fixture.expected}
    limits = {"E001", "E002"}  # tests/test_limits.py
    parser_codes = {code for code in CATALOGUE if code.startswith("E0")} - limits
    assert sorted(parser_codes - covered) == []


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.name)
def test_fixture_reports_exactly_its_diagnostics(fixture: Fixture) -> None:
    diagnostics = sorted(_diagnostics(fixture), key=Diagnostic.sort_key)
    got = [(d.code, d.span.line, d.span.column, d.message, list(d.hints)) for d in diagnostics]
    want = [(e.code, e.line, e.column, e.message, e.hints) for e in fixture.expected]
    assert got == want


@pytest.mark.parametrize("fixture", [f for f in ALL if f.is_parser_level], ids=lambda f: f.name)
def test_parser_messages_are_specific(fixture: Fixture) -> None:
    """No fixture falls back to the generic "unexpected X; expected …" message."""
    for expected in fixture.expected:
        assert not expected.message.startswith("unexpected `"), expected.message
        assert "ends too early" not in expected.message
        assert expected.hints, f"{expected.code} at {expected.line}:{expected.column} has no hint"


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.name)
def test_rendered_caret_sits_under_the_reported_column(fixture: Fixture) -> None:
    lines = fixture.text.split("\n")
    for diagnostic in _diagnostics(fixture):
        rendered = render(diagnostic, {fixture.path: fixture.text}).split("\n")
        span = diagnostic.span
        gutter = " " * len(str(span.line))
        assert rendered[0] == diagnostic.headline()
        assert rendered[1] == f"{gutter} |"
        assert rendered[2] == f"{span.line} | {lines[span.line - 1]}"
        caret_line = rendered[3]
        prefix = f"{gutter} | "
        assert caret_line.startswith(prefix)
        carets = caret_line[len(prefix):]
        assert carets.index("^") == span.column - 1
        assert set(carets.strip()) == {"^"}
        assert rendered[4:] == [f"  = hint: {hint}" for hint in diagnostic.hints]


def test_every_labelled_example_fails_in_a_parser_state() -> None:
    assert unmatchable_examples() == []


@pytest.mark.parametrize("label", EXAMPLES, ids=lambda label: label.code)
def test_every_labelled_example_gets_its_label(label: Label) -> None:
    """No label is shadowed by a recogniser or by another label of the same parser state."""
    for source in label.examples:
        diagnostics = parse_with_diagnostics(source, "label.eligo")[1]
        assert [(d.code, d.message) for d in diagnostics] == [(label.code, label.message)], source
