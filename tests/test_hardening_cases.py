"""Attacks on case input: every hostile case file or value is refused with the field named, never a crash.

The same reader serves the API (`eligo.read_case`, `Guideline.evaluate`), `eligo eval` and `eligo cases`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import eligo
from eligo.case_files import MAX_CASE_BYTES, MAX_DEPTH, MAX_DIGITS
from eligo.cases import MAX_EXACT, MAX_PROBLEMS, CaseValueError, convert, normalise, read_date
from eligo.cli.main import app

GUIDELINE = """guideline demo.hostile
  version 1.0.0
  status approved
  effective 2025-01-01

kind site: colorectal | renal | no
input lesions: count
input cea: number
input size: quantity in mm
input seen: date
input fit: yes/no
input primary: site

decision surgery: candidate | not_candidate
  rule many: when lesions > 5 then not_candidate
  otherwise candidate
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "knowledge"
    (root / "demo" / "hostile").mkdir(parents=True)
    (root / "demo" / "hostile" / "1.0.0.eligo").write_text(GUIDELINE, encoding="utf-8")
    (root / "eligo.toml").write_text("", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def guideline(kb: Path) -> eligo.Guideline:
    compiled: eligo.Guideline = eligo.load(kb).guideline("demo.hostile")
    return compiled


def refused(guideline: eligo.Guideline, case: object) -> list[str]:
    with pytest.raises(eligo.CaseError) as caught:
        guideline.evaluate(case)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def file_refused(tmp_path: Path, name: str, content: bytes) -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(eligo.CaseError) as caught:
        eligo.read_case(path)
    assert caught.value.source == str(path)
    return [str(p) for p in caught.value.problems]


# ---------------------------------------------------------------- values


def test_a_count_of_ten_to_the_400_is_refused_not_crashed(guideline: eligo.Guideline) -> None:
    assert refused(guideline, {"lesions": 10**400}) == [
        f"lesions: a number of 401 digits is too large for a count (at most {MAX_EXACT:,})"]
    assert refused(guideline, {"lesions": 2**53 + 1}) == [
        f"lesions: 9007199254740993 is too large for a count (at most {MAX_EXACT:,})"]
    assert guideline.evaluate({"lesions": 2**53})["surgery"].value == "not_candidate"


def test_huge_numbers_are_refused_for_numbers_and_quantities_too(guideline: eligo.Guideline) -> None:
    assert refused(guideline, {"cea": 10**400}) == ["cea: a number of 401 digits is too large for a number "
                                                    "(give a finite number)"]
    assert refused(guideline, {"cea": float("inf")}) == ["cea: expected a finite number, got inf"]
    assert refused(guideline, {"size": {"value": 1e308, "unit": "m"}}) == [
        "size: {\"value\": 1e+308, \"unit\": \"m\"} is too large (give a finite number)"]
    assert refused(guideline, {"size": 10**400})[0].startswith("size: a number of 401 digits is too large")


def test_a_huge_float_from_json_text_is_infinite_and_refused(guideline: eligo.Guideline) -> None:
    case = eligo.read_case("case.json", '{"cea": 1' + "0" * 400 + ".5}")
    assert refused(guideline, case) == ["cea: expected a finite number, got inf"]


def test_look_alike_digits_in_values_are_not_numbers(guideline: eligo.Guideline) -> None:
    assert refused(guideline, {"size": "１２ mm"}) == [
        "size: expected a length such as \"18 mm\" or a number in mm, got '１２ mm'"]
    assert refused(guideline, {"seen": "２０２４-01-10"}) == ["seen: expected a date written YYYY-MM-DD, got '２０２４-01-10'"]


@pytest.mark.parametrize("spelling", ["20240110", "2024-W02-3", "2024-1-10", "10/01/2024", "2024-01-10T00:00"])
def test_one_date_spelling_everywhere(guideline: eligo.Guideline, spelling: str) -> None:
    """`date.fromisoformat` accepts 20240110 and week dates; the one reader (also the cohort's) does not."""
    assert refused(guideline, {"seen": spelling}) == [f"seen: expected a date written YYYY-MM-DD, got {spelling!r}"]


def test_impossible_dates_name_the_field(guideline: eligo.Guideline) -> None:
    assert refused(guideline, {"seen": "2024-02-30"}) == ["seen: 2024-02-30 is not a real date (check the month and day)"]
    assert read_date(" 2024-02-29 ").isoformat() == "2024-02-29"


def test_convert_raises_a_value_error_with_fields(guideline: eligo.Guideline) -> None:
    with pytest.raises(CaseValueError) as caught:
        convert(guideline.inputs["primary"], "colorectl")
    assert (caught.value.message, caught.value.hint) == ("'colorectl' is not a value of site", "did you mean `colorectal`?")
    assert str(caught.value) == "'colorectl' is not a value of site (did you mean `colorectal`?)"


def test_a_case_of_two_hundred_thousand_unknown_fields_lists_fifty_and_counts_the_rest(guideline: eligo.Guideline) -> None:
    case = {f"field_{i}": i for i in range(200_000)}
    with pytest.raises(eligo.CaseError) as caught:
        guideline.evaluate(case)
    error = caught.value
    assert len(error.problems) == MAX_PROBLEMS and error.more == 200_000 - MAX_PROBLEMS
    text = str(error)
    assert text.startswith("case was refused (200000 problems):\n  - field_0: is not an input of this guideline")
    assert text.endswith(f"\n  - … and {200_000 - MAX_PROBLEMS} more") and len(text) < 5_000


def test_fields_that_are_not_inputs_can_be_ignored(guideline: eligo.Guideline) -> None:
    assert normalise(guideline.inputs, {"patient_id": "P-17", "lesions": 2}, ignore_unknown=True) == {"lesions": 2}
    assert refused(guideline, {"patient_id": "P-17"}) == ["patient_id: is not an input of this guideline"]


def test_a_case_that_is_not_a_mapping_is_refused(guideline: eligo.Guideline) -> None:
    assert refused(guideline, [1, 2]) == ["(case): a case must map input names to values, got [1, 2]"]


# ---------------------------------------------------------------- files


def test_binary_latin1_and_utf16_files_are_refused_with_the_place(tmp_path: Path) -> None:
    assert file_refused(tmp_path, "a.json", b"\x89PNG\r\n\x1a\n\x00\x00") == [
        "(file): is not text (a NUL byte at byte 9); give a JSON or YAML file"]
    assert file_refused(tmp_path, "b.yaml", "lesions: 2\nprimary: rénal\n".encode("latin-1")) == [
        "(file): is not UTF-8 text: byte 0xE9 at line 2, column 11 (is it Latin-1 or Windows-1252? save it as UTF-8)"]
    assert file_refused(tmp_path, "c.json", '{"lesions": 2}'.encode("utf-16")) == [
        "(file): is UTF-16 (or UTF-32) text; save it as UTF-8"]


def test_a_utf8_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"lesions": 2}')
    assert eligo.read_case(path) == {"lesions": 2}


