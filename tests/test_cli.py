"""The `eligo` command line, run through its real entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "kb"


def eligo(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("eligo")
    assert executable, "the eligo console script is not installed"
    return subprocess.run([executable, *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, target)
    return target


def test_check_clean_knowledge_base(kb: Path) -> None:
    run = eligo("check", str(kb))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "checked 2 files: 0 errors, 0 warnings"


def test_check_reports_position_caret_and_hint(kb: Path) -> None:
    path = kb / "demo" / "selection" / "1.0.0.eligo"
    path.write_text(path.read_text().replace("dfi > 12 months", "dfi > 12 mnths"))
    run = eligo("check", str(kb))
    assert run.returncode == 1
    assert f"{path}:20:34: error[E104]: unknown unit `mnths`" in run.stderr
    assert "\n   |" + " " * 34 + "^^^^^\n" in run.stderr
    assert "  = hint: did you mean `months`?" in run.stderr
    assert "20 |   rule favourable: when dfi > 12 months then candidate cite fong1999".replace("months", "mnths") in run.stderr


def test_test_runs_examples_and_prints_the_summary_line(kb: Path) -> None:
    run = eligo("test", str(kb))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "3 passed, 0 failed"


def test_test_reports_failures_with_trace(kb: Path) -> None:
    path = kb / "demo" / "selection" / "1.0.0.eligo"
    path.write_text(path.read_text().replace("expect surgery = candidate by rule favourable",
                                             "expect surgery = discuss"))
    run = eligo("test", str(kb))
    assert run.returncode == 1
    assert run.stdout.strip().splitlines()[-1] == "2 passed, 1 failed"
    assert "FAILED demo.selection 1.0.0: Favourable" in run.stderr
    assert "expected surgery = discuss, got decided candidate" in run.stderr
    assert "rule favourable: dfi > 12 months → yes" in run.stderr


def test_eval_json_contract(kb: Path) -> None:
    case = json.dumps({"lesion_count": 2, "organ_count": 1, "treatment_completed": "2024-01-10",
                       "recurrence_detected": "2025-07-10"})
    run = eligo("eval", "demo.selection", "--kb", str(kb), "--case", "-", "--json", stdin=case)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {"guideline", "version", "sha256", "decisions", "values", "trace"}
    assert (data["guideline"], data["version"]) == ("demo.selection", "1.0.0")
    assert data["decisions"]["surgery"] == {
        "value": "candidate", "status": "decided", "possible": ["candidate"], "missing": [], "rule": "favourable",
        "because": [], "cites": ["fong1999"],
    }
    assert data["values"]["dfi"] == 18.0
    assert any(step["kind"] == "rule" and step["rule"] == "favourable" and step["value"] is True
               for step in data["trace"])


def test_eval_explain_reads_as_prose(kb: Path, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("lesion_count: 9\norgan_count: 1\ntreatment_completed: 2024-01-10\n")
    run = eligo("eval", "demo.selection", "--kb", str(kb), "-c", str(case), "--explain")
    assert run.returncode == 0, run.stderr
    # the prose of eligo.docs.explain (issue 15 changes the output deliberately from Result.explain()'s dump)
    assert "Surgery: not candidate (by rule too many)." in run.stdout
    assert "Because Too many lesions." in run.stdout
    assert "Sources: fong1999: Fong Y, et al. Ann Surg 1999;230:309-18" in run.stdout
    assert "lesion count is 9, more than 5" in run.stdout and "`" not in run.stdout


def test_eval_refuses_misspelt_and_mistyped_fields(kb: Path) -> None:
    case = json.dumps({"lesion_cuont": 2, "organ_count": "one", "treatment_completed": "2024-01-10"})
    run = eligo("eval", "demo.selection", "--kb", str(kb), "-c", "-", stdin=case)
    assert run.returncode == 2
    assert "lesion_cuont: is not an input of this guideline (did you mean `lesion_count`?)" in run.stderr
    assert "organ_count: expected a whole number, got 'one'" in run.stderr
    assert run.stdout == ""


def test_eval_unknown_guideline_is_a_usage_error(kb: Path) -> None:
    run = eligo("eval", "demo.selectoin", "--kb", str(kb), "-c", "-", stdin="{}")
    assert run.returncode == 2
    assert "no guideline `demo.selectoin` in this knowledge base; did you mean `demo.selection`?" in run.stderr


def test_list_json(kb: Path) -> None:
    run = eligo("list", "--kb", str(kb), "--json")
    assert run.returncode == 0, run.stderr
    rows = {row["id"]: row for row in json.loads(run.stdout)}
    demo = rows["demo.selection"]
    assert (demo["version"], demo["status"], demo["effective"], demo["title"]) == (
        "1.0.0", "approved", "2025-01-01", "Demo selection")
    assert demo["inputs"]["lesion_count"] == {"type": "count", "unit": None, "optional": False}
    assert demo["inputs"]["recurrence_detected"] == {"type": "date", "unit": None, "optional": True}


@pytest.mark.parametrize(("fmt", "marker"), [("mermaid", "flowchart LR"), ("dot", "digraph eligo {"),
                                             ("json", '"edges"')])
def test_graph_formats(kb: Path, fmt: str, marker: str) -> None:
    run = eligo("graph", "demo.selection", "--kb", str(kb), "--format", fmt)
    assert run.returncode == 0, run.stderr
    assert marker in run.stdout
    assert "surgery" in run.stdout


def test_graph_queries(kb: Path) -> None:
    depends = eligo("graph", "demo.selection", "--kb", str(kb), "--depends-on", "surgery").stdout.splitlines()
    assert "input      lesion_count" in depends and "definition dfi" in depends
    assert eligo("graph", "demo.selection", "--kb", str(kb), "--affected-by", "organ_count").stdout.split() == [
        "surgery"]
    order = eligo("graph", "demo.selection", "--kb", str(kb), "--order").stdout.split()
    assert order.index("dfi") < order.index("surgery")
    assert order.index("core.lesions.oligometastatic") < order.index("surgery")


def test_test_fails_when_a_file_does_not_parse(kb: Path) -> None:
    path = kb / "core" / "lesions" / "1.0.0.eligo"
    path.write_text(path.read_text().replace("define oligometastatic:", "define oligometastatic"))
    run = eligo("test", str(kb))
    assert run.returncode == 1
    assert f"FAILED {path}: the file has syntax errors, so none of its examples ran" in run.stderr
    assert "hint: if it is declared in" in run.stderr and "fix the syntax errors there first" in run.stderr
    assert run.stdout.strip().splitlines()[-1] == "0 passed, 4 failed"


def test_diff_names_the_threshold_change_and_the_cases_it_moves() -> None:
    root = Path(__file__).parent.parent
    run = eligo("diff", "sarcoma.pulmonary_metastasectomy", "1.0.0", "2.0.0", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "12 months → 24 months" in run.stdout
    # The case files give the lesion list of 3.0.0, which neither version reads: the DFI change shows as a value
    # change for the case file, and the decision change through each version's example of an 18-month DFI.
    assert "case three_nodules_dfi_18_months.json: favourable_dfi yes → no" in run.stdout
    assert ('example "A DFI of 18 months: favourable in version 1" (1.0.0): pulmonary_metastasectomy candidate → '
            "discuss_at_tumour_board") in run.stdout
    missing = eligo("diff", "sarcoma.pulmonary_metastasectomy", "1.0.0", "4.0.0", cwd=root)
    assert missing.returncode == 2
    assert "has no version 4.0.0; it has 1.0.0, 2.0.0, 3.0.0" in missing.stderr
