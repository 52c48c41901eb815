"""Attacks on source files: bytes that are not UTF-8, byte-order marks, look-alike characters and
number literals the back ends cannot hold. Each is refused with its code at file:line:col."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import eligo
from eligo.cli.main import app
from eligo.dsl.parser import parse_with_diagnostics

FIXTURE = Path(__file__).parent / "fixtures" / "kb"
SELECTION = Path("demo") / "selection" / "1.0.0.eligo"
BASE = ("guideline demo.codes\n  version 1.0.0\n\ninput liver_lesions: count from 0 to 100\n"
        "decision resection: candidate > not_candidate\n  rule few: when liver_lesions <= 5 then candidate\n"
        "  otherwise not_candidate\n")


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, target)
    return target


def codes(text: str) -> list[tuple[str, int, int]]:
    _, diagnostics = parse_with_diagnostics(text, "x.eligo")
    return [(d.code, d.span.line, d.span.column) for d in diagnostics]


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- encodings


def test_a_latin1_file_is_refused_at_the_byte_not_crashed(kb: Path) -> None:
    path = kb / SELECTION
    path.write_bytes(path.read_bytes().replace(b'"Too many lesions."', '"Trop de lésions."'.encode("latin-1")))
    code, _, stderr = cli("check", str(kb))
    assert code == 1
    assert f"{path}:19:23: error[E061]: this file is not UTF-8 text (byte 0xE9 cannot be read)" in stderr
    assert '19 |     because "Trop de l\ufffdsions." cite fong1999' in stderr
    [file] = [f for f in eligo.load(kb).files if f.path == str(path)]
    assert file.module is None and [d.code for d in file.diagnostics] == ["E061"]


def test_a_utf16_file_is_refused_as_not_utf8(kb: Path) -> None:
    path = kb / SELECTION
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    code, _, stderr = cli("check", str(kb))
    assert code == 1 and f"{path}:1:1: error[E061]" in stderr


def test_a_byte_order_mark_gets_its_own_code(kb: Path) -> None:
    path = kb / SELECTION
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, _, stderr = cli("check", str(kb))
    assert code == 1
    assert f"{path}:1:1: error[E062]: the file starts with a byte-order mark (U+FEFF), an invisible character" in stderr
    assert "hint: save the file as UTF-8 without a byte-order mark" in stderr


def test_texts_and_comments_may_hold_any_character() -> None:
    text = BASE.replace("then candidate", 'then candidate because "Caf\ufeffé \ufffd ١٢"') + "# ١.٠.٠ \ufeff\n"
    assert codes(text) == []


def test_unencodable_text_from_the_api_is_refused_not_crashed() -> None:
    assert codes(BASE + '# bad \udce9\n') == [("E061", 8, 7)]
    assert [d.code for d in eligo.check_source(BASE.replace("few", "f\udce9w"))] == ["E061"]


# ---------------------------------------------------------------- look-alikes


def test_a_version_with_a_look_alike_digit_cannot_shadow_the_real_one(kb: Path) -> None:
    """Before: two `1.0.0` versions, and `eval` picked the spoofed one."""
    spoof = kb / "demo" / "selection" / "1.0.0-spoof.eligo"
    spoof.write_text((kb / SELECTION).read_text(encoding="utf-8").replace("version 1.0.0", "version 1.0.\u0660")
                     .replace("dfi > 12 months", "dfi > 0 months"), encoding="utf-8")
    loaded = eligo.load(kb)
    assert sorted(loaded.modules) == [("core.lesions", "1.0.0"), ("demo.selection", "1.0.0")]
    [diagnostic] = [d for d in loaded.check() if d.span.path == str(spoof)]
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == ("E060", 2, 15)
    assert diagnostic.message == "`٠` (ARABIC-INDIC DIGIT ZERO) is not an ASCII digit"
    decided = loaded.guideline("demo.selection").evaluate(
        {"lesion_count": 2, "organ_count": 1, "treatment_completed": "2024-01-10", "recurrence_detected": "2024-03-10"})
    assert decided["surgery"].value == "discuss"  # the real 1.0.0, with its 12 months


@pytest.mark.parametrize(("original", "spoof", "column", "message", "hint"), [
    ("<= 5", "<= \uff15", 35, "`５` (FULLWIDTH DIGIT FIVE) is not an ASCII digit", "write `5`"),
    ("<= 5", "<= \u0665", 35, "`٥` (ARABIC-INDIC DIGIT FIVE) is not an ASCII digit", "write `5`"),
    ("<= 5", "<= \u09eb", 35, "`৫` (BENGALI DIGIT FIVE) is not an ASCII digit", "write `5`"),
    ("liver_lesions <=", "liv\u0435r_lesions <=", 21, "`е` (CYRILLIC SMALL LETTER IE) is not an ASCII letter", "write `e`"),
    ("liver_lesions <=", "liver_lesi\u03bfns <=", 28, "`ο` (GREEK SMALL LETTER OMICRON) is not an ASCII letter",
     "write `o`"),
    ("liver_lesions <=", "liver_lesions\u00e9 <=", 31, "`é` (LATIN SMALL LETTER E WITH ACUTE) is not an ASCII letter",
     "write `e`"),
])
def test_look_alike_letters_and_digits_are_refused_where_they_stand(original: str, spoof: str, column: int,
                                                                     message: str, hint: str) -> None:
    _, diagnostics = parse_with_diagnostics(BASE.replace(original, spoof, 1), "x.eligo")
    [diagnostic] = diagnostics
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column, diagnostic.message) == ("E060", 6, column,
                                                                                                  message)
    assert diagnostic.hints[0].startswith(hint)


def test_look_alike_dates_are_refused() -> None:
    text = BASE.replace("  version 1.0.0\n", "  version 1.0.0\n  effective \uff12025-01-01\n")
    assert codes(text) == [("E060", 3, 13)]


@given(st.characters(min_codepoint=0x80, max_codepoint=0x2FFFF, categories=("Nd", "Lu", "Ll", "Lo", "No", "Nl")))
def test_no_non_ascii_letter_or_digit_reaches_a_name_number_or_version(char: str) -> None:
    for text in (BASE.replace("<= 5", f"<= 5{char}"), BASE.replace("1.0.0", f"1.0.{char}"),
                 BASE.replace("few", f"fe{char}")):
        module, diagnostics = parse_with_diagnostics(text, "x.eligo")
        if char == "µ":
            continue  # the micro sign of units such as µg
        assert module is None and diagnostics and diagnostics[0].code in ("E060", "E014", "E034")


# ---------------------------------------------------------------- number literals


@pytest.mark.parametrize("digits", ["1" + "0" * 309, "9" * 400, "9" * 5000, "1000000000000000", "5.0000000000000001",
                                    "0.1234567890123456", "123456789012.3456"])
def test_a_literal_the_back_ends_cannot_hold_is_refused(digits: str) -> None:
    found = codes(BASE.replace("<= 5", f"<= {digits}"))
    assert found == [("E063", 6, 35)]


@pytest.mark.parametrize("digits", ["999999999999999", "0.000000000000001", "123456789012.345", "0.5", "007"])
def test_literals_within_a_double_are_accepted(digits: str) -> None:
    assert codes(BASE.replace("from 0 to 100", "").replace("<= 5", f"<= {digits}")) == []


def test_the_e063_message_abridges_a_long_literal() -> None:
    _, [diagnostic] = parse_with_diagnostics(BASE.replace("<= 5", "<= " + "9" * 5000), "x.eligo")
    assert diagnostic.message == "the number 9999999999…999999 (5000 characters) has more digits than Eligo computes with"


def test_ranges_and_negative_literals_are_held_to_the_same_limit() -> None:
    assert codes(BASE.replace("from 0 to 100", "from 0 to " + "1" + "0" * 400)) == [("E063", 4, 38)]
    assert codes(BASE.replace("<= 5", "<= -" + "1" + "0" * 400)) == [("E063", 6, 36)]
    assert codes(BASE.replace("<= 5", "<= 5" + "0" * 400 + " months")) == [("E063", 6, 35)]


def test_an_overflowing_literal_no_longer_crashes_test_fmt_or_sql(kb: Path) -> None:
    path = kb / SELECTION
    path.write_text(path.read_text(encoding="utf-8").replace("12 months", "1" + "0" * 309 + " months"), encoding="utf-8")
    for args in (["check", str(kb)], ["test", str(kb)], ["fmt", "--check", str(kb)],
                 ["sql", "demo.selection", "--kb", str(kb)]):
        code, stdout, stderr = cli(*args)
        assert code in (1, 2), (args, stdout, stderr)
        assert "E063" in stderr or "has errors" in stderr, (args, stderr)
        assert "infe0" not in stdout


def test_a_source_that_never_ends_is_refused_after_one_megabyte(tmp_path: Path) -> None:
    code, _, stderr = cli("check", "/dev/zero")
    assert code == 1 and "/dev/zero:1:1: error[E001]: this file is larger than 1 MB" in stderr
    big = tmp_path / "big.eligo"
    big.write_bytes(b"#" * 3_000_000)
    [file] = eligo.load(big).files
    assert file.module is None and [d.code for d in file.diagnostics] == ["E001"]
