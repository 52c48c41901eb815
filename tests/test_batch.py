"""Guideline.evaluate_many: the same answers as a loop of `evaluate` for every guideline of knowledge/, from a
list of dicts, a pyarrow Table, a pandas and a Polars DataFrame; bad rows refused whole with rows and fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.compiled import batch_table
from eligo.compiled.batch import MAX_SHOWN, BatchError, output_names
from tests.cohorts import EVERYTHING, Outcome, arrow_table, knowledge_guidelines, python_outcomes, rows
from tests.eligo_helpers import kb, module

GUIDELINES = [*knowledge_guidelines(), EVERYTHING]
KINDS = ("rows", "arrow", "pandas", "polars")


def as_kind(guideline: eligo.Guideline, cohort: list[dict[str, Any]], kind: str) -> Any:
    if kind == "rows":
        return [{k: v for k, v in row.items() if v is not None} for row in cohort]
    table = arrow_table(guideline, cohort)
    return {"arrow": table, "pandas": table.to_pandas(), "polars": pl.from_arrow(table)}[kind]


def outcomes(guideline: eligo.Guideline, decided: Any) -> list[dict[str, Outcome]]:
    """The result's rows as (value, status, rule, possible, missing) per decision, as `python_outcomes` gives."""
    if isinstance(decided, pd.DataFrame):
        decided = pa.Table.from_pandas(decided, preserve_index=False)
    elif isinstance(decided, pl.DataFrame):
        decided = decided.to_arrow()
    assert isinstance(decided, pa.Table)
    assert decided.column_names == output_names(guideline)
    out = []
    for record in decided.to_pylist():
        row = {}
        for name in guideline.decision_names:
            value = record[name]
            row[name] = (tuple(value) if isinstance(value, list) else value, record[f"{name}_status"],
                         record[f"{name}_rule"], tuple(record[f"{name}_possible"]), tuple(record[f"{name}_missing"]))
        out.append(row)
    return out


LISTED = [g for g in GUIDELINES if any(info.type.kind == "list" for info in g.inputs.values())]
NO_ELEMENT = st.sampled_from([[], None, {"at_least": []}])  # a list value that holds no record


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("guideline", LISTED, ids=lambda g: f"{g.id}@{g.version}")
def test_a_list_column_without_a_single_element_is_read_with_its_declared_record_type(guideline: eligo.Guideline,
                                                                                      kind: str) -> None:
    """pandas keeps no element type for a list column whose every row is empty, missing or only an "at least"
    marker (list<null> in Arrow; a column of nulls: null), and Polars gives List(Null): the batch takes the type the
    guideline declares for the list's records, and answers as a loop of `evaluate`."""
    lists = [n for n, info in guideline.inputs.items() if info.type.kind == "list"]

    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(st.tuples(rows(guideline), st.fixed_dictionaries({n: NO_ELEMENT for n in lists})),
                    min_size=1, max_size=30))
    def agree(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        cohort = [row | empty for row, empty in pairs]
        expected = python_outcomes(guideline, cohort, exact=True)
        data = as_kind(guideline, cohort, kind)
        for name in lists:  # as a list column holding no record comes: [] empty, None missing, [None] incomplete
            values = [None if row[name] is None else [None] * isinstance(row[name], dict) for row in cohort]
            if kind == "pandas":
                data = data.assign(**{name: values})
            elif kind == "arrow":
                data = data.set_column(data.schema.get_field_index(name), name, pa.array(values))
            elif kind == "polars":
                data = data.with_columns(pl.Series(name, values, dtype=pl.List(pl.Null)))
        got = outcomes(guideline, guideline.evaluate_many(data))
        assert [(i, g) for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g] == []

    agree()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_evaluate_many_equals_a_loop_of_evaluate(guideline: eligo.Guideline, kind: str) -> None:
    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(rows(guideline), min_size=1, max_size=60))
    def agree(cohort: list[dict[str, Any]]) -> None:
        expected = python_outcomes(guideline, cohort, exact=True)
        got = outcomes(guideline, guideline.evaluate_many(as_kind(guideline, cohort, kind)))
        assert [(i, g) for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g] == []

    agree()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_rows_no_decision_leaves_unknown_are_decoded_from_their_codes_alone(guideline: eligo.Guideline,
                                                                           kind: str) -> None:
    """A batch without unknown rows is answered from the codes only (eligo.sql.codes), never the whole query."""
    @settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                    HealthCheck.filter_too_much])
    @given(st.lists(rows(guideline), min_size=1, max_size=40))
    def agree(cohort: list[dict[str, Any]]) -> None:
        expected = python_outcomes(guideline, cohort, exact=True)
        settled = [i for i, row in enumerate(expected) if all(o[1] != "unknown" for o in row.values())]
        if not settled:
            return
        chosen = [cohort[i] for i in settled]
        got = outcomes(guideline, guideline.evaluate_many(as_kind(guideline, chosen, kind)))
        assert [(i, g) for i, g in zip(settled, got, strict=True) if expected[i] != g] == []

    agree()