def test_a_hundred_thousand_nested_brackets_are_refused_without_recursion(tmp_path: Path) -> None:
    for name in ("deep.json", "deep.yaml"):
        assert file_refused(tmp_path, name, b'{"lesions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}") == [
            "(file): is nested 100001 levels deep; a case holds one value (or a value and a unit) per input"]
    assert file_refused(tmp_path, "deep2.yaml", b"a:\n" + b"".join(b" " * i + b"b:\n" for i in range(1, 40))) == [
        "(file): is nested 39 levels deep; a case holds one value (or a value and a unit) per input"]
    assert MAX_DEPTH < 39


def test_a_file_over_one_megabyte_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    content = b"{" + b",".join(b'"f%d": 1' % i for i in range(200_000)) + b"}"
    assert len(content) > MAX_CASE_BYTES
    assert file_refused(tmp_path, "big.json", content) == [
        "(file): is larger than 1 MB, which no case needs (one patient, a field per input)"]


@pytest.mark.parametrize(("name", "content"), [("dup.json", b'{"lesions": 1, "lesions": 9}'),
                                               ("dup.yaml", b"lesions: 1\nlesions: 9\n")])
def test_duplicate_fields_are_refused_not_last_wins(tmp_path: Path, name: str, content: bytes) -> None:
    [problem] = file_refused(tmp_path, name, content)
    assert problem.startswith("(file): the field 'lesions' is given twice")


