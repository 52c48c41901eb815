"""DuckDB and the Python evaluator agree on every output column of a cohort, `--criteria` and `--compare`
included, on generated cohorts with missing values for every guideline in knowledge/ (Spark: test_spark.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

import eligo
from eligo.cli.main import app
from eligo.sql import criteria as criteria_columns
from eligo.sql import frames
from eligo.sql.plan import CohortError
from eligo.sql.query import SUFFIXES
from eligo.sql.summary import CHANGED, WAS
from tests.cohorts import EVERYTHING, EVERYTHING_SOURCE, arrow_table, sample
from tests.eligo_helpers import kb
from tests.test_differential import GUIDELINES

V2_SOURCE = (EVERYTHING_SOURCE.replace("version 1.0.0", "version 2.0.0").replace("lung     3", "lung     2")
             .replace("rule g1: when neg_m < -2", "rule g1: when neg_m < -1"))
TWO = kb(EVERYTHING_SOURCE, V2_SOURCE)
EVERYTHING_1, EVERYTHING_2 = TWO.guideline("test.g", version="1.0.0"), TWO.guideline("test.g", version="2.0.0")


def earlier(guideline: eligo.Guideline) -> eligo.Guideline:
    """The version before `guideline` among those tested, else itself (so every guideline runs --compare)."""
    if guideline is EVERYTHING_2:
        return EVERYTHING_1
    versions = [g for g in GUIDELINES if g.id == guideline.id and g.version < guideline.version]
    return versions[-1] if versions else guideline


def _decision(result: Any) -> dict[str, object]:
    """One Python decision result as the SQL columns hold it (only the columns the SQL back end writes)."""
    columns = {"": result.value, "_status": result.status, "_rule": result.rule,
               "_missing": result.missing or None if result.status == "unknown" else None,
               "_possible": result.possible or None}
    return {suffix: columns[suffix] for suffix in SUFFIXES if suffix in columns}


def expected(guideline: eligo.Guideline, cohort: Sequence[dict[str, Any]], against: eligo.Guideline | None = None,
             criteria: bool = False) -> list[dict[str, object]]:
    """Every output column of every row, from the Python evaluator (three-valued, as SQL computes unknowns)."""
    rows = []
    for case in cohort:
        given = {k: v for k, v in case.items() if v is not None}
        now = guideline.evaluate(given, trace=False, exact=False)
        row: dict[str, object] = {}
        for name, result in now.decisions.items():
            row.update({f"{name}{s}": v for s, v in _decision(result).items()})
        if criteria:
            row.update(criteria_columns.python_criteria(guideline, guideline.prepare(given)))
        if against is not None:
            was = against.evaluate({k: v for k, v in given.items() if k in against.inputs}, trace=False,
                                   exact=False)  # each version reads its own columns (a lesion list is new in 2.0.0)
            for name, result in was.decisions.items():
                row.update({f"{name}{s}{WAS}": v for s, v in _decision(result).items()})
                if name in now.decisions:
                    before, after = result, now.decisions[name]
                    row[f"{name}{CHANGED}"] = (before.value, before.status) != (after.value, after.status)
        rows.append(row)
    return rows


def normalised(records: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[dict[str, object]]:
    """Engine rows restricted to `columns`, lists as tuples and numbers rounded (engines sum in another order)."""
    def value(v: Any) -> object:
        if isinstance(v, (list, tuple)):
            return tuple(v) or None
        if isinstance(v, float):
            return round(v, 9)
        return v
    return [{c: value(r[c]) for c in columns} for r in records]


def agree(records: Sequence[dict[str, Any]], want: list[dict[str, object]]) -> list[str]:
    """The disagreements between engine rows and the Python evaluator's, column by column (none expected)."""
    columns = list(want[0]) if want else []
    got, wanted = normalised(records, columns), normalised(want, columns)
    return [f"row {i} {c}: engine {g[c]!r} python {w[c]!r}" for i, (g, w) in enumerate(zip(got, wanted, strict=True))
            for c in columns if g[c] != w[c]]


def duckdb_records(relation: duckdb.DuckDBPyRelation) -> list[dict[str, Any]]:
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


@pytest.mark.parametrize("guideline", [EVERYTHING_2, *GUIDELINES], ids=lambda g: f"{g.id}@{g.version}")
def test_duckdb_and_python_agree_on_every_column_with_criteria_and_compare(guideline: eligo.Guideline) -> None:
    cohort = sample(guideline, 100, seed=11)
    against = earlier(guideline)
    with duckdb.connect() as con:
        relation = con.from_arrow(arrow_table(guideline, cohort) if against is guideline else
                                  _union_table(guideline, against, cohort))
        decided = frames.decide_duckdb(guideline, relation, criteria=True, against=against, changed_only=False)
        records = duckdb_records(decided)
    assert agree(records, expected(guideline, cohort, against, criteria=True)) == []
    statuses = {r[f"{d}_status"] for r in records for d in guideline.decision_names}
    assert {"decided", "unknown"} <= statuses


def _union_table(guideline: eligo.Guideline, against: eligo.Guideline, cohort: list[dict[str, Any]]) -> Any:
    """The cohort with a column for every input of either version (the earlier one's extra inputs missing)."""
    import pyarrow as pa

    table = arrow_table(guideline, cohort)
    for name, info in against.inputs.items():
        if name not in guideline.inputs:
            kind = {"bool": pa.bool_(), "date": pa.date32(), "enum": pa.string()}.get(info.type.kind, pa.float64())
            table = table.append_column(name, pa.nulls(len(cohort), kind))
    return table