@pytest.mark.parametrize("kind", KINDS)
def test_the_result_is_the_kind_given(kind: str) -> None:
    cohort = [{name: None for name in EVERYTHING.inputs}]
    decided = EVERYTHING.evaluate_many(as_kind(EVERYTHING, cohort, kind))
    assert type(decided) is {"rows": pa.Table, "arrow": pa.Table, "pandas": pd.DataFrame,
                             "polars": pl.DataFrame}[kind]
    assert len(decided) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_batch_gives_the_columns_and_no_rows(kind: str) -> None:
    data: Any = [] if kind == "rows" else as_kind(EVERYTHING, [], kind)
    decided = EVERYTHING.evaluate_many(data)
    assert list(decided.columns if kind == "pandas" else decided.column_names if kind != "polars"
                else decided.columns) == output_names(EVERYTHING)
    assert len(decided) == 0


SURGERY = kb(module("demo.batch", """
    input lesion_count: count from 0 to 20
    input dfi: duration in months from 0 to 240, optional
    input seen: date, optional

    decision surgery: candidate > not_candidate
      rule many: when lesion_count > 5 then not_candidate
      rule late: when dfi > 12 months then candidate
      otherwise not_candidate
""")).guideline("demo.batch")


UNMATCHED = kb(module("demo.unmatched", """
    input lesion_count: count from 0 to 20
    input dfi: duration in months from 0 to 240, optional
    input size: quantity in mm from 0 to 300, optional

    decision surgery: candidate > not_candidate
      rule many: when lesion_count > 5 then not_candidate
      rule late: when dfi > 12 months then candidate

    decision review: review | no_review, first match
      rule large: when size > 50 mm then review
      otherwise no_review
""")).guideline("demo.unmatched")


def test_a_list_is_decided_in_one_generated_loop_as_evaluate_decides_each_row() -> None:
    """The loop's answers where no rule fires and there is no `otherwise` (an outcome, not a shared result), with
    values to convert (the general path), unknown values (the three-valued evaluator), two decisions."""
    from eligo.compiled.batch import _row_code

    assert _row_code(UNMATCHED)[0] is not None  # the generated loop decides this list
    data = [{"lesion_count": 2}, {"lesion_count": 7, "size": 60.0}, {"lesion_count": 2, "dfi": 20.0},
            {"lesion_count": 2, "dfi": "18 months", "size": "6 cm"}, {"lesion_count": 3, "dfi": 3.0, "size": 10.0},
            {"dfi": 30.0}, {}, {"lesion_count": 1, "dfi": 1.5, "size": None}]
    expected = [{name: (d.value, d.status, d.rule, d.possible, d.missing) for name, d in
                 UNMATCHED.evaluate(row, trace=False).decisions.items()} for row in data]
    assert outcomes(UNMATCHED, UNMATCHED.evaluate_many(data)) == expected
    assert {row["surgery"][1] for row in expected} >= {"unmatched", "decided", "unknown"}
    with pytest.raises(BatchError, match="row 1"):
        UNMATCHED.evaluate_many([{"lesion_count": 2}, "lesion_count 3"])


def test_bad_rows_in_a_list_are_refused_whole_with_their_rows_and_fields() -> None:
    data = [{"lesion_count": 2}, {"lesion_count": -1}, {"lesion_count": 3, "dfi": "soon"}, {"lesoin_count": 1}]
    with pytest.raises(BatchError) as refused:
        SURGERY.evaluate_many(data)
    shown = [str(p) for p in refused.value.problems]
    assert shown[0].startswith("row 1: lesion_count: ")
    assert shown[1].startswith("row 2: dfi: ")
    assert shown[2] == "row 3: lesoin_count: is not an input of this guideline (did you mean `lesion_count`?)"
    assert refused.value.rows == 3
    assert isinstance(refused.value, eligo.CaseError)
    assert "the batch (3 rows with bad values) was refused (3 problems)" in str(refused.value)
    # the same message per value as `evaluate` gives for that case alone
    with pytest.raises(eligo.CaseError) as alone:
        SURGERY.evaluate({"lesion_count": -1})
    assert shown[0] == f"row 1: {alone.value.problems[0]}"


