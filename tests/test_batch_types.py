"""evaluate_many's answer types (eligo.compiled.batch_texts): every text a dictionary over its closed set, in the
order of eligo.sql.texts, which is DuckDB's ENUMs' order; the same dictionaries for rows decoded from codes, rows
re-decided by SQL, a `collect` decision's lists, an empty batch and a list of dicts; Categorical columns in pandas
and Enum columns in Polars, reading back as the texts `evaluate` gives."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.compiled.batch_texts import conformed, domains, encoded, encoded_lists, schema
from eligo.sql.query import compile_query
from eligo.sql.texts import LARGEST
from tests.cohorts import EVERYTHING, arrow_table, knowledge_guidelines, python_outcomes, rows
from tests.eligo_helpers import kb, module

GUIDELINES = [*knowledge_guidelines(), EVERYTHING]

BOARD = kb(module("demo.board", """
    kind site: lung | liver | bone
    input lesion_count: count from 0 to 20
    input dfi: duration in months from 0 to 240, optional
    input site: site, optional

    decision surgery: candidate > not_candidate
      rule many: when lesion_count > 5 then not_candidate
      rule late: when dfi > 12 months then candidate

    decision review: review | no_review, first match
      rule liver: when site = liver then open because "the board decides"
      rule large: when lesion_count > 10 then review
      otherwise no_review

    decision follow: scan | visit | call, collect
      rule busy: when lesion_count > 3 then scan
      rule early: when dfi < 6 months then visit
      rule far: when site = bone then call
