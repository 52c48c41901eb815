"""The SQL back end: every IR construct, `none`, every hit policy and the missing list agree with the Python
evaluator on generated cohorts; the capability table covers the IR; the four dialects are written."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligo import ir
from eligo.dsl.diagnostics import EligoError
from eligo.sql import query as sql
from eligo.sql.expr import HANDLERS, negate, parenthesize
from tests.cohorts import EVERYTHING, disagreements, duckdb_outcomes, rows
from tests.eligo_helpers import guideline

SMALL = guideline("""
    input lesions: count from 0 to 20, optional
    input r0: yes/no, optional
    decision resect: candidate | not_candidate
      rule few: when lesions <= 5 and r0 then candidate
      otherwise not_candidate
""")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(rows(EVERYTHING), min_size=1, max_size=60))
def test_every_construct_agrees_with_python(cohort: list[dict[str, object]]) -> None:
    assert disagreements(EVERYTHING, cohort) == []


def test_each_status_and_the_missing_list_come_out_of_sql() -> None:
    cohort = [
        {**dict.fromkeys(EVERYTHING.inputs), "n": 9, "site": "lung"},  # over the limit: decided by rule r1
        {**dict.fromkeys(EVERYTHING.inputs), "site": "lung", "flag": True, "grade": "low", "n": 5},  # conflict
        {**dict.fromkeys(EVERYTHING.inputs)},  # nothing known
        {**dict.fromkeys(EVERYTHING.inputs), "site": "bone", "flag": False, "grade": "high", "m": 1.0, "n": 0,
         "start": dt.date(2024, 1, 10), "stop": dt.date(2025, 1, 10), "size": 0.5, "wait": 2.0, "share": 10.0},
    ]
    got = duckdb_outcomes(EVERYTHING, cohort)
    assert got[0]["d_first"] == ("a", "decided", "r1", ("a",), ())
    assert got[1]["d_unique"] == (None, "conflict", None, ("none",), ())
    assert got[2]["d_first"][1:] == ("unknown", None, ("a", "b", "c"), ("n", "m", "site", "grade", "flag", "start", "stop"))
    assert got[2]["d_gap"] == (None, "unknown", None, ("hi", "lo", "none"), ("m", "start", "stop"))
    assert got[2]["d_collect"] == (None, "unknown", None, (), ("n", "m", "size", "wait", "share"))
    assert got[3]["d_gap"] == (None, "unmatched", None, ("none",), ())
    assert got[3]["d_collect"] == ((), "decided", None, (), ())
    assert disagreements(EVERYTHING, cohort) == []


def test_every_ir_node_has_a_sql_handler_or_a_declared_incapability() -> None:
    kinds = {cls for cls in ir.Node.__args__}  # type: ignore[attr-defined]
    for dialect in sql.DIALECTS:
        uncovered = {k.__name__ for k in kinds if k not in HANDLERS and k.__name__ not in sql.UNSUPPORTED[dialect]}
        assert uncovered == set(), dialect
    assert set(HANDLERS) <= kinds


def test_a_declared_incapability_is_a_compile_time_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sql.UNSUPPORTED, "postgres", frozenset({"InputRef"}))
    with pytest.raises(EligoError) as caught:
        sql.to_sql(SMALL, "postgres")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "E170"
    assert diagnostic.message == "postgres cannot express InputRef `lesions` (test.g 1.0.0)"
    assert (diagnostic.span.line, diagnostic.span.column) == (9, 18)
    assert sql.to_sql(SMALL, "duckdb")  # the other dialects are unaffected


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown SQL dialect 'oracle'; choose one of duckdb, spark, postgres, bigquery"):
        sql.to_sql(SMALL, "oracle")


@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_each_dialect_is_written_and_reads_back(dialect: str) -> None:
    text = sql.to_sql(EVERYTHING, dialect)
    parsed = sqlglot.parse_one(text, read=dialect)
    names = [s.alias_or_name for s in parsed.selects]
    assert names == [*EVERYTHING.inputs, *sql.output_names(EVERYTHING)]


def test_dialect_specific_spelling() -> None:
    text = {dialect: sql.to_sql(SMALL, dialect, pretty=False) for dialect in sql.DIALECTS}
    fast = ("SELECT *, CASE WHEN `lesions` <= 5 AND `r0` THEN 0 WHEN (`lesions` IS NULL OR `r0` IS NULL) AND "
            "(`lesions` <= 5 OR `lesions` IS NULL) AND (`r0` OR `r0` IS NULL) THEN -1 ELSE 1 END AS "
            "`_eligo_0_resect_fast`")
    for dialect in ("spark", "bigquery"):
        assert fast in text[dialect]
    for dialect in ("duckdb", "postgres"):
        assert fast.replace("`", '"') in text[dialect]
    assert "FILTER(ARRAY(CASE WHEN `lesions` IS NULL" in text["spark"]
    assert "LIST_FILTER([CASE WHEN \"lesions\" IS NULL" in text["duckdb"]
    assert "ARRAY(SELECT x FROM UNNEST([CASE WHEN `lesions` IS NULL" in text["bigquery"]
    assert "ARRAY(SELECT x FROM UNNEST(ARRAY[CASE WHEN \"lesions\" IS NULL" in text["postgres"]


def test_duckdb_types_each_answer_by_what_it_can_be() -> None:
    """In DuckDB the texts are ENUMs of their closed sets (one byte a row, a dictionary in Arrow), equal to their
    texts; in the other dialects they stay text."""
    con = duckdb.connect()
    con.execute("CREATE TABLE cases AS SELECT * FROM (VALUES (2, TRUE), (NULL, TRUE), (9, NULL)) t(lesions, r0)")
    query = sql.to_sql(SMALL, "duckdb")
    kinds = {row[0]: row[1] for row in con.execute(f"DESCRIBE {query}").fetchall()}
    assert kinds == {"lesions": "INTEGER", "r0": "BOOLEAN", "resect": "ENUM('candidate', 'not_candidate')",
                     "resect_status": "ENUM('decided', 'unknown', 'unmatched', 'conflict', 'open')",
                     "resect_rule": "ENUM('few', 'otherwise')",
                     "resect_possible": "ENUM('candidate', 'not_candidate', 'open', 'none')[]",
                     "resect_missing": "ENUM('lesions', 'r0')[]"}
    assert con.execute(query).fetchall() == [
        (2, True, "candidate", "decided", "few", ["candidate"], []),
        (None, True, None, "unknown", None, ["candidate", "not_candidate"], ["lesions"]),
        (9, None, "not_candidate", "decided", "otherwise", ["not_candidate"], [])]
    arrow = con.sql(query).to_arrow_table()
    assert str(arrow.schema.field("resect").type) == "dictionary<values=string, indices=uint8, ordered=0>"
    assert con.execute(f"SELECT count(*) FROM ({query}) WHERE resect = 'candidate' OR resect = 'typo'").fetchall() \
        == [(1,)]
    for dialect in ("spark", "postgres", "bigquery"):
        assert "ENUM" not in sql.to_sql(SMALL, dialect)


def test_the_small_query_in_duckdb() -> None:
    """A two-valued CASE first: rule `few`, when TRUE, decides; where it is not TRUE and may be unknown (an input
    missing, `lesions` not known to be over 5 and `r0` not known to be false) the sentinel -1 sends the row to the
    Kleene CASE, which knows when a rule was unknown (here: `lesions > 5 OR NOT r0` says rule `few` was definitely
    false); the other rows take `otherwise`. Value, status, rule, the outcomes still possible and the missing list
    read the code; their texts are ENUMs of what each can be."""
    assert sql.to_sql(SMALL, "duckdb", pretty=False) == (
        'WITH _eligo_l0 AS (SELECT *, CASE WHEN "lesions" <= 5 AND "r0" THEN 0 WHEN ("lesions" IS NULL OR "r0'
        '" IS NULL) AND ("lesions" <= 5 OR "lesions" IS NULL) AND ("r0" OR "r0" IS NULL) THEN -1 ELSE 1 END A'
        'S "_eligo_0_resect_fast" FROM cases), _eligo_l1 AS (SELECT *, CASE WHEN "_eligo_0_resect_fast" = -1 '
        'THEN CASE WHEN "lesions" <= 5 AND "r0" THEN 0 ELSE CASE WHEN "lesions" > 5 OR NOT "r0" THEN 1 ELSE -'
        '5 END END ELSE "_eligo_0_resect_fast" END AS "_eligo_1_resect_code" FROM _eligo_l0), _eligo_l2 AS (S'
        'ELECT *, CASE WHEN "_eligo_1_resect_code" = 1 THEN CAST(\'not_candidate\' AS ENUM(\'candidate\', \'not_ca'
        'ndidate\')) WHEN "_eligo_1_resect_code" = 0 THEN CAST(\'candidate\' AS ENUM(\'candidate\', \'not_candidate'
        '\')) END AS "_eligo_2_resect_value", CASE WHEN "_eligo_1_resect_code" >= 0 THEN CAST(\'decided\' AS ENU'
        'M(\'decided\', \'unknown\', \'unmatched\', \'conflict\', \'open\')) WHEN "_eligo_1_resect_code" <= -4 THEN CAS'
        'T(\'unknown\' AS ENUM(\'decided\', \'unknown\', \'unmatched\', \'conflict\', \'open\')) WHEN "_eligo_1_resect_co'
        'de" = -2 THEN CAST(\'unmatched\' AS ENUM(\'decided\', \'unknown\', \'unmatched\', \'conflict\', \'open\')) ELSE '
        'CAST(\'conflict\' AS ENUM(\'decided\', \'unknown\', \'unmatched\', \'conflict\', \'open\')) END AS "_eligo_3_res'
        'ect_status", CASE WHEN "_eligo_1_resect_code" = 1 THEN CAST(\'otherwise\' AS ENUM(\'few\', \'otherwise\'))'
        ' WHEN "_eligo_1_resect_code" = 0 THEN CAST(\'few\' AS ENUM(\'few\', \'otherwise\')) ELSE CAST(NULL AS ENUM'
        '(\'few\', \'otherwise\')) END AS "_eligo_4_resect_rule", CASE WHEN "_eligo_1_resect_code" <= -4 THEN ("l'
        'esions" <= 5 AND "r0") IS NULL AND "_eligo_1_resect_code" < -4 END AS "_eligo_5_resect_u0" FROM _eli'
        'go_l1), _eligo_l3 AS (SELECT *, CASE WHEN "_eligo_1_resect_code" >= 0 THEN [CAST("_eligo_2_resect_va'
        'lue" AS ENUM(\'candidate\', \'not_candidate\', \'open\', \'none\'))] WHEN "_eligo_1_resect_code" > -4 THEN ['
        'CAST(\'none\' AS ENUM(\'candidate\', \'not_candidate\', \'open\', \'none\'))] ELSE CAST(LIST_FILTER([CASE WHEN'
        ' "_eligo_5_resect_u0" OR "_eligo_1_resect_code" = -4 THEN \'candidate\' END, CASE WHEN "_eligo_1_resec'
        't_code" = -5 THEN \'not_candidate\' END], LAMBDA x : NOT x IS NULL) AS ENUM(\'candidate\', \'not_candidat'
        'e\', \'open\', \'none\')[]) END AS "_eligo_6_resect_possible", CASE WHEN "_eligo_1_resect_code" <= -4 THE'
        'N CAST(LIST_FILTER([CASE WHEN "lesions" IS NULL AND "_eligo_5_resect_u0" THEN \'lesions\' END, CASE WH'
        'EN "r0" IS NULL AND "_eligo_5_resect_u0" THEN \'r0\' END], LAMBDA x : NOT x IS NULL) AS ENUM(\'lesions\''
        ', \'r0\')[]) ELSE CAST([] AS ENUM(\'lesions\', \'r0\')[]) END AS "_eligo_7_resect_missing" FROM _eligo_l2)'
        ' SELECT "lesions", "r0", "_eligo_2_resect_value" AS "resect", "_eligo_3_resect_status" AS "resect_st'
        'atus", "_eligo_4_resect_rule" AS "resect_rule", "_eligo_6_resect_possible" AS "resect_possible", "_e'
        'ligo_7_resect_missing" AS "resect_missing" FROM _eligo_l3'
    )


def test_names_and_texts_are_quoted_by_sqlglot_not_pasted() -> None:
    query = sql.compile_query(SMALL, 'odd "table"', keep=['it\'s "id"']).sql(dialect="duckdb")
    assert 'FROM "odd ""table""")' in query
    assert 'SELECT "it\'s ""id""", "_eligo_2_resect_value" AS "resect"' in query
    with duckdb.connect() as con:
        con.execute('CREATE TABLE "odd ""table""" ("it\'s ""id""" INT, lesions INT, r0 BOOLEAN)')
        con.execute('INSERT INTO "odd ""table""" VALUES (7, 3, TRUE)')
        assert con.execute(query).fetchall() == [(7, "candidate", "decided", "few", ["candidate"], [])]


