"""Where the time of Eligo's DuckDB answer columns goes, beside the harness's hand-written CASE (issue 17: "decision,
status, rule and missing list ≥ 0.8× the CASE … say what the extra columns cost").

    python benchmarks/bench_columns.py [--rows N] [--runs N] [--threads N] [--scale N]

Every query is timed as the harness times its DuckDB engine (CREATE OR REPLACE TEMP TABLE … AS the query, over a
table of the harness's generated cases), the queries in turn, RUNS times; the medians are printed. Besides the
whole queries it times their parts:

- each answer column added alone to the decision column, so that what each costs shows;
- storing: the same columns computed beforehand and only copied into a new table (the scan and the write), the
  four answer columns beside the hand-written CASE's one VARCHAR column;
- planning: each query over no rows (parse, bind, optimise and an empty run);
- with --scale N (run.py: 5M), the CASE and the four columns over N rows, where planning weighs less.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_batch  # noqa: E402
import engines  # noqa: E402

FOUR = ("", "_status", "_rule", "_missing")


def queries(bp: Any) -> dict[str, str]:
    """The queries timed, by name (each over the table `cases`)."""
    from eligo.sql import query as sql

    guideline = engines.compile_workload(engines.WORKLOAD.read_text())

    def eligo(outputs: tuple[str, ...]) -> str:
        return str(sql.compile_query(guideline, "cases", keep=[], outputs=outputs).sql("duckdb"))

    return {"hand-written CASE (VARCHAR)": bp.DUCKDB_SQL, "hand-written CASE (ENUM)": engines.enum_case(bp),
            "hand-written CASE + three constant columns": engines.four_floor(bp),
            "Eligo: decision": eligo(("",)), "Eligo: decision + status": eligo(("", "_status")),
            "Eligo: decision + rule": eligo(("", "_rule")), "Eligo: decision + missing": eligo(("", "_missing")),
            "Eligo: decision, status, rule, missing": eligo(FOUR), "Eligo: every column": eligo(tuple(sql.SUFFIXES))}


def measure(bp: Any, rows: int = 1_000_000, runs: int = 7, threads: int | None = None) -> dict[str, float]:
    """Median seconds of each query, of the stored columns copied ("store: …") and of each query over no rows
    ("plan: …")."""
    import duckdb

    frame = bp._polars_frame(bp.generate_columns(rows))  # noqa: F841 - scanned by DuckDB by name
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("CREATE TABLE cases AS SELECT * FROM frame")
    con.execute("CREATE TABLE no_cases AS SELECT * FROM cases LIMIT 0")
    timed = queries(bp)
    hand, four = timed["hand-written CASE (VARCHAR)"], timed["Eligo: decision, status, rule, missing"]
    con.execute("CREATE TABLE hand_answers AS " + hand)
    con.execute("CREATE TABLE four_answers AS " + four)
    work = dict(timed)
    work["store: the CASE's one VARCHAR column"] = "SELECT * FROM hand_answers"
    work["store: Eligo's four columns"] = "SELECT * FROM four_answers"
    work["plan: hand-written CASE"] = hand.replace("FROM cases", "FROM no_cases")
    work["plan: Eligo's four columns"] = four.replace("FROM cases", "FROM no_cases")
    return _timed(con, work, runs)


def at_scale(bp: Any, rows: int = 5_000_000, runs: int = 5) -> dict[str, float]:
    """Median seconds of the hand-written CASE and of Eligo's four columns over `rows` cases, in turn: at five
    times the harness's million rows, planning (a fixed cost, "plan: …" above) is a fifth of its share."""
    import duckdb

    frame = bp._polars_frame(bp.generate_columns(rows))  # scanned by DuckDB by name
    con = duckdb.connect()
    con.execute("CREATE TABLE cases AS SELECT * FROM frame")
    del frame
    timed = queries(bp)
    work = {name: timed[name] for name in ("hand-written CASE (VARCHAR)", "Eligo: decision, status, rule, missing")}
    return _timed(con, work, runs)


def _timed(con: Any, work: dict[str, str], runs: int) -> dict[str, float]:
    """Median seconds of each query stored as the harness stores its DuckDB answers, the queries in turn `runs`
    times; the connection is closed after."""
    took: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, query in work.items():
            started = time.perf_counter()
            con.execute("CREATE OR REPLACE TEMP TABLE decisions AS " + query)
            took[name].append(time.perf_counter() - started)
    con.close()
    return {name: statistics.median(seconds) for name, seconds in took.items()}


def report(medians: dict[str, float]) -> str:
    hand = medians["hand-written CASE (VARCHAR)"]
    lines = []
    for name, seconds in medians.items():
        lines.append(f"{name:48} {seconds * 1000:7.1f} ms   {hand / seconds:5.2f}× the CASE's rate")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB's threads (default: its own)")
    parser.add_argument("--scale", type=int, default=0, help="also time the CASE and the four columns over this many rows")
    args = parser.parse_args()
    bp = bench_batch.harness()
    print(report(measure(bp, args.rows, args.runs, args.threads)))
    if args.scale:
        print(f"at {args.scale:,} rows:")
        print(report(at_scale(bp, args.scale, args.runs)))


if __name__ == "__main__":
    main()