def test_a_refusal_lists_the_first_problems_and_counts_the_rest() -> None:
    data = [{"lesion_count": -i} for i in range(1, MAX_SHOWN + 6)]
    with pytest.raises(BatchError) as refused:
        SURGERY.evaluate_many(data)
    assert len(refused.value.problems) == MAX_SHOWN
    assert refused.value.more == 5
    assert str(refused.value).endswith("… and 5 more")


@pytest.fixture(params=["serial", "concurrent"])
def checks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The values checked before DuckDB computes the codes, or (as in a large batch) while it does."""
    if request.param == "concurrent":
        monkeypatch.setattr(batch_table, "CONCURRENT", 0)
    return str(request.param)


@pytest.mark.parametrize("kind", ["arrow", "pandas", "polars"])
def test_bad_values_in_a_table_are_refused_with_their_rows(kind: str, checks: str) -> None:
    table = pa.table({"lesion_count": pa.array([2.0, 2.5, 30.0, 4.0]), "dfi": pa.array([1.0, None, 3.0, -2.0])})
    data = {"arrow": table, "pandas": table.to_pandas(), "polars": pl.from_arrow(table)}[kind]
    with pytest.raises(BatchError) as refused:
        SURGERY.evaluate_many(data)
    fields = [str(p).split(":", 2)[:2] for p in refused.value.problems]
    assert fields == [["row 1", " lesion_count"], ["row 2", " lesion_count"], ["row 3", " dfi"]]
    assert refused.value.rows == 3
    assert "is not a whole number" in str(refused.value.problems[0]) or "whole" in str(refused.value.problems[0])


def test_a_column_that_is_not_an_input_is_refused_unless_ignored(checks: str) -> None:
    table = pa.table({"lesion_count": [2, 7], "patient": ["a", "b"]})
    with pytest.raises(BatchError) as refused:
        SURGERY.evaluate_many(table)
    assert str(refused.value.problems[0]).startswith("patient: is not an input of this guideline")
    decided = SURGERY.evaluate_many(table, ignore_unknown=True)
    assert decided.column("surgery_status").to_pylist() == ["unknown", "decided"]  # row 0 has no dfi
    assert decided.column("surgery_rule").to_pylist() == [None, "many"]
    listed = SURGERY.evaluate_many([{"lesion_count": 2, "dfi": 3, "patient": "a"}], ignore_unknown=True)
    assert listed.column("surgery_rule").to_pylist() == ["otherwise"]


def test_unknowns_are_exact_and_dates_read_from_frames(checks: str) -> None:
    frame = pd.DataFrame({"lesion_count": [2, 2], "dfi": [None, 13.0],
                          "seen": [dt.date(2024, 1, 1), None]})
    decided = SURGERY.evaluate_many(frame)
    assert list(decided["surgery_status"]) == ["unknown", "decided"]
    assert list(decided["surgery_missing"][0]) == ["dfi"]
    assert list(decided["surgery_possible"][0]) == ["candidate", "not_candidate"]
    three_valued = SURGERY.evaluate_many(frame, exact=False)
    assert list(three_valued["surgery_status"]) == ["unknown", "decided"]


def test_a_pandas_frame_is_read_as_pyarrow_reads_it() -> None:
    """eligo.compiled.batch._from_pandas converts column by column (floats by hand): the same table as
    `pa.Table.from_pandas` for the kinds of column a frame holds, and for no rows."""
    from eligo.compiled.batch import _from_pandas

    frame = pd.DataFrame({"n": [1, 2, 3], "f": [1.5, float("nan"), None], "t": ["x", None, "y"],
                          "d": [dt.date(2024, 1, 1), None, dt.date(2024, 2, 1)], "c": pd.Categorical(["p", None, "q"]),
                          "b": [True, None, False], "i": pd.array([1, None, 2], dtype="Int64"), "z": [None, None, None],
                          "l": [[{"size": 1.0}], [], None], "s": pd.Series([1.0, 2.0, 3.0], dtype="float32")})
    for data in (frame, frame.iloc[:0], frame.iloc[1:]):
        assert _from_pandas(data).equals(pa.Table.from_pandas(data, preserve_index=False))


def test_other_data_is_refused_with_what_is_taken() -> None:
    with pytest.raises(TypeError, match="takes a list of dicts, a pyarrow Table"):
        SURGERY.evaluate_many("lesion_count,2")


CHECKED = [n for n, i in EVERYTHING.inputs.items() if i.type.kind in ("number", "quantity", "enum")]


def _numbers(info: Any) -> st.SearchStrategy[float | None]:
    ends = [e for e in (info.low, info.high) if e is not None]
    near = [e + d for e in ends for d in (0.0, -1e-9, 1e-9, -1e-8, 1e-8, -0.5, 0.5, -1.0, 1.0)]
    return st.one_of(st.none(), st.sampled_from([*near, 0.5, 2.0, float("nan"), float("inf"), -float("inf"), 1e308]),
                     st.integers(-30, 120).map(float), st.floats(allow_nan=True, allow_infinity=True))


TEXT_FORMS = ("strings", "views", "dictionary", "dictionary with a text of no row")


def text_array(items: list[str | None], form: str) -> pa.Array:
    """Texts as a frame may hold them: strings, string views (Polars' texts), or a dictionary (pandas' and Polars'
    categories), whose dictionary may hold a text no row has (a Polars Categorical's holds every text it has seen)."""
    if form in ("strings", "views"):
        return pa.array(items, pa.string_view() if form == "views" else pa.string())
    texts = list(dict.fromkeys(i for i in items if i is not None)) + ["Unused"] * (form != "dictionary")
    return pa.DictionaryArray.from_arrays(pa.array([None if i is None else texts.index(i) for i in items], pa.int32()),
                                          pa.array(texts, pa.large_string()))


@pytest.mark.parametrize("name", CHECKED)
def test_the_kernels_clear_a_column_only_when_sql_finds_no_bad_value_in_it(name: str) -> None:
    """eligo.compiled.batch_checks is a pre-check of eligo.sql.columns' conditions: never more lenient."""
    import duckdb

    from eligo.compiled.batch_checks import clean
    from eligo.sql.columns import duckdb_kind, read_input

    info = EVERYTHING.inputs[name]
    if info.type.kind == "enum":
        values: st.SearchStrategy[Any] = st.one_of(st.none(), st.sampled_from(
            [*info.type.values, *(v.upper() for v in info.type.values), f"{info.type.values[0]} ", "", "other"]))
    else:
        values = _numbers(info)
    con = duckdb.connect()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(values, min_size=1, max_size=12), st.booleans(), st.integers(0, 12), st.sampled_from(TEXT_FORMS))
    def agree(items: list[Any], whole: bool, split: int, form: str) -> None:
        if info.type.kind == "enum":
            array = text_array(items, form)
        elif whole and all(v is None or (v == v and abs(v) < 1e15 and v == int(v)) for v in items):
            array = pa.array([None if v is None else int(v) for v in items], pa.int64())
        else:
            array = pa.array(items, pa.float64())
        column = pa.chunked_array([array[:split], array[split:]])
        con.register("data", pa.table({name: column}))
        kind = duckdb_kind(str(con.execute("DESCRIBE SELECT * FROM data").fetchall()[0][1]))
        _, bad = read_input(info, name, kind)
        found = con.execute(f"SELECT count(*) FROM data WHERE {bad.sql('duckdb')}").fetchall()[0][0]
        if clean(info, kind, column):
            assert found == 0, (items, column.type)
        con.unregister("data")

    agree()


