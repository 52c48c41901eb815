"""Guideline.evaluate_many beside the hand-written DuckDB CASE and a Python loop of `evaluate`, on the peer
harness's workload (benchmarks/workload, its case generator: 5% of DFIs and 8% of CA19-9 drops missing).

    python benchmarks/bench_batch.py [--rows N] [--cases N] [--runs N]

Prints medians of RUNS interleaved runs and the ratios, by wall and by CPU time (issue 17: Arrow, pandas and
Polars ≥ 0.5× the CASE's in-engine rate with every column; a list of dicts ≥ 2× the loop). The CASE computes the
decision only, in-engine (CREATE TEMP TABLE AS, as the harness measures it); evaluate_many takes the data in,
checks every value, computes value, status, rule, possible and missing with exact unknowns, and hands back an
Arrow table or frame.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEERS = next((p for up in HERE.parents if (p := up / "shared" / "bench" / "peers").is_dir()),
             HERE.parent.parent / "shared" / "bench" / "peers")  # beside the repository or a worktree


def harness() -> Any:
    spec = importlib.util.spec_from_file_location("bench_peers", PEERS / "bench_peers.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no peer harness at {PEERS}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_peers"] = module
    spec.loader.exec_module(module)
    return module


def interleaved(work: dict[str, Callable[[], object]], runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU seconds of each piece of work, the pieces run in turn `runs` times (the machine's load
    hits them alike). CPU time counts DuckDB's threads too: the work done, steadier on a shared machine."""
    wall: dict[str, list[float]] = {name: [] for name in work}
    cpu: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, job in work.items():
            gc.collect()  # each piece starts with no garbage of the one before it
            started, used = time.perf_counter(), time.process_time()
            job()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - used)
    return ({n: statistics.median(v) for n, v in wall.items()}, {n: statistics.median(v) for n, v in cpu.items()})


def measure(rows: int = 1_000_000, cases: int = 20_000, runs: int = 3, bp: Any = None) -> dict[str, float]:
    """Rates in cases per second, medians of `runs` interleaved runs (`cpu_…`: by CPU time; `bp`: the peer
    harness, if already loaded)."""
    import duckdb
    import pyarrow as pa

    import eligo

    bp = bp or harness()
    guideline = eligo.load(HERE / "workload").guideline("bench.metastasectomy")
    columns = bp.generate_columns(rows)
    frame = bp._polars_frame(columns)
    table = frame.to_arrow()
    pandas = table.to_pandas()
    records = [{k: v for k, v in r.items() if v is not None} for r in bp.columns_to_records(columns, 0, cases)]

    con = duckdb.connect()
    con.execute("CREATE TABLE cases AS SELECT * FROM frame")
    case_sql = "CREATE OR REPLACE TEMP TABLE decisions AS " + bp.DUCKDB_SQL
    con.execute(case_sql)
    tables: dict[str, Callable[[], object]] = {"duckdb_case": lambda: con.execute(case_sql)}
    for name, data in (("arrow", table), ("pandas", pandas), ("polars", frame)):
        guideline.evaluate_many(data)  # warm: the exact step's functions written on first need
        tables[f"many_{name}"] = lambda data=data: guideline.evaluate_many(data)
    decided = guideline.evaluate_many(table)
    assert isinstance(decided, pa.Table) and decided.num_rows == rows
    agree = decided.column("metastasectomy").to_pylist()[:cases]
    expected = [guideline.evaluate(r, trace=False)["metastasectomy"] for r in records]
    wrong = [i for i, d in enumerate(expected) if agree[i] != (d.value if d.status == "decided" else None)]
    assert not wrong, f"evaluate_many disagrees with evaluate on {len(wrong)} rows, first {wrong[:5]}"
    guideline.evaluate_many(records[:100])
    evaluate = guideline.evaluate
    loops: dict[str, Callable[[], object]] = {"many_rows": lambda: guideline.evaluate_many(records),
                                              "loop_evaluate": lambda: [evaluate(r) for r in records]}
    out: dict[str, float] = {}
    for work, size in ((tables, rows), (loops, cases)):
        wall, cpu = interleaved(work, runs)
        out |= {name: size / seconds for name, seconds in wall.items()}
        out |= {f"cpu_{name}": size / seconds for name, seconds in cpu.items()}
    return out


def report(rates: dict[str, float]) -> str:
    case, cpu_case = rates["duckdb_case"], rates["cpu_duckdb_case"]
    lines = [f"hand-written DuckDB CASE, in-engine, decision only   {case / 1e6:8.2f} M cases/s"]
    for name in ("arrow", "pandas", "polars"):
        rate = rates[f"many_{name}"]
        lines.append(f"evaluate_many({name:6}) → every column, exact   {rate / 1e6:8.2f} M cases/s   "
                     f"{rate / case:.2f}× the CASE (target ≥ 0.5×; by CPU time "
                     f"{rates[f'cpu_many_{name}'] / cpu_case:.2f}×)")
    loop, many = rates["loop_evaluate"], rates["many_rows"]
    lines.append(f"loop of evaluate(case) (its defaults)             {loop / 1e3:8.1f} k cases/s   "
                 f"{1e6 / loop:.2f} µs/case")
    lines.append(f"evaluate_many(list of dicts)                      {many / 1e3:8.1f} k cases/s   "
                 f"{1e6 / many:.2f} µs/case   {many / loop:.2f}× the loop (target ≥ 2×; by CPU time "
                 f"{rates['cpu_many_rows'] / rates['cpu_loop_evaluate']:.2f}×)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the Arrow/pandas/Polars batch")
    parser.add_argument("--cases", type=int, default=20_000, help="cases of the list of dicts and the loop")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(report(measure(args.rows, args.cases, args.runs)))


if __name__ == "__main__":
    main()