""")).guideline("demo.board")

WIDE = kb(module("demo.wide", "\n".join([
    "input n: count from 0 to 10, optional",
    "decision pick: " + " | ".join(f"o{i}" for i in range(254)) + ", first match",
    "  rule high: when n > 5 then o253",
    "  otherwise o0"]))).guideline("demo.wide")

# rows of every guideline construct, some left unknown, some not (a fixed sample: the same rows every run)
EVERYTHING_ROWS = [{name: None for name in EVERYTHING.inputs} | row for row in [
    {"n": 4, "m": 2.0, "site": "lung", "grade": "low", "flag": True, "size": 6.0, "wait": 12.0, "share": 60.0},
    {"n": 1, "site": "liver", "flag": False, "size": 1.0, "wait": 2.0, "share": 10.0, "m": -1.0},
    {"n": 7, "m": 3.0, "site": "bone", "grade": "high", "flag": False, "size": 2.0, "wait": 20.0, "share": 0.0},
    {"site": "lung"}, {}, {"n": 3, "m": 1.0}, {"n": 9, "m": -4.0, "grade": "low", "size": 0.5, "wait": 0.0, "share": 5.0}]]

# decided, unknown (no dfi), unmatched (dfi too short), open (liver), a `collect` decision unknown and decided
BOARD_ROWS: list[dict[str, Any]] = [
    {"lesion_count": 7, "dfi": 3.0, "site": "lung"}, {"lesion_count": 2}, {"lesion_count": 2, "dfi": 6.0},
    {"lesion_count": 2, "dfi": 20.0, "site": "liver"}, {"lesion_count": 12, "site": "bone"},
    {"lesion_count": 4, "dfi": 13.0, "site": "bone"}, {"lesion_count": 1, "dfi": 1.0}]


def expected(guideline: eligo.Guideline, cohort: list[dict[str, Any]], exact: bool = True) -> list[dict[str, Any]]:
    """`evaluate`'s answers as the result's rows (a `collect` value a list; possible, missing lists)."""
    out = []
    for row in python_outcomes(guideline, [{k: v for k, v in r.items() if v is not None} for r in cohort], exact):
        record = {}
        for name, (value, status, rule, possible, missing) in row.items():
            record |= {name: list(value) if isinstance(value, tuple) else value, f"{name}_status": status,
                       f"{name}_rule": rule, f"{name}_possible": list(possible), f"{name}_missing": list(missing)}
        out.append(record)
    return out


def texts_of(column: pa.ChunkedArray, domain: tuple[str, ...]) -> list[Any]:
    """The column's texts read by hand: each index looked up in `domain`, not in the column's own dictionary."""
    out: list[Any] = []
    for chunk in column.chunks:
        if pa.types.is_list(chunk.type):
            items = [None if i is None else domain[i] for i in chunk.values.indices.to_pylist()]
            offsets = chunk.offsets.to_pylist()
            out += [None if not chunk[k].is_valid else items[offsets[k]:offsets[k + 1]] for k in range(len(chunk))]
        else:
            out += [None if i is None else domain[i] for i in chunk.indices.to_pylist()]
    return out


def assert_dictionaries(guideline: eligo.Guideline, decided: pa.Table) -> None:
    """The result is typed as `schema` says, every chunk's dictionary is its column's whole closed set, and its
    arrays are sound (indices within their dictionaries, NULLs counted as the validity bitmaps say)."""
    decided.validate(full=True)
    assert decided.schema == schema(guideline)
    for name, column, domain in zip(decided.column_names, decided.columns, domains(guideline), strict=True):
        for chunk in column.chunks:
            held = chunk.values.dictionary if pa.types.is_list(chunk.type) else chunk.dictionary
            assert held.to_pylist() == list(domain), name


@pytest.mark.parametrize("kind", ["rows", "arrow"])
@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_every_text_is_an_index_into_its_closed_set(guideline: eligo.Guideline, kind: str) -> None:
    @settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(rows(guideline), min_size=1, max_size=40))
    def agree(cohort: list[dict[str, Any]]) -> None:
        data = [{k: v for k, v in r.items() if v is not None} for r in cohort] if kind == "rows" else \
            arrow_table(guideline, cohort)
        decided = guideline.evaluate_many(data)
        assert_dictionaries(guideline, decided)
        want = expected(guideline, cohort)
        for name, column, domain in zip(decided.column_names, decided.columns, domains(guideline), strict=True):
            assert texts_of(column, domain) == [row[name] for row in want], name

    agree()


@pytest.mark.parametrize("guideline", [EVERYTHING, BOARD, WIDE, *knowledge_guidelines()[:3]], ids=lambda g: g.id)
def test_duckdbs_enums_hold_the_same_texts_in_the_same_order(guideline: eligo.Guideline) -> None:
    """The SQL answers and the decoded ones share one dictionary: what makes merging them a matter of indices."""
    with duckdb.connect() as con:
        con.register("cohort", arrow_table(guideline, []))
        query = compile_query(guideline, "cohort").sql(dialect="duckdb")
        kinds = {str(row[0]): str(row[1]) for row in con.execute(f"DESCRIBE {query}").fetchall()}
        for name, domain in zip(schema(guideline).names, domains(guideline), strict=True):
            kind = kinds[name]
            if kind.removesuffix("[]") == "VARCHAR":  # an empty set, or one too large to spell in each constant
                assert domain == () or len(domain) > LARGEST, name  # (eligo.sql.texts): re-indexed as texts
                continue
            assert kind.startswith("ENUM("), (name, kind)
            values = con.execute(f"SELECT enum_range(NULL::{kind.removesuffix('[]')})").fetchall()[0][0]
            assert list(values) == list(domain), name


@pytest.mark.parametrize("exact", [True, False])
def test_rows_re_decided_by_sql_merge_with_decoded_rows_over_one_dictionary(exact: bool) -> None:
    decided = BOARD.evaluate_many(pa.Table.from_pylist(BOARD_ROWS), exact=exact)
    assert_dictionaries(BOARD, decided)
    statuses = decided.column("surgery_status").to_pylist()
    assert {"decided", "unknown", "unmatched"} <= set(statuses)
    assert "open" in decided.column("review_status").to_pylist()
    assert all(column.num_chunks == 1 for column in decided.columns)
    assert decided.to_pylist() == expected(BOARD, BOARD_ROWS, exact)
    assert decided.column("follow").to_pylist()[5] == ["scan", "call"]


def test_a_collect_decisions_value_is_a_list_of_its_outcomes_in_every_kind() -> None:
    table = pa.Table.from_pylist(BOARD_ROWS)
    want = [row["follow"] for row in expected(BOARD, BOARD_ROWS)]
    assert None in want and ["scan", "call"] in want  # an unknown row (dfi missing) and a decided one
    arrow = BOARD.evaluate_many(table)
    assert arrow.schema.field("follow").type == pa.list_(pa.dictionary(pa.uint8(), pa.string()))
    assert arrow.column("follow").to_pylist() == want
    frame = BOARD.evaluate_many(table.to_pandas())
    assert [None if v is pd.NA else list(v) for v in frame["follow"]] == want
    polars = BOARD.evaluate_many(pl.from_arrow(table))
    assert polars.schema["follow"] == pl.List(pl.Enum(["scan", "visit", "call"]))
    assert polars["follow"].to_list() == want
    listed = BOARD.evaluate_many(BOARD_ROWS)
    assert listed.column("follow").to_pylist() == want


def test_pandas_gets_categorical_texts_and_arrow_lists() -> None:
    frame = BOARD.evaluate_many(pd.DataFrame(BOARD_ROWS))
    for name, domain in zip(frame.columns, domains(BOARD), strict=True):
        kind = frame[name].dtype
        if name in ("follow",) or name.endswith(("_possible", "_missing")):
            assert isinstance(kind, pd.ArrowDtype) and pa.types.is_list(kind.pyarrow_dtype), name
        else:
            assert kind == pd.CategoricalDtype(list(domain), ordered=False), name
    want = expected(BOARD, BOARD_ROWS)
    got = [{k: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else
                list(v) if not isinstance(v, str) else v) for k, v in row.items()}
           for row in frame.astype(object).to_dict("records")]
    assert got == want
    assert (frame["surgery_status"] == "unknown").sum() == 1


def test_polars_gets_enum_texts_and_lists_of_enums() -> None:
    frame = BOARD.evaluate_many(pl.DataFrame(BOARD_ROWS))
    for name, domain in zip(frame.columns, domains(BOARD), strict=True):
        enum = pl.Enum(list(domain))
        lists = name == "follow" or name.endswith(("_possible", "_missing"))
        assert frame.schema[name] == (pl.List(enum) if lists else enum), name
    assert frame.to_dicts() == expected(BOARD, BOARD_ROWS)
    assert frame.filter(pl.col("review_status") == "open").height == 1


@pytest.mark.parametrize("kind", ["rows", "arrow", "pandas", "polars"])
def test_an_empty_batch_has_the_same_types_and_whole_dictionaries(kind: str) -> None:
    table = pa.Table.from_pylist(BOARD_ROWS).slice(0, 0)
    data: Any = {"rows": [], "arrow": table, "pandas": table.to_pandas(), "polars": pl.from_arrow(table)}[kind]
    decided = BOARD.evaluate_many(data)
    assert len(decided) == 0
    if kind in ("rows", "arrow"):
        assert_dictionaries(BOARD, decided)
    elif kind == "pandas":
        assert decided["surgery_status"].dtype == pd.CategoricalDtype(list(domains(BOARD)[1]))
    else:
        assert decided.schema["surgery_rule"] == pl.Enum(["many", "late"])


def test_a_possible_list_wider_than_its_values_gets_wider_indices() -> None:
    """254 outcomes are one byte an index; the possible list's 256 texts (and `open`, `none`) need two."""
    kinds = schema(WIDE)
    assert kinds.field("pick").type.index_type == pa.uint8()
    assert kinds.field("pick_possible").type.value_type.index_type == pa.uint16()
    cohort = [{"n": 9}, {"n": 1}, {}]
    for data in (pa.Table.from_pylist(cohort, schema=pa.schema([("n", pa.int64())])), cohort):
        decided = WIDE.evaluate_many(data)
        assert_dictionaries(WIDE, decided)
        assert decided.to_pylist() == expected(WIDE, cohort)
        assert decided.column("pick_possible").to_pylist() == [["o253"], ["o0"], ["o0", "o253"]]
    settled = WIDE.evaluate_many(pa.table({"n": pa.array([9, 1, 9], pa.int64())}))  # every list is [value]
    assert settled.column("pick_possible").to_pylist() == [["o253"], ["o0"], ["o253"]]
    frame = WIDE.evaluate_many(pd.DataFrame({"n": [9.0, 1.0, None]}))  # 254 categories: codes of two bytes
    assert frame["pick"].dtype == pd.CategoricalDtype([f"o{i}" for i in range(254)])
    assert frame["pick"].cat.codes.tolist() == [253, 0, -1]


