"""Eligo as engines of the peer harness (../shared/bench/peers/bench_peers.py), on its reference workload.

The workload is benchmarks/workload/bench/metastasectomy/1.0.0.eligo. Per-case engines get the harness's case dicts,
which are already valid (canonical values, missing = None), so "validated input" means no `prepare`;
one engine adds it. Batch engines run the SQL that `eligo.sql` writes for DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import eligo
from eligo.sql import query as sql

WORKLOAD = Path(__file__).resolve().parent / "workload" / "bench" / "metastasectomy" / "1.0.0.eligo"
GUIDELINE = "bench.metastasectomy"
DECISION = "metastasectomy"


def compile_workload(source: str) -> eligo.Guideline:
    """Parse, check, lower and generate code for the workload guideline (the engines' compile step)."""
    kb = eligo.KnowledgeBase.from_texts({"bench/metastasectomy/1.0.0.eligo": source})
    errors = [d for d in kb.check() if d.is_error]
    if errors:
        raise ValueError("\n".join(d.headline() for d in errors))
    return kb.guideline(GUIDELINE)


def _classifier(source: str) -> Callable[[dict[str, Any]], object]:
    return compile_workload(source).classifier(DECISION)


def factories(bp: Any) -> tuple[list[Callable[[], Any]], list[Callable[[], Any]]]:
    """The Eligo engines, as the harness's `engine_*` and `batch_*` factories (named for the harness)."""
    source = WORKLOAD.read_text()
    Engine, BatchEngine = bp.Engine, bp.BatchEngine

    def engine_eligo() -> Any:
        return Engine(
            name="eligo", label="Eligo: compiled classifier (validated input, no trace)", packages=["eligo"],
            source=source, compile=_classifier, make_eval=lambda f: f,
            note="generated Python, one decision, returns its outcome when decided (Guideline.classifier)",
            batch=lambda f, recs: [f(c) for c in recs], batch_label="Eligo: compiled classifier over 1M dicts")

    def engine_eligo_result() -> Any:
        def make(g: eligo.Guideline) -> Callable[[dict[str, Any]], object]:
            evaluate = g.evaluate_prepared
            return lambda c: evaluate(c).decisions[DECISION].value
        return Engine(name="eligo_result", label="Eligo: evaluate_prepared → Result (validated input, no trace)",
                      packages=["eligo"], source=source, compile=compile_workload, make_eval=make,
                      note="every decision as a Result with value, status, rule, missing list, because, cites")

    def engine_eligo_trace() -> Any:
        def make(g: eligo.Guideline) -> Callable[[dict[str, Any]], object]:
            evaluate = g.evaluate_prepared
            return lambda c: evaluate(c, trace=True).decisions[DECISION].value
        return Engine(name="eligo_trace", label="Eligo: evaluate_prepared, full trace recorded",
                      packages=["eligo"], source=source, compile=compile_workload, make_eval=make,
                      note="the Result with every evaluated condition's Step, made as the traced evaluator runs "
                           "(most reused from the site's memo)")

    def engine_eligo_trace_steps() -> Any:
        def make(g: eligo.Guideline) -> Callable[[dict[str, Any]], object]:
            evaluate = g.evaluate_prepared

            def f(c: dict[str, Any]) -> object:
                result = evaluate(c, trace=True)
                tuple(result.trace)
                return result.decisions[DECISION].value
            return f
        return Engine(name="eligo_trace_steps", label="Eligo: evaluate_prepared, full trace made into Steps",
                      packages=["eligo"], source=source, compile=compile_workload, make_eval=make,
                      note="as eligo_trace, and every trace Step object built")

    def engine_eligo_validated() -> Any:
        def make(g: eligo.Guideline) -> Callable[[dict[str, Any]], object]:
            evaluate = g.evaluate
            return lambda c: evaluate(c, trace=False).decisions[DECISION].value
        return Engine(name="eligo_validated", label="Eligo: evaluate (validates the case), no trace",
                      packages=["eligo"], source=source, compile=compile_workload, make_eval=make,
                      note="validation and unit conversion of every input, then evaluate_prepared")

    def engine_eligo_evaluate() -> Any:
        def make(g: eligo.Guideline) -> Callable[[dict[str, Any]], object]:
            evaluate = g.evaluate
            return lambda c: evaluate(c).decisions[DECISION].value
        return Engine(name="eligo_evaluate", label="Eligo: evaluate with its defaults (validates, a Result that "
                      "can explain itself)", packages=["eligo"], source=source, compile=compile_workload,
                      make_eval=make, note="Guideline.evaluate(case) as an embedder calls it: validation and unit "
                      "conversion, exact unknowns, the trace and values of the Result there when asked for")

    def duckdb_engine(name: str, label: str, outputs: tuple[str, ...]) -> Callable[[], Any]:
        def factory() -> Any:
            import duckdb

            con = duckdb.connect()

            def comp(text: str) -> str:
                query = sql.compile_query(compile_workload(text), "cases", keep=[], outputs=outputs).sql("duckdb")
                con.execute("CREATE OR REPLACE TABLE cases AS SELECT * FROM (SELECT 'renal' AS primary_site, "
                            "1.0 AS dfi_months, 1 AS lesion_count, 1 AS organs_involved, TRUE AS r0_achievable, "
                            "1 AS ecog, 'stable' AS preop_chemo_response, 1.0 AS ca19_9_drop_pct, "
                            "1.0 AS ca125_drop_pct) WHERE FALSE")
                con.execute("PREPARE decide AS " + query)  # bind and plan, as the harness's DuckDB engine does
                return query

            def load(cols: dict[str, Any]) -> Any:
                df = bp._polars_frame(cols)  # noqa: F841 - scanned by DuckDB by name
                con.execute("CREATE OR REPLACE TABLE cases AS SELECT * FROM df")
                return con

            def run(query: str, c: Any) -> Any:
                c.execute("CREATE OR REPLACE TEMP TABLE decisions AS " + query)
                return c

            def to_list(c: Any) -> list[object]:
                return [r[0] for r in c.execute(f'SELECT "{DECISION}" FROM decisions').fetchall()]

            def run_to_list(query: str, c: Any) -> list[object]:
                return c.execute(query).to_arrow_table().column(0).to_pylist()  # type: ignore[no-any-return]

            return BatchEngine(name=name, label=label, packages=["duckdb"], source=source, compile=comp, load=load,
                               run=run, to_list=to_list, run_to_list=run_to_list,
                               note=f"SQL written by eligo.sql (sqlglot) with outputs {list(outputs)}")
        factory.__name__ = f"batch_{name}"
        return factory

    def reference_engine(name: str, label: str, sql_text: str) -> Callable[[], Any]:
        """The harness's own DuckDB engine running another hand-written query (a reference, not Eligo's SQL)."""
        def factory() -> Any:
            engine = bp.batch_duckdb()
            return BatchEngine(name=name, label=label, packages=["duckdb"], source=sql_text, compile=engine.compile,
                               load=engine.load, run=engine.run, to_list=engine.to_list,
                               run_to_list=engine.run_to_list, note="hand-written; for reference, not a peer")
        factory.__name__ = f"batch_{name}"
        return factory

    engines = [engine_eligo, engine_eligo_result, engine_eligo_trace, engine_eligo_trace_steps, engine_eligo_validated,
               engine_eligo_evaluate]
    batches = [
        duckdb_engine("eligo_duckdb", "Eligo → DuckDB SQL, the decision column", ("",)),
        duckdb_engine("eligo_duckdb_four", "Eligo → DuckDB SQL, decision + status + rule + missing list",
                      ("", "_status", "_rule", "_missing")),
        duckdb_engine("eligo_duckdb_full", "Eligo → DuckDB SQL, every column (decision, status, rule, possible, "
                      "missing)", sql.SUFFIXES),
        reference_engine("duckdb_enum", "Hand-written CASE, the decision an ENUM (as Eligo types it)", enum_case(bp)),
        reference_engine("duckdb_four_floor", "Hand-written CASE + status, rule and missing of Eligo's types, "
                         "holding constants", four_floor(bp)),
    ]
    return engines, batches


OUTCOMES = "ENUM('candidate', 'not_candidate', 'insufficient_data')"


def enum_case(bp: Any) -> str:
    """The harness's hand-written CASE with its three texts typed as Eligo types a decision's value in DuckDB: what
    the type alone is worth, beside the same CASE giving VARCHAR."""
    import re

    typed = re.sub(r"THEN '(\w+)'", rf"THEN CAST('\1' AS {OUTCOMES})", bp.DUCKDB_SQL)
    return typed.replace("ELSE 'not_candidate'", f"ELSE CAST('not_candidate' AS {OUTCOMES})")


def four_floor(bp: Any) -> str:
    """The hand-written CASE and three more columns of the types Eligo's status, rule and missing list have in
    DuckDB, holding constants: what storing the four columns costs when the extra three compute nothing."""
    status = "ENUM('decided', 'unknown', 'unmatched', 'conflict', 'open')"
    rules = "ENUM('no_dfi', 'selected', 'otherwise')"
    inputs = "ENUM(" + ", ".join(f"'{n}'" for n in bp.FIELDS) + ")"
    extra = (f"AS decision, CAST('decided' AS {status}) AS status, CAST('otherwise' AS {rules}) AS rule, "
             f"CAST(NULL AS {inputs}[]) AS missing")
    return str(enum_case(bp)).replace("AS decision", extra, 1)