def test_a_comparison_keeps_only_the_patients_whose_decision_changes() -> None:
    cohort = sample(EVERYTHING_2, 200, seed=3)
    with duckdb.connect() as con:
        relation = con.from_arrow(arrow_table(EVERYTHING_2, cohort))
        records = duckdb_records(frames.decide_duckdb(EVERYTHING_2, relation, against=EVERYTHING_1))
        summary = frames.summarise_duckdb(EVERYTHING_2, relation, against=EVERYTHING_1)
    want = [row for row in expected(EVERYTHING_2, cohort, EVERYTHING_1)
            if any(row[f"{d}{CHANGED}"] for d in EVERYTHING_2.decision_names)]
    assert 0 < len(records) == len(want) < len(cohort)
    assert agree(records, want) == []
    assert summary.changed["d_gap"] == sum(bool(r["d_gap_changed"]) for r in want) > 0
    assert summary.rows == len(cohort) and sum(summary.changes["d_gap"].values()) == len(cohort)


def test_the_api_refuses_bad_rows_by_row_number() -> None:
    with duckdb.connect() as con:
        relation = con.sql("SELECT * FROM (VALUES (1, 'lung'), (12, 'lungs')) AS t(n, site)")
        with pytest.raises(CohortError) as refused:
            frames.decide_duckdb(EVERYTHING, relation)
        assert [str(r) for r in refused.value.rows] == [
            "row 2: n: 12 is above the declared range 0 to 10",
            "row 2: site: 'lungs' is not a value of site (did you mean `lung`?)"]
        decided = frames.decide(EVERYTHING, con.sql("SELECT 2 AS n, 'lung' AS site"))
        assert decided.columns[:3] == ["n", "site", "d_first"]


def test_decide_refuses_what_is_not_a_frame() -> None:
    with pytest.raises(TypeError, match="decide takes a DuckDB relation or a PySpark DataFrame, not list"):
        frames.decide(EVERYTHING, [])


def test_eligo_cohort_compare_and_criteria_from_the_command_line(tmp_path: Path) -> None:
    for text in (EVERYTHING_SOURCE, V2_SOURCE):
        version = text.split("version ", 1)[1].split()[0]
        path = tmp_path / "knowledge" / "test" / "g" / f"{version}.eligo"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    cohort = sample(EVERYTHING_2, 120, seed=5)
    data = tmp_path / "cohort.parquet"
    import pyarrow.parquet as pq

    pq.write_table(arrow_table(EVERYTHING_2, cohort), data)
    run = CliRunner().invoke(app, ["cohort", "test.g", str(data), "-o", str(tmp_path / "changes.parquet"), "--compare",
                                   "1.0.0", "2.0.0", "--criteria", "--three-valued", "--kb", str(tmp_path / "knowledge")])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0].startswith("test.g 1.0.0 → 2.0.0: 120 patients in ")
    want = [row for row in expected(EVERYTHING_2, cohort, EVERYTHING_1, criteria=True)
            if any(row[f"{d}{CHANGED}"] for d in EVERYTHING_2.decision_names)]
    changed = {d: sum(bool(r[f"{d}{CHANGED}"]) for r in want) for d in EVERYTHING_2.decision_names}
    assert lines[1] == "  patients whose decision changes: " + ", ".join(f"{d} {n:,}" for d, n in changed.items())
    with duckdb.connect() as con:
        records = duckdb_records(con.sql(f"SELECT * FROM read_parquet('{tmp_path / 'changes.parquet'}')"))
    assert agree(records, want) == []
    outputs = [f"{d}{s}" for d in EVERYTHING_2.decision_names for s in SUFFIXES]
    assert list(records[0]) == [*EVERYTHING_2.inputs, *(f"{n}{WAS}" for n in outputs), *outputs,
                                *criteria_columns.criteria_names(EVERYTHING_2),
                                *(f"{d}{CHANGED}" for d in EVERYTHING_2.decision_names)]


def test_exact_cohorts_agree_with_the_exact_python_evaluator(tmp_path: Path) -> None:
    """`--exact`: the rows three-valued SQL leaves unknown are refined as `Guideline.evaluate` decides them."""
    import pyarrow.parquet as pq

    from eligo.sql import cohort as cohorts

    cohort = sample(EVERYTHING_2, 100, seed=17)
    data = tmp_path / "cohort.parquet"
    pq.write_table(arrow_table(EVERYTHING_2, cohort), data)
    summary = cohorts.run(EVERYTHING_2, data, tmp_path / "exact.parquet", exact=True, against=EVERYTHING_1,
                          changed_only=False)
    with duckdb.connect() as con:
        records = duckdb_records(con.sql(f"SELECT * FROM read_parquet('{tmp_path / 'exact.parquet'}')"))
    refined = [d.name for d in EVERYTHING_2.program.own if d.policy != "collect"]  # collect sets stay three-valued
    for index, case in enumerate(cohort):
        given = {k: v for k, v in case.items() if v is not None}
        for version, tag in ((EVERYTHING_2, ""), (EVERYTHING_1, WAS)):
            for name, result in version.evaluate(given, trace=False).decisions.items():
                if name in refined:
                    row = records[index]
                    assert (row[f"{name}{tag}"], row[f"{name}_status{tag}"], row[f"{name}_rule{tag}"],
                            tuple(row[f"{name}_missing{tag}"])) == (result.value, result.status, result.rule,
                                                                         result.missing), (index, name, tag)
    assert summary.rows == len(cohort)
    three_valued = [EVERYTHING_2.evaluate({k: v for k, v in c.items() if v is not None}, trace=False, exact=False)
                    for c in cohort]
    assert any((r[f"{d}_status"], tuple(r[f"{d}_missing"])) != (t[d].status, t[d].missing)
               for r, t in zip(records, three_valued, strict=True) for d in refined)  # something was refined
