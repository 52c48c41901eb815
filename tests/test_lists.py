"""Lists of records: syntax, checking, the three-valued meaning of list operations (unknown fields, lists known to be
incomplete), case validation per element, and the Python evaluator agreeing with DuckDB on generated cohorts."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.dsl import formatter, parse
from eligo.ir.lists import Records
from eligo.sql.query import compile_query
from tests.cohorts import Outcome, python_outcomes, sql_outcomes
from tests.eligo_helpers import guideline

LISTS = """
kind organ: liver | lung | bone | brain

record lesion:
  organ: organ
  size: quantity in mm from 0 to 300
  treatable: yes/no, optional "Amenable to local treatment"

input lesions: list of lesion "Every metastatic lesion on staging imaging"
input ecog: count from 0 to 4

define few: count(lesions) <= 5
define few_organs: distinct(organ of lesions) <= 3
define all_treatable: all(lesions have treatable)
define liver_only: not any(lesions where organ != liver)
define largest_liver: largest(size of lesions where organ = liver)
define total: sum(size of lesions where treatable)
define big_liver: count(lesions where organ = liver and size > 3 cm)

decision surgery: candidate > discuss > not_candidate
  rule fit: when ecog >= 3 then not_candidate
  rule ok: when few and few_organs and all_treatable then candidate
  rule liver: when liver_only and largest_liver < 5 cm then discuss
  rule bulky: when total > 10 cm or big_liver >= 2 then discuss
  otherwise not_candidate

example "Two treatable lesions in two organs":
  given ecog 0, lesions [{organ liver, size 2 cm, treatable yes}, {organ lung, size 8 mm, treatable yes}]
  expect surgery = candidate by rule ok

example "Six lesions on imaging not yet complete are already too many":
  given ecog 0, lesions at least [{organ liver, size 1 cm, treatable yes}, {organ liver, size 1 cm, treatable yes},
    {organ liver, size 1 cm, treatable yes}, {organ liver, size 1 cm, treatable yes},
    {organ lung, size 1 cm, treatable yes}, {organ lung, size 1 cm, treatable yes}]
  expect few = no

example "Many small liver lesions are for discussion":
  given ecog 1, lesions [{organ liver, size 1 cm, treatable yes}, {organ liver, size 1 cm, treatable yes},
    {organ liver, size 1 cm, treatable yes}, {organ liver, size 1 cm, treatable yes},
    {organ liver, size 1 cm, treatable yes}, {organ liver, size 2 cm, treatable yes}]
  expect surgery = discuss by rule liver

example "A large treatable burden with one untreatable lesion is for discussion":
  given ecog 1, lesions [{organ lung, size 6 cm, treatable yes}, {organ lung, size 6 cm, treatable yes},
    {organ bone, size 5 mm, treatable no}]
  expect surgery = discuss by rule bulky

example "Poor performance status":
  given ecog 3, lesions []
  expect surgery = not_candidate by rule fit