def test_the_kernels_clear_ordinary_columns() -> None:
    from eligo.compiled.batch_checks import clean

    inputs = EVERYTHING.inputs
    assert clean(inputs["n"], "number", pa.chunked_array([pa.array([0, 3, None, 10], pa.int64())]))
    assert clean(inputs["n"], "number", pa.chunked_array([pa.array([0.0, 3.0, None], pa.float64())]))
    assert not clean(inputs["n"], "number", pa.chunked_array([pa.array([0.0, 3.5], pa.float64())]))
    assert clean(inputs["size"], "number", pa.chunked_array([pa.array([0.5, None, 20.0])]))
    assert not clean(inputs["size"], "number", pa.chunked_array([pa.array([float("nan")])]))
    assert clean(inputs["site"], "text", pa.chunked_array([pa.array(["lung", None, "bone"])]))
    assert not clean(inputs["site"], "text", pa.chunked_array([pa.array(["lung", "Lung"])]))
    assert clean(inputs["site"], "text", pa.chunked_array([pa.array(["lung", None], pa.string_view())]))
    assert not clean(inputs["site"], "text", pa.chunked_array([pa.array(["lung", "Lung"], pa.string_view())]))
    for form in TEXT_FORMS[2:]:  # a dictionary's text that no row holds is no bad value
        assert clean(inputs["site"], "text", pa.chunked_array([text_array(["lung", None, "bone"], form)]))
        assert not clean(inputs["site"], "text", pa.chunked_array([text_array(["lung", "Lung"], form)]))
