"""Cohorts at scale: the peer workload written to Parquet (1M or 10M rows) and decided by `eligo cohort`.

Each run is a fresh `eligo cohort` process (any engine and flags: `--engine spark`, `--criteria`, `--compare`);
its wall time and peak resident memory (the larger of `wait4`'s and the sum over its process tree sampled every
0.2 s, so that Spark's JVM counts) are reported beside the size of the data, in the file and as Arrow columns in memory.
Rows are the workload's 1M generated cases, repeated (DuckDB sees no difference; the Parquet file
compresses the repeats, so the in-memory size is the one to compare with).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
KB = ROOT / "workload"


def write_parquet(bp: Any, path: Path, rows: int, base_rows: int = 1_000_000) -> int:
    """The workload's first `base_rows` generated cases, repeated to `rows` rows; returns the Arrow size of
    the data in memory (bytes)."""
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = bp.generate_columns(min(rows, base_rows))
    arrays = {}
    for name in bp.FIELDS:
        column = cols[name]
        if column.dtype.kind == "f":
            arrays[name] = pa.array(column, mask=np.isnan(column))
        elif column.dtype == object:
            arrays[name] = pa.array(column.tolist(), pa.string())
        else:
            arrays[name] = pa.array(column)
    table = pa.table(arrays)
    per_row = table.nbytes / table.num_rows
    base = path.with_name(f"base-{table.num_rows}.parquet")
    pq.write_table(table, base)
    repeats = -(-rows // table.num_rows)
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT b.* FROM read_parquet('{base}') b, range({repeats}) LIMIT {rows}) "
                    f"TO '{path}' (FORMAT parquet)")
    base.unlink()
    return int(per_row * rows)


_WAIT4 = """
import json, os, subprocess, sys, threading, time

def tree_rss(root):
    parents, rss = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents[int(entry)], rss[int(entry)] = int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                pass
    wanted = {root}
    for _ in range(8):  # descendants to depth 8 (spark-submit, its JVM)
        wanted |= {pid for pid, parent in parents.items() if parent in wanted}
    return sum(rss.get(pid, 0) for pid in wanted)

start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
peak, done = [0], threading.Event()
def sample():  # never waits for the child: wait4 below reaps it, with its own rusage
    while not done.is_set():
        peak[0] = max(peak[0], tree_rss(child.pid))
        done.wait(0.2)
threading.Thread(target=sample, daemon=True).start()
output = child.stdout.read()
done.set()
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"wall_s": time.perf_counter() - start, "peak_rss_bytes": max(usage.ru_maxrss * 1024, peak[0]),
                  "code": os.waitstatus_to_exitcode(status), "summary": output}))
"""


def run_cohort(data: Path, out: Path, threads: int | None = None, *flags: str, kb: Path = KB) -> dict[str, Any]:
    """One `eligo cohort` process: wall seconds and peak RSS (bytes). The process is started by a small
    interpreter, so that its peak RSS is its own (a child forked from this big process would count the
    pages it shares with it before exec)."""
    executable = shutil.which("eligo")
    command = [executable] if executable else [sys.executable, "-c", "from eligo.cli.main import main; main()"]
    command += ["cohort", "bench.metastasectomy", str(data), "-o", str(out), "--kb", str(kb), *flags]
    if threads:
        command += ["--threads", str(threads)]
    run = subprocess.run([sys.executable, "-c", _WAIT4, *command], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(run.stdout)
    if result.pop("code") != 0:
        raise RuntimeError(f"eligo cohort failed:\n{result['summary']}")
    return result


def measure(bp: Any, rows: int, folder: Path, threads: int | None = None) -> dict[str, Any]:
    data, out = folder / f"cohort-{rows}.parquet", folder / f"decided-{rows}.parquet"
    arrow_bytes = write_parquet(bp, data, rows)
    result = run_cohort(data, out, threads)
    result.update(rows=rows, parquet_bytes=data.stat().st_size, arrow_bytes=arrow_bytes, threads=threads,
                  rows_per_s=rows / result["wall_s"], output_bytes=out.stat().st_size)
    data.unlink()
    out.unlink()
    return result


def two_versions(folder: Path) -> Path:
    """The workload's knowledge base with a version 1.1.0 beside 1.0.0 (at most 4 lesions, not 5), for --compare."""
    kb = folder / "workload"
    shutil.copytree(KB, kb, dirs_exist_ok=True)
    source = (KB / "bench" / "metastasectomy" / "1.0.0.eligo").read_text()
    changed = source.replace("version 1.0.0", "version 1.1.0").replace("lesion_count <= 5", "lesion_count <= 4")
    (kb / "bench" / "metastasectomy" / "1.1.0.eligo").write_text(changed)
    return kb


RUNS = (("", ()), ("--criteria", ("--criteria",)), ("--compare 1.0.0 1.1.0", ("--compare", "1.0.0", "1.1.0")))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def side_by_side(bp: Any, rows: int, folder: Path, engines: tuple[str, ...] = ("duckdb", "spark"),
                 master: str = "local[2]") -> list[dict[str, Any]]:
    """Each engine over the same Parquet rows: one run, with --criteria, and --compare of two versions."""
    data = folder / f"cohort-{rows}.parquet"
    arrow_bytes = write_parquet(bp, data, rows)
    kb = two_versions(folder)
    run_cohort(data, folder / "warm-up.parquet", None, kb=kb)  # the file in the page cache for every run alike
    results = []
    for engine in engines:
        for label, flags in RUNS:
            out = folder / f"out-{engine}-{len(results)}.parquet"
            engine_flags = ["--engine", engine] + (["--master", master] if engine == "spark" else [])
            print(f"  {engine} {label} over {rows:,} rows", flush=True)
            result = run_cohort(data, out, None, *engine_flags, *flags, kb=kb)
            result.update(engine=engine, run=label or "decisions", rows=rows, arrow_bytes=arrow_bytes,
                          parquet_bytes=data.stat().st_size, rows_per_s=rows / result["wall_s"],
                          output_bytes=_size(out))
            print(f"    {result['wall_s']:.1f} s, {result['rows_per_s'] / 1e6:.2f} M rows/s, peak RSS "
                  f"{result['peak_rss_bytes'] / 2**20:.0f} MiB", flush=True)
            shutil.rmtree(out) if out.is_dir() else out.unlink()
            results.append(result)
    data.unlink()
    return results