def test_yaml_reads_what_the_author_wrote(guideline: eligo.Guideline) -> None:
    """YAML 1.1 would read `no` as false, `010` as 8, `1:30` as 90 and a date as a date object."""
    case = eligo.read_case("case.yaml", "primary: no\nlesions: 010\ncea: 1:30\nseen: 2024-01-10\nfit: yes\n")
    assert case == {"primary": "no", "lesions": 10, "cea": "1:30", "seen": "2024-01-10", "fit": "yes"}
    assert refused(guideline, case) == ["cea: expected a number, got '1:30'"]
    assert normalise(guideline.inputs, {k: v for k, v in case.items() if k != "cea"})["primary"] == "no"


def test_impossible_yaml_dates_name_the_field(guideline: eligo.Guideline) -> None:
    case = eligo.read_case("case.yaml", "seen: 2024-02-30\n")
    assert refused(guideline, case) == ["seen: 2024-02-30 is not a real date (check the month and day)"]


@pytest.mark.parametrize(("content", "problem"), [
    ("lesions: !!binary aGVsbG8=\n", "(file): the YAML tag binary at line 1 is not allowed in a case; write the value plainly"),
    ("lesions: !!timestamp 2024-01-10\n", "(file): the YAML tag timestamp at line 1 is not allowed in a case; "
                                         "write the value plainly"),
    ("lesions: !!python/object:os.system ls\n", "(file): is not valid YAML: could not determine a constructor for the "
                                                "tag 'tag:yaml.org,2002:python/object:os.system' at line 1, column 10"),
    ("a: 1\n---\nb: 2\n", "(file): holds 2 YAML documents; a case file holds one case"),
    ("- 1\n- 2\n", "(file): a case must be an object mapping input names to values, got a list"),
    ('{"lesions": NaN}', "(file): NaN is not a JSON number; give a finite number"),
    ('{"lesions": ' + "9" * 5000 + "}", f"(file): a number has 5000 digits; numbers in a case have at most {MAX_DIGITS}"),
    ("a: &x [*x]\n", "(file): uses a YAML alias at line 1; write each value out (a case needs no references, and "
                     "aliases can multiply a small file into a huge value)"),
], ids=lambda value: value[:24] if isinstance(value, str) else None)
def test_hostile_yaml_and_json(tmp_path: Path, content: str, problem: str) -> None:
    suffix = ".json" if content.startswith("{") else ".yaml"
    assert file_refused(tmp_path, "hostile" + suffix, content.encode()) == [problem]


@given(st.binary(max_size=300))
def test_any_bytes_are_a_case_or_a_case_error(content: bytes) -> None:
    for name in ("x.json", "x.yaml"):
        try:
            case = eligo.read_case(name, content)
        except eligo.CaseError as error:
            assert error.problems and error.problems[0].field == "(file)"
        else:
            assert isinstance(case, dict)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=10))
def test_any_value_for_any_input_is_converted_or_refused_by_name(value: object) -> None:
    compiled = _compiled()
    for name in compiled.inputs:
        try:
            compiled.evaluate({name: value}, trace=False)
        except eligo.CaseError as error:
            assert [p.field for p in error.problems] == [name]


_CACHE: dict[str, eligo.Guideline] = {}


def _compiled() -> eligo.Guideline:
    if "g" not in _CACHE:
        _CACHE["g"] = eligo.KnowledgeBase.from_texts({"demo/hostile/1.0.0.eligo": GUIDELINE}).guideline("demo.hostile")
    return _CACHE["g"]


# ---------------------------------------------------------------- through the command line