def test_negation_normal_form_keeps_three_valued_logic() -> None:
    with duckdb.connect() as con:
        for a, b in [(x, y) for x in ("TRUE", "FALSE", "NULL") for y in ("TRUE", "FALSE", "NULL")]:
            tree = sqlglot.parse_one(f"({a} AND NOT {b}) OR ({b} IS NULL AND 1 < 2)")
            plain = con.execute(f"SELECT NOT ({tree.sql()})").fetchone()
            nnf = con.execute(f"SELECT {parenthesize(negate(tree)).sql()}").fetchone()
            assert plain == nnf, (a, b)


def test_float_constants_are_doubles_in_every_dialect() -> None:
    thresholds = guideline("""
        input dose: number from 0 to 10
        decision d: hi | lo
          rule r: when dose > 0.1 then hi
          otherwise lo
    """)
    assert "CAST(0.1e0 AS DOUBLE)" in sql.to_sql(thresholds, "duckdb")
    assert "CAST(0.1e0 AS FLOAT64)" in sql.to_sql(thresholds, "bigquery")
    with duckdb.connect() as con:
        con.execute("CREATE TABLE cases AS SELECT 0.1::DOUBLE AS dose UNION ALL SELECT 0.10000000000000002")
        assert [r[1] for r in con.execute(sql.compile_query(thresholds, "cases").sql("duckdb")).fetchall()] == \
            ["lo", "hi"]