def test_encoded_texts_index_their_set() -> None:
    array = encoded(["b", None, "a", "c"], ("a", "b", "c"))
    assert array.indices.to_pylist() == [1, None, 0, 2]
    assert array.dictionary.to_pylist() == ["a", "b", "c"]
    lists = encoded_lists([("c", "a"), (), None], ("a", "b", "c"))
    assert lists.to_pylist() == [["c", "a"], [], None]
    assert lists.values.indices.to_pylist() == [2, 0]
    with pytest.raises(AssertionError, match="outside their closed set"):
        encoded(["d"], ("a", "b"))


def test_sql_answers_are_conformed_to_the_closed_set() -> None:
    domain = ("a", "b", "c")
    same = pa.DictionaryArray.from_arrays(pa.array([2, None, 0], pa.uint8()), pa.array(domain))
    kept = conformed(same, domain)
    assert kept.indices.to_pylist() == [2, None, 0] and kept.dictionary.to_pylist() == list(domain)
    permuted = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.uint8()), pa.array(["c", "a"]))
    assert conformed(permuted, domain).indices.to_pylist() == [2, 0]
    assert conformed(pa.array(["b", None]), domain).indices.to_pylist() == [1, None]
    listed = pa.array([["b", "a"], None, []], pa.list_(pa.string()))
    assert conformed(listed, domain, lists=True).to_pylist() == [["b", "a"], None, []]
    assert conformed(listed, domain, lists=True, filled=True).to_pylist() == [["b", "a"], [], []]
    assert conformed(listed, domain, lists=True).values.dictionary.to_pylist() == list(domain)
    with pytest.raises(AssertionError, match="outside their closed set"):
        conformed(pa.array(["z"]), domain)


def test_rows_per_code_are_counted_alike_for_a_decision_of_many_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """A decision of more than COMPARED codes counts its rows per code by np.bincount, not by comparisons: the same
    columns, NULLs counted alike, with rows left unknown and without."""
    from eligo.compiled import batch_table

    settled = [row for row, want in zip(BOARD_ROWS, expected(BOARD, BOARD_ROWS), strict=True)
               if all(want[f"{d}_status"] != "unknown" for d in BOARD.decision_names)]
    assert 0 < len(settled) < len(BOARD_ROWS)
    for guideline, data in ((EVERYTHING, EVERYTHING_ROWS), (BOARD, BOARD_ROWS), (BOARD, settled)):
        table = arrow_table(guideline, [{name: None for name in guideline.inputs} | row for row in data])
        compared = guideline.evaluate_many(table)
        monkeypatch.setattr(batch_table, "COMPARED", 0)
        counted = guideline.evaluate_many(table)
        monkeypatch.undo()
        assert_dictionaries(guideline, counted)
        assert counted.equals(compared)
        assert counted.to_pylist() == expected(guideline, data)
