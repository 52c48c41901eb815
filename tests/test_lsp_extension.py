"""The VS Code extension (editors/vscode) with real Node and npm: the TextMate grammar against snapshots of the
shipped knowledge base (vscode-tmgrammar-snap), the `.vsix` package (vsce), and the client's JavaScript.

The npm packages come from `npm ci --prefix editors/vscode` (tests/setup/install.sh). The grammar snapshots (copies
of the shipped guidelines and their scopes) are regenerated only with the project's switch:
`ELIGO_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_lsp_extension.py`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "editors" / "vscode"
SNAPSHOTS = EXTENSION / "test" / "snapshots"
KNOWLEDGE = ROOT / "knowledge"
BIN = EXTENSION / "node_modules" / ".bin"
UPDATE = os.environ.get("ELIGO_UPDATE_SNAPSHOTS") == "1"

pytestmark = pytest.mark.skipif(not (BIN / "vsce").exists() or shutil.which("node") is None,
                                reason="needs Node and `npm ci --prefix editors/vscode` (tests/setup/install.sh)")


def _run(*command: str, cwd: Path = EXTENSION) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def _snapshot_name(source: Path) -> str:
    """`core/resection/1.0.0.eligo` -> `core.resection@1.0.0.eligo` (one flat folder of snapshots)."""
    parts = source.relative_to(KNOWLEDGE).parts
    return ".".join(parts[:-1]) + "@" + parts[-1]


def _snap(paths: list[Path], update: bool, cwd: Path = EXTENSION) -> subprocess.CompletedProcess[str]:
    return _run(str(BIN / "vscode-tmgrammar-snap"), "--scope", "source.eligo", "-g",
                str(EXTENSION / "syntaxes" / "eligo.tmLanguage.json"), *(["--updateSnapshot"] if update else []),
                *map(str, paths), cwd=cwd)


def test_the_grammar_tokenises_the_shipped_guidelines_as_their_snapshots_say(tmp_path: Path) -> None:
    """The snapshots hold copies of the shipped guidelines (taken when the snapshots were last regenerated, so
    that editing a guideline does not fail this test) beside the scopes the grammar gives each character."""
    if UPDATE:
        for old in SNAPSHOTS.glob("*.eligo*"):
            old.unlink()
        for source in sorted(KNOWLEDGE.rglob("*.eligo")):
            shutil.copyfile(source, SNAPSHOTS / _snapshot_name(source))
    cases = sorted(SNAPSHOTS.glob("*.eligo"))
    run = _snap(cases, UPDATE)
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(cases) >= 12 and all(case.with_name(case.name + ".snap").exists() for case in cases)
    snapshot = (SNAPSHOTS / "core.resection@1.0.0.eligo.snap").read_text(encoding="utf-8")
    assert "comment.line.number-sign.eligo" in snapshot and "entity.name.type.eligo" in snapshot
    assert "constant.other.outcome.eligo" in (SNAPSHOTS / "colorectal.liver_metastasectomy@1.0.0.eligo.snap").read_text(
        encoding="utf-8")


def test_the_grammar_gives_every_character_of_every_shipped_guideline_a_scope(tmp_path: Path) -> None:
    """Today's knowledge base, whatever it holds: nothing but whitespace is left as bare `source.eligo`."""
    for source in sorted(KNOWLEDGE.rglob("*.eligo")):
        shutil.copyfile(source, tmp_path / _snapshot_name(source))
    run = _snap(sorted(tmp_path.glob("*.eligo")), update=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    bare = []
    for snap in sorted(tmp_path.glob("*.snap")):
        source, covered = "", set()
        for line in [*snap.read_text(encoding="utf-8").split("\n"), ">"]:
            if line.startswith(">"):
                bare += [f"{snap.stem}: {source!r} at {i}" for i, c in enumerate(source) if not c.isspace()
                         and i not in covered]
                source, covered = line[1:], set()
            elif line.startswith("#"):
                carets, _, scopes = line[1:].partition(" source.eligo")
                if scopes.strip():
                    covered |= {i for i, c in enumerate(carets) if c == "^"}
    assert bare == []


def test_a_changed_grammar_fails_its_snapshots(tmp_path: Path) -> None:
    grammar = json.loads((EXTENSION / "syntaxes" / "eligo.tmLanguage.json").read_text(encoding="utf-8"))
    grammar["repository"]["comment"]["name"] = "comment.block.eligo"
    changed = tmp_path / "changed.tmLanguage.json"
    changed.write_text(json.dumps(grammar), encoding="utf-8")
    name = "core.resection@1.0.0.eligo"
    shutil.copyfile(SNAPSHOTS / name, tmp_path / name)
    shutil.copyfile(SNAPSHOTS / f"{name}.snap", tmp_path / f"{name}.snap")
    run = _run(str(BIN / "vscode-tmgrammar-snap"), "--scope", "source.eligo", "-g", str(changed),
               str(tmp_path / "*.eligo"), cwd=tmp_path)  # not beside package.json, whose grammar would win
    assert run.returncode != 0
    assert "comment.block.eligo" in run.stdout + run.stderr


def test_the_extension_packages_as_a_vsix_with_its_grammar_client_and_runtime_dependencies(tmp_path: Path) -> None:
    vsix = tmp_path / "eligo.vsix"
    run = _run(str(BIN / "vsce"), "package", "--skip-license", "--allow-missing-repository", "--out", str(vsix))
    assert run.returncode == 0, run.stdout + run.stderr
    names = set(zipfile.ZipFile(vsix).namelist())
    assert {"extension/package.json", "extension/extension.js", "extension/language-configuration.json",
            "extension/syntaxes/eligo.tmLanguage.json",
            "extension/node_modules/vscode-languageclient/package.json"} <= names
    assert not any(n.startswith(("extension/test/", "extension/node_modules/@vscode/vsce/",
                                 "extension/node_modules/vscode-tmgrammar-test/")) for n in names)
    manifest = json.loads(zipfile.ZipFile(vsix).read("extension/package.json"))
    language = manifest["contributes"]["languages"][0]
    assert (language["id"], language["extensions"]) == ("eligo", [".eligo"])
    assert manifest["contributes"]["grammars"][0]["scopeName"] == "source.eligo"


def test_the_client_is_valid_javascript_and_starts_eligo_lsp_from_python() -> None:
    run = _run("node", "--check", "extension.js")
    assert run.returncode == 0, run.stderr
    client = (EXTENSION / "extension.js").read_text(encoding="utf-8")
    assert '"-m", "eligo", "lsp"' in client and "ms-python.python" in client
    run = _run("node", "-e", "require.resolve('vscode-languageclient/node'); console.log('resolved')")
    assert run.stdout.strip() == "resolved", run.stderr


def test_the_language_configuration_knows_comments_brackets_and_blocks() -> None:
    configuration = json.loads((EXTENSION / "language-configuration.json").read_text(encoding="utf-8"))
    assert configuration["comments"] == {"lineComment": "#"}
    assert ["(", ")"] in configuration["brackets"] and ["{", "}"] in configuration["brackets"]
    blocks = re.compile(configuration["indentationRules"]["increaseIndentPattern"])
    assert blocks.match("decision surgery: candidate > not_candidate")
    assert blocks.match('example "Twelve months":')
    assert not blocks.match("input lesion_count: count")