def test_eval_refuses_hostile_files_with_exit_2_naming_the_file(kb: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for name, content in [("l1.json", '{"primary": "rénal"}'.encode("latin-1")), ("d.yaml", b"seen: 2024-02-30\n"),
                          ("n.json", b'{"lesions": ' + b"1" + b"0" * 400 + b"}"), ("x.yaml", b"a: 1\na: 2\n")]:
        path = tmp_path / name
        path.write_bytes(content)
        result = runner.invoke(app, ["eval", "demo.hostile", "--case", str(path), "--kb", str(kb)])
        assert result.exit_code == 2, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert f"error: {path} was refused (1 problem):" in result.stderr


def test_eval_reads_standard_input_as_bytes_and_ignores_unknown_fields_on_request(kb: Path) -> None:
    runner = CliRunner()
    case = json.dumps({"patient_id": "P-17", "lesions": 9})
    refused_run = runner.invoke(app, ["eval", "demo.hostile", "--case", "-", "--kb", str(kb)], input=case)
    assert refused_run.exit_code == 2
    assert "patient_id: is not an input of this guideline" in refused_run.stderr
    run = runner.invoke(app, ["eval", "demo.hostile", "--case", "-", "--kb", str(kb), "--ignore-unknown"], input=case)
    assert run.exit_code == 0, run.output
    assert run.stdout == "surgery: not_candidate by rule many\n"
    binary = runner.invoke(app, ["eval", "demo.hostile", "--case", "-", "--kb", str(kb)], input=b"\xff\xfe\x00x")
    assert binary.exit_code == 2 and "<stdin> was refused" in binary.stderr


def test_cases_reports_a_hostile_case_file_and_goes_on(kb: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(kb, root)
    folder = root / "cases" / "demo.hostile"
    folder.mkdir(parents=True)
    (folder / "good.json").write_text('{"lesions": 2}', encoding="utf-8")
    (folder / "bad.json").write_bytes(b'{"lesions": 1, "lesions": 2}')
    run = CliRunner().invoke(app, ["cases", str(root)])
    assert run.exit_code == 1
    assert f"{folder / 'bad.json'} was refused (1 problem):\n  - (file): the field 'lesions' is given twice" in run.stderr
    assert "good" in run.stdout and "candidate" in run.stdout


@pytest.mark.parametrize(("text", "number"), [("12", 12.0), (" 12.5 ", 12.5), ("-3", -3.0), ("１２", None), ("1_000", None),
                                              ("0x1A", None), ("1e400", None), ("inf", None), ("12.", None), ("", None)])
def test_numbers_written_as_text_are_read_one_way(text: str, number: float | None) -> None:
    from eligo.cases import number_from_text

    assert number_from_text(text) == number


@pytest.mark.parametrize("spelling", ["\t2024-01-10", "2024-01-10\n"])
def test_only_spaces_around_a_date_are_ignored_as_sql_trim_does(guideline: eligo.Guideline, spelling: str) -> None:
    assert refused(guideline, {"seen": spelling}) == [f"seen: expected a date written YYYY-MM-DD, got {spelling!r}"]


def test_a_huge_count_in_a_file_is_refused_naming_its_field(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_text('{"lesions": 1' + "0" * 400 + "}", encoding="utf-8")
    with pytest.raises(eligo.CaseError) as caught:
        _compiled().evaluate(eligo.read_case(path))
    assert [str(p) for p in caught.value.problems] == [
        f"lesions: a number of 401 digits is too large for a count (at most {MAX_EXACT:,})"]


def test_yaml_aliases_are_refused_so_a_small_file_cannot_become_a_huge_value() -> None:
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nlesions: *b\n"
    with pytest.raises(eligo.CaseError) as caught:
        eligo.read_case("laughs.yaml", laughs)
    assert [str(p) for p in caught.value.problems] == [
        "(file): uses a YAML alias at line 2; write each value out (a case needs no references, and aliases can "
        "multiply a small file into a huge value)"]


def test_a_value_sharing_its_parts_is_shown_short(guideline: eligo.Guideline) -> None:
    value: list[object] = ["lol"] * 8
    for _ in range(9):
        value = [value] * 8  # 8**10 leaves through shared lists: as the API could be given
    [problem] = refused(guideline, {"lesions": value})
    assert problem.startswith("lesions: expected a whole number, got [[[...]") and len(problem) < 120