def test_a_decision_is_compiled_once_and_its_code_only_when_read() -> None:
    compiled = sql.Compiler(SMALL)
    [node] = SMALL.program.decisions
    first = compiled.decision(node, alone=True)
    assert compiled.decision(node) is first
    codes = lambda: [n for layer in compiled.layers.columns for n, _ in layer if n.endswith("resect_code")]  # noqa: E731
    assert codes() == []
    assert first.code.name == first.code.name == codes()[0] and len(codes()) == 1


def test_the_decision_alone_is_one_case_over_the_inputs() -> None:
    alone = sql.compile_query(SMALL, outputs=("",)).sql("duckdb")
    assert "_code" not in alone and "LIST_FILTER" not in alone
    with duckdb.connect() as con:
        con.execute("CREATE TABLE cases AS SELECT * FROM (VALUES (3, TRUE), (9, NULL), (NULL, TRUE)) t(lesions, r0)")
        assert con.execute(alone).fetchall() == [(3, True, "candidate"), (9, None, "not_candidate"), (None, True, None)]


def test_a_set_of_more_than_the_largest_typed_stays_text() -> None:
    """A decision of 40 rules: its value (two outcomes) is an ENUM, its rule names stay text, so that the SQL does
    not spell a 40-name type in each of 40 constants."""
    from eligo.sql.texts import LARGEST

    rules = "\n".join(f"      rule r{i}: when n = {i} then high" for i in range(40))
    many = guideline(f"""
    input n: count from 0 to 99
    decision d: high | low
{rules}
      otherwise low
""")
    assert LARGEST < 40
    con = duckdb.connect()
    con.execute("CREATE TABLE cases AS SELECT 3 AS n")
    kinds = {row[0]: row[1] for row in con.execute(f"DESCRIBE {sql.to_sql(many, 'duckdb')}").fetchall()}
    assert kinds["d"] == "ENUM('high', 'low')" and kinds["d_rule"] == "VARCHAR"
    assert con.execute(f"SELECT d, d_rule FROM ({sql.to_sql(many, 'duckdb')})").fetchall() == [("high", "r3")]
