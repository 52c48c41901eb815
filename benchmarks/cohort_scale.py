"""Cohorts at scale: the peer workload written to Parquet (1M or 10M rows) and decided by `eligo cohort`.

Each run is a fresh `eligo cohort` process; its wall time and peak resident memory (from `wait4`) are
reported beside the size of the data, in the file and as uncompressed Arrow columns in memory.
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
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"wall_s": time.perf_counter() - start, "peak_rss_bytes": usage.ru_maxrss * 1024,
                  "code": os.waitstatus_to_exitcode(status), "summary": output}))
"""


def run_cohort(data: Path, out: Path, threads: int | None = None) -> dict[str, Any]:
    """One `eligo cohort` process: wall seconds and peak RSS (bytes). The process is started by a small
    interpreter, so that its peak RSS is its own (a child forked from this big process would count the
    pages it shares with it before exec)."""
    executable = shutil.which("eligo")
    command = [executable] if executable else [sys.executable, "-c", "from eligo.cli.main import main; main()"]
    command += ["cohort", "bench.metastasectomy", str(data), "-o", str(out), "--kb", str(KB)]
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