"""


@functools.cache
def _g() -> eligo.Guideline:
    return guideline(LISTS, "test.lists")


def _decide(case: dict[str, Any]) -> eligo.DecisionResult:
    return _g().evaluate(case).decisions["surgery"]


LESION = {"organ": "liver", "size": 20, "treatable": True}


def test_a_list_module_formats_to_itself_and_round_trips() -> None:
    source = "guideline test.lists\n  version 1.0.0\n  status approved\n" + LISTS
    formatted = formatter.format_source(source)
    assert parse(formatted) == parse(source)
    assert formatter.format_source(formatted) == formatted
    assert "count(lesions where organ = liver and size > 3 cm)" in formatted


def test_the_examples_pass_and_a_long_incomplete_list_decides_a_count() -> None:
    runs = _g().run_examples()
    assert [r.problems for r in runs] == [()] * 5
    result = _g().evaluate({"ecog": 0, "lesions": {"at_least": [LESION] * 6}})
    assert result.values["few"] is False  # at least six lesions: more than five whatever is still to come


def test_an_unknown_field_makes_all_unknown_and_names_the_list() -> None:
    decision = _decide({"ecog": 0, "lesions": [LESION, {"organ": "lung", "size": 5}]})
    assert decision.status == "unknown"
    assert decision.missing == ("lesions",)
    assert decision.possible == ("candidate", "not_candidate")
    assert decision.exact is True  # the exact step completes the list (eligo.ir.list_domains)


def test_an_incomplete_list_is_never_read_as_complete() -> None:
    result = _g().evaluate({"ecog": 0, "lesions": {"at_least": [LESION]}})
    assert result.values["few"] is None and result.values["all_treatable"] is None
    assert result.values["liver_only"] is None  # the chest may hold a lung lesion
    assert result.decisions["surgery"].status == "unknown"
    assert result.decisions["surgery"].missing == ("lesions",)


def test_a_settled_list_decides_and_a_known_field_settles_an_any() -> None:
    result = _g().evaluate({"ecog": 0, "lesions": {"at_least": [{"organ": "lung", "size": 5, "treatable": False}]}})
    assert result.values["all_treatable"] is False  # one lesion certainly not treatable: no, whatever else
    assert result.values["liver_only"] is False
    empty = _g().evaluate({"ecog": 1, "lesions": []})
    assert empty.values["largest_liver"] is eligo.ir.NA and empty.values["few"] is True  # `none`: no liver lesion
    assert empty.decisions["surgery"].value == "candidate"


def test_ecog_decides_whatever_the_list() -> None:
    decision = _decide({"ecog": 4, "lesions": {"at_least": [{"organ": "lung"}]}})
    assert (decision.status, decision.value) == ("decided", "not_candidate")


def test_case_lists_are_checked_element_by_element_with_paths() -> None:
    with pytest.raises(eligo.CaseError) as refused:
        _g().prepare({"ecog": 0, "lesions": [LESION, {"organ": "lugn", "size": "3 kg"}, 5, {"sise": 3}]})
    assert [str(p) for p in refused.value.problems] == [
        "lesions[1].organ: 'lugn' is not a value of organ (did you mean `lung`?)",
        "lesions[1].size: '3 kg' is not a length (give it in mm)",
        "lesions[2]: expected an object with fields organ, size, treatable, got 5",
        "lesions[3].sise: is not a field of this record (did you mean `size`?)",
    ]
    with pytest.raises(eligo.CaseError) as not_a_list:
        _g().prepare({"lesions": "two in the liver"})
    assert "lesions: expected a list of lesion records" in str(not_a_list.value)
    prepared = _g().prepare({"lesions": {"at_least": [{"organ": "liver", "size": "2 cm"}]}})
    assert isinstance(prepared["lesions"], Records) and not prepared["lesions"].complete
    assert prepared["lesions"][0] == {"organ": "liver", "size": 20.0, "treatable": None}


@pytest.mark.parametrize(("body", "code"), [
    ("input xs: list of tumour\n", "E192"),
    ("input n: count\ndefine c: count(n) > 1\n", "E192"),
    ("define c: largest(colour of lesions)\n", "E194"),
    ("define c: sum(organ of lesions)\n", "E194"),
    ("define c: all(lesions where organ = liver)\n", "E071"),
    ("define c: count(lesions where count(lesions) > 2)\n", "E193"),
    ("define c: any(lesions where size)\n", "E106"),
])
def test_list_mistakes_have_codes(body: str, code: str) -> None:
    source = ("guideline test.bad\n  version 1.0.0\n\nkind organ: liver | lung\nrecord lesion:\n  organ: organ\n"
              "  size: quantity in mm\ninput lesions: list of lesion\n" + body)
    kb = eligo.KnowledgeBase.from_texts({"test/bad/1.0.0.eligo": source})
    found = kb.check()
    assert code in {d.code for d in found if d.is_error}, [d.headline() for d in found]


# ---------------------------------------------------------------- Python and DuckDB agree


def _element(complete_fields: bool) -> st.SearchStrategy[dict[str, Any]]:
    maybe = (lambda s: s) if complete_fields else (lambda s: st.one_of(st.none(), s))
    return st.fixed_dictionaries({
        "organ": maybe(st.sampled_from(["liver", "lung", "bone", "brain"])),
        "size": maybe(st.sampled_from([5.0, 10.0, 20.0, 30.0, 31.0, 49.0, 50.0, 120.0])),
        "treatable": maybe(st.booleans()),
    })


LIST_VALUE = st.one_of(
    st.none(),
    st.tuples(st.lists(_element(True), max_size=7), st.booleans()),
    st.tuples(st.lists(_element(False), max_size=7), st.booleans()),
)
ROW = st.fixed_dictionaries({"ecog": st.one_of(st.none(), st.integers(0, 4)), "lesions": LIST_VALUE})


def _case(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if row["ecog"] is not None:
        out["ecog"] = row["ecog"]
    if row["lesions"] is not None:
        items, complete = row["lesions"]
        out["lesions"] = items if complete else {"at_least": items}
    return out


LESION_TYPE = pa.struct([("organ", pa.string()), ("size", pa.float64()), ("treatable", pa.bool_())])


def arrow_cohort(cohort: Sequence[dict[str, Any]]) -> pa.Table:
    """As a registry holds it: a LIST of STRUCT column, a NULL element marking a list known to be incomplete."""
    lists = [None if r["lesions"] is None else [*r["lesions"][0], *([] if r["lesions"][1] else [None])]
             for r in cohort]
    return pa.table({"ecog": pa.array([r["ecog"] for r in cohort], pa.float64()),
                     "lesions": pa.array(lists, pa.list_(LESION_TYPE))})


def duckdb_outcomes(g: eligo.Guideline, cohort: Sequence[dict[str, Any]]) -> list[dict[str, Outcome]]:
    import duckdb

    with duckdb.connect() as con:
        con.register("cohort", arrow_cohort(cohort))
        result = con.execute(compile_query(g, "cohort").sql(dialect="duckdb"))
        names = [d[0] for d in result.description]
        records = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    return sql_outcomes(g, records)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=25))
def test_python_and_duckdb_agree_on_lists_with_unknowns(cohort: list[dict[str, Any]]) -> None:
    g = _g()
    cases = [_case(r) for r in cohort]
    python = python_outcomes(g, [{**c} for c in cases])
    assert duckdb_outcomes(g, cohort) == python


def _fixed_cohort(size: int, seed: int) -> list[dict[str, Any]]:
    """A seeded cohort of the same kinds of rows (for engines too slow to run once per hypothesis example)."""
    import random

    draw = random.Random(seed)

    def element() -> dict[str, Any]:
        def maybe(values: Sequence[Any]) -> Any:
            return None if draw.random() < 0.15 else draw.choice(values)
        return {"organ": maybe(["liver", "lung", "bone", "brain"]), "size": maybe([5.0, 20.0, 30.0, 31.0, 49.0, 50.0]),
                "treatable": maybe([True, False])}

    return [{"ecog": None if draw.random() < 0.1 else draw.randint(0, 4),
             "lesions": None if draw.random() < 0.1 else ([element() for _ in range(draw.randint(0, 7))],
                                                            draw.random() < 0.7)} for _ in range(size)]


@pytest.mark.slow
def test_spark_agrees_with_python_on_lists(tmp_path: Any) -> None:
    pyspark = pytest.importorskip("pyspark.sql")
    import pyarrow.parquet as pq

    from eligo.sql import frames
    from tests.test_spark import spark as _  # noqa: F401 - the session settings are those of the Spark tests

    cohort = _fixed_cohort(150, 7)
    path = tmp_path / "cohort.parquet"
    pq.write_table(arrow_cohort(cohort), path)
    session = (pyspark.SparkSession.builder.master("local[1]").appName("eligo-lists")
               .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    try:
        decided = frames.decide_spark(_g(), session.read.parquet(str(path)).coalesce(1), validate=False)
        records = [row.asDict() for row in decided.collect()]
    finally:
        session.stop()
    python = python_outcomes(_g(), [_case(r) for r in cohort])
    assert sql_outcomes(_g(), records) == python
    assert {o["surgery"][1] for o in python} == {"decided", "unknown"}


def test_duckdb_agrees_on_a_fixed_cohort_through_the_product_driver() -> None:
    import duckdb

    from eligo.sql import frames

    cohort = _fixed_cohort(300, 11)
    with duckdb.connect() as con:
        relation = con.from_arrow(arrow_cohort(cohort))
        decided = frames.decide_duckdb(_g(), relation, validate=False)
        names = decided.columns
        records = [dict(zip(names, row, strict=True)) for row in decided.fetchall()]
    assert sql_outcomes(_g(), records) == python_outcomes(_g(), [_case(r) for r in cohort])


def _lists_kb(tmp_path: Any) -> Any:
    folder = tmp_path / "kb" / "test" / "lists"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text("guideline test.lists\n  version 1.0.0\n  status approved\n" + LISTS)
    (tmp_path / "kb" / "eligo.toml").write_text("[knowledge_base]\nname = \"lists\"\n")
    return tmp_path / "kb"


def test_eligo_cohort_reads_lists_from_json_lines_and_refuses_csv_and_bad_elements(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from eligo.cli.main import app

    kb = _lists_kb(tmp_path)
    data = tmp_path / "cohort.jsonl"
    rows = [{"ecog": 0, "lesions": [LESION]}, {"ecog": 0, "lesions": [LESION, None]},
            {"ecog": 0, "lesions": [{**LESION, "treatable": None}]}, {"ecog": 4, "lesions": None}]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    run = CliRunner().invoke(app, ["cohort", "test.lists", str(data), "-o", str(tmp_path / "out.jsonl"), "--kb", str(kb)])
    assert run.exit_code == 0, run.output
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(w["surgery"], w["surgery_status"], w["surgery_missing"]) for w in written] == [
        ("candidate", "decided", []), (None, "unknown", ["lesions"]), (None, "unknown", ["lesions"]),
        ("not_candidate", "decided", [])]
    csv = tmp_path / "cohort.csv"
    csv.write_text('ecog,lesions\n0,"[1, 2]"\n')
    refused = CliRunner().invoke(app, ["cohort", "test.lists", str(csv), "-o", str(tmp_path / "o.csv"), "--kb", str(kb)])
    assert refused.exit_code == 2 and "`lesions` is a list of lesion records, which CSV cannot hold" in refused.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"ecog": 0, "lesions": [LESION, {**LESION, "organ": "lugn"}]}) + "\n")
    run = CliRunner().invoke(app, ["cohort", "test.lists", str(bad), "-o", str(tmp_path / "b.jsonl"), "--kb", str(kb)])
    assert run.exit_code == 1 and "row 1: lesions: lesions[1].organ: 'lugn' is not a value of organ" in run.output


def test_eligo_list_json_reports_a_list_input_as_written(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from eligo.cli.main import app

    run = CliRunner().invoke(app, ["list", "--json", "--kb", str(_lists_kb(tmp_path))])
    assert run.exit_code == 0, run.output
    found = json.dumps(json.loads(run.output))
    assert '"list of lesion"' in found


def test_verify_generates_list_patients_and_reports_list_decisions_as_inexact() -> None:
    """verify names the decisions whose lists the exact step cannot always complete: here `surgery` sums sizes
    (exact only over a complete list with every size known); without the sum it is exact, and not named."""
    from eligo.verify import verify_guideline

    report = verify_guideline(_g(), seed=3, max_examples=150)
    assert report.ok, [f.diagnostic.headline() for f in report.findings]
    assert report.inexact == (("surgery", ("lesions",)),)
    assert "surgery reads lesions in a way the exact step cannot always complete" in report.summary()
    assert report.to_json()["inexact"] == {"surgery": ["lesions"]}
    without_sum = LISTS.replace("total > 10 cm or big_liver >= 2", "big_liver >= 2")
    report = verify_guideline(guideline(without_sum, "test.lists"), seed=3, max_examples=150)
    assert report.inexact == () and "exact step" not in report.summary()  # (its examples no longer reach `bulky`)


def test_a_partly_known_list_that_cannot_matter_is_decided_and_verify_finds_nothing() -> None:
    """Once V208's example (data that cannot matter, left unknown by three values): the exact step completes the
    list, so the answer is decided and verify finds nothing less exact."""
    from eligo.verify import verify_guideline

    g = guideline("""
        record lesion:
          treatable: yes/no
        input lesions: list of lesion
        define all_treatable: all(lesions have treatable)
        decision plan: operate | other
          rule either: when all_treatable or not all_treatable then operate
          otherwise other
        example "One treatable lesion":
          given lesions [{treatable yes}]
          expect plan = operate
    """, "test.needless")
    got = g.evaluate({"lesions": {"at_least": [{"treatable": None}]}}).decisions["plan"]
    assert (got.value, got.exact) == ("operate", True)
    report = verify_guideline(g, seed=1, max_examples=150)
    assert not [f for f in report.findings if f.diagnostic.code == "V208"]


def test_node_agrees_with_python_on_lists(tmp_path: Any) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node is not installed")
    from eligo.js import to_js
    from tests.test_js import DRIVER, python_answer, strict_differences

    module = tmp_path / "lists.mjs"
    module.write_text(to_js(_g()), encoding="utf-8")
    driver = tmp_path / "driver.mjs"
    driver.write_text(DRIVER, encoding="utf-8")
    cases: list[Any] = [_case(r) for r in _fixed_cohort(300, 17)]
    cases += [{"lesions": [LESION, {"organ": "lugn", "size": "3 kg"}, 5, {"sise": 3}]}, {"lesions": "two"},
              {"ecog": 0, "lesions": {"at_least": [{**LESION, "size": "2 cm"}]}}]
    batch = tmp_path / "cases.json"
    batch.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run([node, str(driver), str(module), str(batch)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    problems = [f"case {i} {c}: {d[:3]}" for i, (c, a) in enumerate(zip(cases, answers, strict=True))
                if (d := strict_differences(python_answer(_g(), c), a))]
    assert problems == []


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres", "bigquery"])
def test_every_dialect_writes_the_list_operations(dialect: str) -> None:
    """DuckDB and Spark with lambdas over the array column, PostgreSQL and BigQuery as subqueries over UNNEST."""
    sql = compile_query(_g(), "cohort", dialect=dialect).sql(dialect=dialect)
    if dialect in ("duckdb", "spark"):
        assert ("LIST_FILTER" if dialect == "duckdb" else "FILTER(") in sql and "UNNEST" not in sql
    else:
        assert "UNNEST(" in sql and "COUNT(DISTINCT" in sql


def test_a_bare_list_is_refused_where_a_single_value_is_needed() -> None:
    source = ("guideline test.bad\n  version 1.0.0\n\nrecord lesion:\n  size: quantity in mm\n"
              "input lesions: list of lesion\ndefine copy: lesions\ndefine known: lesions is known\n")
    found = [d for d in eligo.KnowledgeBase.from_texts({"test/bad/1.0.0.eligo": source}).check() if d.is_error]
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("E195", 7, 14), ("E195", 8, 15)]
    assert "`lesions` is a list of records: it is read through a list operation" in found[0].message
    assert "count(lesions)" in found[0].hints[0]


def test_a_lesion_of_unknown_organ_is_still_one_organ_in_python_and_duckdb() -> None:
    import duckdb

    g = guideline("""
        kind organ: liver | lung
        record lesion:
          organ: organ, optional
        input lesions: list of lesion
        decision d: some | none_seen
          rule r: when distinct(organ of lesions) >= 1 then some
          otherwise none_seen
    """, "test.distinct")
    assert g.evaluate({"lesions": [{}]})["d"].value == "some"  # at least one organ, whichever it is
    assert g.evaluate({"lesions": []})["d"].value == "none_seen"
    table = pa.table({"lesions": pa.array([[{"organ": None}], []], pa.list_(pa.struct([("organ", pa.string())])))})
    with duckdb.connect() as con:
        con.register("cohort", table)
        rows = con.execute(compile_query(g, "cohort").sql(dialect="duckdb")).fetchall()
    assert [row[1] for row in rows] == ["some", "none_seen"]


def test_evaluate_many_reads_a_list_column_as_evaluate_reads_case_lists() -> None:
    cohort = _fixed_cohort(200, 3)
    got = _g().evaluate_many(arrow_cohort(cohort)).to_pylist()
    want = python_outcomes(_g(), [_case(r) for r in cohort], exact=True)
    assert [(g["surgery"], g["surgery_status"], g["surgery_rule"], tuple(g["surgery_possible"]),
             tuple(g["surgery_missing"])) for g in got] == [w["surgery"] for w in want]


def test_the_trace_of_a_list_operation_is_the_case_s_own_case_after_case() -> None:
    def step(case: dict[str, Any], text: str) -> object:
        return next(s.value for s in _g().evaluate(case).trace if s.text == text)

    for _ in range(3):  # traced steps may be kept per operands: a list operation's must not be
        assert step({"ecog": 0, "lesions": [LESION]}, "all(lesions have treatable)") is True
        assert step({"ecog": 0, "lesions": [{**LESION, "treatable": False}]}, "all(lesions have treatable)") is False
        assert step({"ecog": 0, "lesions": {"at_least": [LESION] * 6}}, "count(lesions) <= 5") is False
        assert step({"ecog": 0, "lesions": {"at_least": [LESION]}}, "count(lesions) <= 5") is None


def test_an_unknown_count_of_an_incomplete_list_says_its_bounds() -> None:
    result = _g().evaluate({"ecog": 0, "lesions": {"at_least": [LESION, {**LESION, "size": 40}, {**LESION, "size": 40}]}})
    assert result.values["big_liver"] is None
    assert result.to_json()["unknown_values"]["big_liver"] == {"range": [2, None], "exact": False}  # at least two
    assert "big_liver = unknown (possibly at least 2)" in result.explain()
