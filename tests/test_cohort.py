"""`eligo cohort` and `eligo sql`: a file of patients decided in DuckDB, bad rows refused by row number, outputs
written whole or not at all, and the summary; checked against the Python evaluator row by row."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from eligo.cli.main import app
from eligo.sql import cohort as cohorts
from eligo.sql.query import SUFFIXES
from tests.cohorts import EVERYTHING, EVERYTHING_SOURCE, python_outcomes, sql_outcomes

HEADER = "id,n,m,site,grade,flag,start,stop,size,wait,share"
ROWS = [
    "1,9,,lung,,,,,,,",
    "2,3,1.5,liver,low,yes,2024-01-10,2025-01-10,3 cm,12 weeks,40",
    "3,,,,,,,,,,",
    "4,5,-2,bone,high,no,2023-12-31,2024-03-01,30 mm,2 months,55",
    "5,0,0,lung,low,TRUE,2024-01-31,2024-01-31,7,3,0",
]
runner = CliRunner()


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    path = tmp_path / "knowledge" / "test" / "g" / "1.0.0.eligo"
    path.parent.mkdir(parents=True)
    path.write_text(EVERYTHING_SOURCE)
    return tmp_path / "knowledge"


def _csv(tmp_path: Path, rows: list[str], name: str = "cohort.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _cases() -> list[dict[str, object]]:
    """ROWS as the Python evaluator reads them (quantities in text keep their unit)."""
    names = HEADER.split(",")[1:]
    out = []
    for line in ROWS:
        values = line.split(",")[1:]
        row: dict[str, object] = {}
        for name, text in zip(names, values, strict=True):
            info = EVERYTHING.inputs[name]
            if text == "":
                row[name] = None
            elif info.type.kind in ("number",) or (info.type.kind == "quantity" and " " not in text):
                row[name] = float(text) if "." in text else int(text)
            elif info.type.kind == "date":
                row[name] = dt.date.fromisoformat(text)
            else:
                row[name] = text
        out.append(row)
    return out


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_a_cohort_is_decided_as_the_python_evaluator_decides_it(kb: Path, tmp_path: Path, suffix: str) -> None:
    output = tmp_path / f"decided{suffix}"
    run = runner.invoke(app, ["cohort", "test.g", str(_csv(tmp_path, ROWS)), "-o", str(output), "--kb", str(kb)])
    assert run.exit_code == 0, run.output
    reader = {".parquet": "read_parquet", ".csv": "read_csv", ".jsonl": "read_json"}[suffix]
    with duckdb.connect() as con:
        result = con.execute(f"SELECT * FROM {reader}('{output}') ORDER BY id")
        names = [d[0] for d in result.description]
        records = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    assert names == HEADER.split(",") + [f"{d}{s}" for d in EVERYTHING.decision_names for s in SUFFIXES]
    if suffix == ".csv":  # lists are written as [a, b]
        for record in records:
            for key, value in record.items():
                if key.endswith(("_missing", "_possible")) or key == "d_collect":
                    record[key] = [v for v in (value or "").strip("[]").split(", ") if v] if value else value
    assert sql_outcomes(EVERYTHING, records) == python_outcomes(EVERYTHING, _cases())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert json.loads((tmp_path / "decided.summary.json").read_text())["rows"] == len(ROWS)


def test_the_summary_counts_outcomes_attrition_and_what_the_unknown_want(kb: Path, tmp_path: Path) -> None:
    run = runner.invoke(app, ["cohort", "test.g", str(_csv(tmp_path, ROWS)), "-o", str(tmp_path / "o.parquet"),
                              "--kb", str(kb)])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0].startswith("test.g 1.0.0: 5 patients in ") and lines[0].endswith(f"→ {tmp_path / 'o.parquet'}")
    assert lines[-1] == f"summary: {tmp_path / 'o.summary.md'}, {tmp_path / 'o.summary.json'}"
    summary = json.loads((tmp_path / "o.summary.json").read_text())["decisions"]["d_first"]
    assert summary["outcomes"] == {"a": 2, "b": 2} and summary["statuses"] == {"decided": 4, "unknown": 1}
    rules = [o["d_first"][2] for o in python_outcomes(EVERYTHING, _cases())]
    left = len(ROWS) - sum(rules.count(r) for r in ("r1", "r2", "r3", "r4", "otherwise"))
    assert left == 1 and summary["attrition"][-1] == {"rule": "otherwise", "decided": rules.count("otherwise"),
                                                      "left": 1}
    assert [(a["rule"], a["decided"]) for a in summary["attrition"]] == [
        (r, rules.count(r)) for r in ("r1", "r2", "r3", "r4", "otherwise")]
    idle = [r for r in ("r1", "r2", "r3", "r4", "otherwise") if not rules.count(r)]
    assert idle and summary["rules_deciding_no_patient"] == idle
    assert f"warning: d_first: no patient was decided by {', '.join(idle)} (`eligo verify` tells whether " in run.output
    assert summary["missing"] == {n: 1 for n in ("flag", "grade", "m", "n", "site", "start", "stop")}
    assert summary["settled_by"] == {}
    markdown = (tmp_path / "o.summary.md").read_text()
    assert markdown.startswith("# test.g 1.0.0: 5 patients\n")
    first = summary["attrition"][0]
    assert "## d_first: attrition by rule\n\n| rule | decided | left undecided |\n| --- | --- | --- |\n" \
        f"| r1 | {first['decided']} | {first['left']} |" in markdown
    assert ["r1", str(first["decided"]), str(first["left"])] in [[c for c in line.split() if c != "│"]
                                                                for line in lines]  # the Rich table, printed


def test_bad_values_are_listed_by_row_and_nothing_is_written(kb: Path, tmp_path: Path) -> None:
    output = tmp_path / "decided.csv"
    output.write_text("an earlier run\n")
    bad = [ROWS[0], "2,11,,lungs,,maybe,2024-02-30,,3 lightyears,-1 weeks,", "3,2.5,,,,,,,,,", ROWS[1]]
    run = runner.invoke(app, ["cohort", "test.g", str(_csv(tmp_path, bad)), "-o", str(output), "--kb", str(kb)])
    assert run.exit_code == 1
    assert run.output.splitlines() == [
        f"error: {tmp_path / 'cohort.csv'}: 2 of 4 rows have bad values; nothing was written (fix them, or remove "
        "those rows)",
        "  - row 2: n: 11 is above the declared range 0 to 10",
        "  - row 2: site: 'lungs' is not a value of site (did you mean `lung`?)",
        "  - row 2: flag: expected yes/no (true or false), got 'maybe'",
        "  - row 2: start: 2024-02-30 is not a real date (check the month and day)",
        "  - row 2: size: unknown unit 'lightyears' (did you mean `years`?)",
        "  - row 2: wait: -1 weeks is below the declared range 0 to 100 weeks",
        "  - row 3: n: expected a whole number, got 2.5",
    ]
    assert output.read_text() == "an earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv", "decided.csv", "knowledge"]


def test_columns_absent_from_the_file_are_missing_for_everyone(kb: Path, tmp_path: Path) -> None:
    data = tmp_path / "few.jsonl"
    data.write_text("\n".join(json.dumps({"n": n, "site": "lung"}) for n in (2, 9)) + "\n")
    summary = cohorts.run(EVERYTHING, data, tmp_path / "out.parquet")
    assert summary.rows == 2
    assert summary.absent == ("m", "grade", "flag", "start", "stop", "size", "wait", "share")
    assert summary.decisions["d_first"].outcomes == {"a": 1}
    assert summary.decisions["d_first"].statuses == {"decided": 1, "unknown": 1}


def test_progress_is_reported_per_pass(tmp_path: Path) -> None:
    seen: list[tuple[str, float]] = []
    cohorts.run(EVERYTHING, _csv(tmp_path, ROWS), tmp_path / "out.csv", lambda phase, done: seen.append((phase, done)))
    assert list(dict.fromkeys(p for p, done in seen if done == 100.0)) == ["checking", "writing"]
    assert all(0 <= done <= 100 for _, done in seen)


def test_files_that_cannot_be_read_or_written_are_refused(tmp_path: Path) -> None:
    with pytest.raises(cohorts.CohortError, match=r"cannot read \.xlsx; give CSV, Parquet or JSON lines"):
        cohorts.Cohort(EVERYTHING, tmp_path / "cohort.xlsx")
    with pytest.raises(cohorts.CohortError, match=r"nowhere\.csv: no such file"):
        cohorts.Cohort(EVERYTHING, tmp_path / "nowhere.csv")
    with pytest.raises(cohorts.CohortError, match=r"cannot write \.xml; give \.parquet, \.csv or \.jsonl"):
        cohorts.run(EVERYTHING, _csv(tmp_path, ROWS), tmp_path / "out.xml")


def test_a_memory_limit_duckdb_cannot_read_is_refused(tmp_path: Path) -> None:
    with pytest.raises(cohorts.CohortError, match="memory limit 'lots': Parser Error: Memory must have a number"):
        cohorts.Cohort(EVERYTHING, _csv(tmp_path, ROWS), memory_limit="lots")


def test_a_column_named_like_an_output_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "clash.csv"
    data.write_text("n,d_first_status\n1,x\n")
    with pytest.raises(cohorts.CohortError, match=r"the columns d_first_status would clash with the output columns"):
        cohorts.Cohort(EVERYTHING, data)


def test_a_path_with_quotes_is_a_literal_not_sql(kb: Path, tmp_path: Path) -> None:
    data = _csv(tmp_path, ROWS[:2], name="it's \"odd\".csv")
    summary = cohorts.run(EVERYTHING, data, tmp_path / "it's out.parquet")
    assert summary.rows == 2 and (tmp_path / "it's out.parquet").exists()


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres", "bigquery"])
def test_eligo_sql_prints_the_query(kb: Path, dialect: str) -> None:
    run = runner.invoke(app, ["sql", "test.g", "--dialect", dialect, "--table", "registry.cohort", "--kb", str(kb)])
    assert run.exit_code == 0, run.output
    materialized = "MATERIALIZED " if dialect == "postgres" else ""  # PostgreSQL would inline the layers
    assert run.output.startswith(f"WITH _eligo_l0 AS {materialized}(")
    assert "FROM registry.cohort" in run.output and run.output.rstrip().endswith(";")


def test_eligo_sql_refuses_an_unknown_dialect(kb: Path) -> None:
    run = runner.invoke(app, ["sql", "test.g", "--dialect", "oracle", "--kb", str(kb)])
    assert run.exit_code == 2
    assert run.output.strip() == "error: --dialect must be one of duckdb, spark, postgres, bigquery"


def test_the_installed_command_runs_a_cohort(kb: Path, tmp_path: Path) -> None:
    executable = shutil.which("eligo")
    assert executable, "the eligo console script is not installed"
    run = subprocess.run([executable, "cohort", "test.g", str(_csv(tmp_path, ROWS)), "-o", str(tmp_path / "o.jsonl"),
                          "--kb", str(kb)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [r["d_first"] for r in records] == ["a", "b", None, "b", "a"]
