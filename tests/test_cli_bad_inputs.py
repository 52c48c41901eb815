"""Every command on every bad input exits 0, 1 or 2 with a message, never a traceback (run in-process)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligo.cli.main import app

FIXTURE = Path(__file__).parent / "fixtures" / "kb"
SELECTION = ("demo", "selection", "1.0.0.eligo")
LESIONS = ("core", "lesions", "1.0.0.eligo")


def _edit(relative: tuple[str, ...], change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root.joinpath(*relative)
        path.write_bytes(change(path.read_bytes()))
    return apply


def _add(relative: tuple[str, ...], content: bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root.joinpath(*relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return apply


def _folder_named_like_a_source(root: Path) -> None:
    (root / "demo" / "odd.eligo").mkdir()


def _empty(root: Path) -> None:
    shutil.rmtree(root)
    root.mkdir()


BAD_KNOWLEDGE_BASES: dict[str, Callable[[Path], None]] = {
    "intact": lambda root: None,
    "latin1 source": _edit(SELECTION, lambda b: b.replace(b"Too many lesions.", "Trop de lésions.".encode("latin-1"))),
    "byte-order mark": _edit(SELECTION, lambda b: b"\xef\xbb\xbf" + b),
    "utf-16 source": _edit(LESIONS, lambda b: b.decode().encode("utf-16")),
    "binary source": _add(("demo", "junk", "1.0.0.eligo"), bytes(range(256)) * 4),
    "syntax errors": _edit(SELECTION, lambda b: b.replace(b"rule favourable:", b"rule favourable").replace(b"then", b"")),
    "look-alike version": _add(("demo", "selection", "1.0.0b.eligo"), (FIXTURE.joinpath(*SELECTION)).read_bytes()
                               .replace(b"version 1.0.0", "version 1.0.\u0660".encode())),
    "literal overflowing to infinity": _edit(SELECTION, lambda b: b.replace(b"12 months", b"1" + b"0" * 309 + b" months")),
    "literal with 5000 digits": _edit(SELECTION, lambda b: b.replace(b"12 months", b"9" * 5000 + b" months")),
    "duplicate version": _add(("demo", "copy", "1.0.0.eligo"), FIXTURE.joinpath(*SELECTION).read_bytes()),
    "undefined name": _edit(LESIONS, lambda b: b.replace(b"lesion_count <= 5", b"lesion_cuont <= 5")),
    "deep brackets": _edit(SELECTION, lambda b: b.replace(b"dfi > 12 months", b"(" * 2000 + b"dfi > 12 months" + b")" * 2000)),
    "a folder named x.eligo": _folder_named_like_a_source,
    "empty": _empty,
}

CASES: dict[str, bytes] = {
    "binary.json": bytes(range(256)),
    "latin1.yaml": "lesion_count: 2\nnote: café\n".encode("latin-1"),
    "deep.json": b"[" * 100_000,
    "dates.yaml": b"treatment_completed: 2024-02-30\n",
    "huge.json": b'{"lesion_count": 1' + b"0" * 400 + b"}",
    "duplicate.yaml": b"lesion_count: 1\nlesion_count: 2\n",
    "list.json": b"[1, 2, 3]",
    "empty.json": b"",
}


def commands(kb: Path, tmp: Path) -> list[list[str]]:
    """One invocation of every command (several for the ones taking files), against `kb`."""
    case = tmp / "case.json"
    case.write_text('{"lesion_count": 2, "organ_count": 1}', encoding="utf-8")
    cohort = tmp / "cohort.csv"
    cohort.write_text("lesion_count,organ_count,treatment_completed\n2,1,2024-01-10\nx,1e400,2024-02-30\n",
                      encoding="utf-8")
    k = str(kb)
    return [
        ["check", k], ["check", "--kb", k, "--json"], ["check", "--kb", k, "--sarif"],
        ["check", str(kb.joinpath(*SELECTION))] if kb.joinpath(*SELECTION).exists() else ["check", k],
        ["fmt", "--check", k], ["fmt", k], ["list", "--kb", k], ["list", "--kb", k, "--json"],
        ["eval", "demo.selection", "--kb", k, "--case", str(case)],
        ["eval", "demo.selection", "--kb", k, "--case", str(case), "--json", "--explain"],
        ["eval", "demo.selection", "--kb", k, "--case", str(case), "--version", "1.0.\u0660"],
        ["eval", "no.such", "--kb", k, "--case", str(case)],
        ["test", k], ["test", "--kb", k, "--json"], ["cases", k],
        ["diff", "demo.selection", "1.0.0", "2.0.0", "--kb", k],
        ["graph", "demo.selection", "--kb", k], ["graph", "demo.selection", "--kb", k, "--format", "nope"],
        ["graph", "demo.selection", "--kb", k, "--depends-on", "surgery"],
        ["sql", "demo.selection", "--kb", k], ["sql", "demo.selection", "--kb", k, "--dialect", "oracle"],
        ["cohort", "demo.selection", str(cohort), "-o", str(tmp / "out.csv"), "--kb", k, "--threads", "1"],
        ["verify", k, "--max-examples", "5", "--jobs", "1"],
        ["init", k], ["init", str(kb.joinpath(*SELECTION))], ["init", str(tmp / "new kb"), "--guideline", "no dots"],
    ]


def _assert_clean_exit(args: list[str], stdin: bytes | None = None) -> None:
    result = CliRunner().invoke(app, args, input=stdin)
    output = result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, output[-2000:])
    assert "Traceback" not in output, (args, output[-2000:])
    if result.exit_code == 2:
        assert result.stderr.strip(), (args, output[-2000:])  # says what is wrong


@pytest.mark.parametrize("variant", list(BAD_KNOWLEDGE_BASES))
def test_every_command_on_a_bad_knowledge_base_exits_cleanly(variant: str, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, root)
    BAD_KNOWLEDGE_BASES[variant](root)
    for args in commands(root, tmp_path):
        _assert_clean_exit(args)


@pytest.mark.parametrize("name", list(CASES))
def test_eval_and_cases_on_every_bad_case_exit_2_or_1(name: str, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, root)
    path = tmp_path / name
    path.write_bytes(CASES[name])
    _assert_clean_exit(["eval", "demo.selection", "--kb", str(root), "--case", str(path)])
    _assert_clean_exit(["eval", "demo.selection", "--kb", str(root), "--case", "-"], stdin=CASES[name])
    (root / "cases" / "demo.selection").mkdir(parents=True)
    shutil.copy(path, root / "cases" / "demo.selection" / (Path(name).stem + ".json"))
    _assert_clean_exit(["cases", str(root)])


@pytest.mark.parametrize("args", [
    ["check", "/no/such/folder"], ["check", "--kb", "/no/such/folder"], ["fmt", "/no/such/file.eligo"],
    ["list", "--kb", __file__], ["eval", "x", "--case", "-", "--kb", "/no/such"], ["test", "/no/such"],
    ["cases", "/no/such"], ["eval"], ["nonsense-command"], ["check", "--no-such-flag"],
])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)
