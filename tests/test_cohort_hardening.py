"""`eligo cohort` refuses what would lose data or mislead before doing any work: an output that is the input, a
folder, in a missing or read-only folder; paths are paths, not globs; names that clash by letter case or with the
generated SQL's own; and temporaries never outlive the run, even one killed by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import eligo
from eligo.sql import cohort as cohorts
from tests.cohorts import EVERYTHING
from tests.test_cohort import HEADER, ROWS


def _csv(folder: Path, name: str = "cohort.csv", rows: list[str] = ROWS) -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_an_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    data = _csv(tmp_path)
    before = data.read_text()
    with pytest.raises(cohorts.CohortError, match="is the input; write the decisions to another file"):
        cohorts.run(EVERYTHING, data, tmp_path / "." / "cohort.csv")
    assert data.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv"]


def test_an_output_that_is_a_folder_or_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    data = _csv(tmp_path)
    (tmp_path / "out.parquet").mkdir()
    with pytest.raises(cohorts.CohortError, match=r"out\.parquet: is a folder; give a file name"):
        cohorts.run(EVERYTHING, data, tmp_path / "out.parquet")
    with pytest.raises(cohorts.CohortError, match=r"no such folder .*missing; create it first"):
        cohorts.run(EVERYTHING, data, tmp_path / "missing" / "out.parquet")


def test_a_read_only_place_is_refused_before_the_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _csv(tmp_path)
    place = Path("/sys/kernel") if os.geteuid() == 0 else tmp_path / "locked"  # root writes anywhere else
    if place != Path("/sys/kernel"):
        place.mkdir()
        place.chmod(0o555)
    checked: list[str] = []
    monkeypatch.setattr(cohorts.Cohort, "check", lambda self, progress=None: checked.append("ran"))
    with pytest.raises(cohorts.CohortError, match=r"cannot write in .*: Permission denied"):
        cohorts.run(EVERYTHING, data, place / "out.parquet")
    assert checked == []


def test_a_path_is_read_as_that_file_not_as_a_glob(tmp_path: Path) -> None:
    _csv(tmp_path, "q1.csv", ROWS[:1])
    literal = _csv(tmp_path, "q[1].csv", ROWS[:3])
    for name in ("star1.csv", "star2.csv", "star3.csv"):
        _csv(tmp_path, name, ROWS[:1])
    star = _csv(tmp_path, "star*.csv", ROWS[:2])
    assert cohorts.run(EVERYTHING, literal, tmp_path / "a.parquet").rows == 3
    assert cohorts.run(EVERYTHING, star, tmp_path / "b.parquet").rows == 2
    assert cohorts.run(EVERYTHING, tmp_path / "star[0-9].csv", tmp_path / "c.parquet", pattern=True).rows == 3
    with pytest.raises(cohorts.CohortError, match=r"nowhere\*\.csv: no such file \(to read several files, give "
                                                  r"--pattern and a glob\)"):
        cohorts.run(EVERYTHING, tmp_path / "nowhere*.csv", tmp_path / "d.parquet")


@pytest.mark.parametrize(("header", "message"), [
    ("n,D_First", "the columns D_First would clash with the output columns (letter case aside)"),
    ("n,d_first_MISSING", "the columns d_first_MISSING would clash with the output columns"),
    ("n,_Eligo_in_n", "the columns _Eligo_in_n use the prefix _eligo_, which the generated SQL keeps for itself"),
    ("N,site", "the columns N (input n) differ from an input's name only by letter case"),
])
def test_names_that_clash_by_letter_case_or_with_internal_names_are_refused(tmp_path: Path, header: str,
                                                                            message: str) -> None:
    data = tmp_path / "clash.csv"
    data.write_text(header + "\n" + ",".join("1" for _ in header.split(",")) + "\n")
    with pytest.raises(cohorts.CohortError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cohorts.run(EVERYTHING, data, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_criteria_columns_clash_too(tmp_path: Path) -> None:
    data = tmp_path / "clash.csv"
    data.write_text("n,D_FIRST__R1\n1,x\n")
    with pytest.raises(cohorts.CohortError, match="the columns D_FIRST__R1 would clash with the output columns"):
        cohorts.run(EVERYTHING, data, tmp_path / "out.parquet", criteria=True)


_KILLED = """
import os, signal, sys
from pathlib import Path
from eligo.sql.outputs import Output
output = Output(Path(sys.argv[1]))
print(output.temporary, flush=True)
os.kill(os.getpid(), signal.SIGTERM)
"""


def test_a_process_killed_mid_write_leaves_no_temporary(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", _KILLED, str(tmp_path / "out.parquet")], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == -signal.SIGTERM
    assert Path(run.stdout.strip()).name.endswith(".eligo-tmp") and list(tmp_path.iterdir()) == []


def test_a_temporary_left_by_a_process_killed_outright_is_removed_by_the_next_run(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.parquet.{dead.stdout.strip()}.eligo-tmp"
    stale.write_bytes(b"half a parquet file")
    other = tmp_path / f".other.parquet.{dead.stdout.strip()}.eligo-tmp"
    other.write_bytes(b"not ours to remove")
    cohorts.run(EVERYTHING, _csv(tmp_path), tmp_path / "out.parquet")
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "cohort.csv", "out.parquet", "out.summary.json", "out.summary.md"]


def test_output_columns_that_would_share_a_name_are_refused(tmp_path: Path) -> None:
    from tests.eligo_helpers import guideline

    clashing = guideline("""
        input x: count from 0 to 10, optional
        define d__r1: x > 3
        decision d: a | b
          rule r1: when x > 2 then a
          otherwise b
        decision d_Status: a | b
          rule r1: when x > 2 then a
          otherwise b
    """)
    data = tmp_path / "x.csv"
    data.write_text("x\n1\n")
    with pytest.raises(cohorts.CohortError, match="the output columns d_status and d_Status would have the same name"):
        cohorts.run(clashing, data, tmp_path / "out.parquet")


@pytest.mark.parametrize(("flags", "message"), [
    (["--engine", "oracle"], "error: --engine must be duckdb or spark"),
    (["--master", "local[1]"], "error: --master is for --engine spark"),
    (["--compare", "1.0.0", "1.0.0", "--version", "1.0.0"], "error: --compare names both versions; give no "
                                                             "--version or --as-of"),
    (["--compare", "1.0.0", "9.9.9"], "error: "),
])
def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path, flags: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from eligo.cli.main import app
    from tests.cohorts import EVERYTHING_SOURCE

    folder = tmp_path / "knowledge" / "test" / "g"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(EVERYTHING_SOURCE)
    run = CliRunner().invoke(app, ["cohort", "test.g", str(_csv(tmp_path)), "-o", str(tmp_path / "o.parquet"), *flags,
                                   "--kb", str(tmp_path / "knowledge")])
    assert run.exit_code == 2 and run.output.startswith(message) and "Traceback" not in run.output
    assert not (tmp_path / "o.parquet").exists()


def test_eligo_sql_prints_the_criteria_columns() -> None:
    import sqlglot
    from typer.testing import CliRunner

    from eligo.cli.main import app

    run = CliRunner().invoke(app, ["sql", "sarcoma.pulmonary_metastasectomy", "--dialect", "spark", "--criteria",
                                   "--kb", str(Path(__file__).resolve().parent.parent / "knowledge")])
    assert run.exit_code == 0, run.output
    names = [e.alias_or_name for e in sqlglot.parse_one(run.output.rstrip().rstrip(";"), read="spark").expressions]
    from eligo.sql.criteria import criteria_names
    from tests.test_differential import GUIDELINES

    latest = [g for g in GUIDELINES if g.id == "sarcoma.pulmonary_metastasectomy"][-1]
    assert names[-len(criteria_names(latest)):] == criteria_names(latest)


def test_a_csv_is_read_as_the_python_case_reader_reads_values(tmp_path: Path) -> None:
    """One reader for case values: spellings `eligo eval` refuses (a date not written YYYY-MM-DD, `1e0` for a count)
    are refused in a CSV too, with their row and field, instead of being guessed by DuckDB's CSV sniffer."""
    kb = eligo.load(Path(__file__).resolve().parent / "fixtures" / "kb")
    g = kb.guideline("demo.selection")
    data = tmp_path / "registry.csv"
    data.write_text("lesion_count,organ_count,treatment_completed,recurrence_detected\n"
                    "2,1,2024-1-10,2025-07-10\n2,1,2024-01-10,2025-07-10\n1e0,1,2024-01-10,2025-07-10\n")
    for bad in ({"treatment_completed": "2024-1-10"}, {"lesion_count": "1e0"}):
        with pytest.raises(eligo.CaseError):
            g.evaluate({"lesion_count": 2, "organ_count": 1, "treatment_completed": "2024-01-10", **bad})
    with pytest.raises(cohorts.CohortError) as refused:
        cohorts.run(g, data, tmp_path / "out.parquet")
    text = str(refused.value)
    assert "row 1: treatment_completed: expected a date written YYYY-MM-DD, got '2024-1-10'" in text
    assert "row 3: lesion_count: '1e0' is not a count" in text
    assert not (tmp_path / "out.parquet").exists()
