"""`eligo js` as a command: the module it prints runs in Node and answers as `eligo eval --json` does; a bad
guideline, version or output is refused with exit 2 and a message (never a traceback); `-o` writes atomically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "kb"
NODE = shutil.which("node")
CASE = {"lesion_count": 2, "organ_count": 1, "treatment_completed": "2024-01-10"}


def eligo(*args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eligo", *args], cwd=cwd, capture_output=True, text=True,
                          input=stdin, timeout=120, check=False)


@pytest.mark.skipif(NODE is None, reason="Node is not installed")
def test_the_printed_module_answers_as_eligo_eval_json_does(tmp_path: Path) -> None:
    made = eligo("js", "demo.selection", "--kb", str(FIXTURE))
    assert made.returncode == 0, made.stderr
    module = tmp_path / "demo.mjs"
    module.write_text(made.stdout, encoding="utf-8")
    (tmp_path / "run.mjs").write_text(
        "import { evaluate, guideline, inputs, decisions } from './demo.mjs';\n"
        f"const result = evaluate({json.dumps(CASE)});\n"
        "console.log(JSON.stringify({ result, guideline, inputs: inputs.map((i) => i.name), decisions }));\n",
        encoding="utf-8")
    ran = subprocess.run([NODE or "node", "run.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         check=False)
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout)
    evaluated = eligo("eval", "demo.selection", "--case", "-", "--json", "--kb", str(FIXTURE), stdin=json.dumps(CASE))
    assert evaluated.returncode == 0, evaluated.stderr
    want = json.loads(evaluated.stdout)
    want.pop("trace")
    assert got["result"] == want
    assert got["result"]["decisions"]["surgery"]["missing"] == ["recurrence_detected"]
    assert (got["guideline"]["id"], got["guideline"]["version"], got["guideline"]["sha256"]) == \
        ("demo.selection", "1.0.0", want["sha256"])
    assert got["decisions"] == ["surgery"] and "recurrence_detected" in got["inputs"]


@pytest.mark.parametrize(("args", "message"), [
    (("js", "demo.selektion"), "no guideline `demo.selektion`"),
    (("js", "demo.selection", "--version", "9.9.9"), "demo.selection has no version 9.9.9; it has 1.0.0"),
    (("js", "demo.selection", "--version", "1.0.0", "--as-of", "2025-01-01"), "give either --version or --as-of"),
    (("js", "demo.selection", "--as-of", "01/01/2025"), "is not a date written YYYY-MM-DD"),
    (("js", "demo.selection", "-o", "no/such/folder/out.mjs"), "does not exist"),
    (("js", "demo.selection", "-o", "."), "is a folder"),
])
def test_bad_arguments_are_refused_with_a_message(args: tuple[str, ...], message: str) -> None:
    done = eligo(*args, "--kb", str(FIXTURE))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""


def test_output_is_written_atomically_and_replaces_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "demo.mjs"
    target.write_text("old", encoding="utf-8")
    done = eligo("js", "demo.selection", "--kb", str(FIXTURE), "-o", str(target))
    assert done.returncode == 0, done.stderr
    printed = eligo("js", "demo.selection", "--kb", str(FIXTURE)).stdout
    assert target.read_text(encoding="utf-8") == printed
    assert "wrote" in done.stderr and done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.mjs"]  # no temporary left beside it


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_output_is_refused_and_leaves_the_old_file(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / "demo.mjs"
    target.write_text("old", encoding="utf-8")
    folder.chmod(0o500)
    try:
        done = eligo("js", "demo.selection", "--kb", str(FIXTURE), "-o", str(target))
    finally:
        folder.chmod(0o700)
    assert done.returncode == 2 and "cannot write" in done.stderr and "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8") == "old"
