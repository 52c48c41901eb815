"""DuckDB and Spark side by side on `eligo cohort` (the product's drivers, `eligo.sql.cohort` and `eligo.sql.spark`):
rows per second and peak memory for the decisions alone, with `--criteria`, and for `--compare` of two versions.

    python benchmarks/spark_decide.py --rows 1000000,10000000 --master local[2] [--write]

`--write` puts the table in benchmarks/RESULTS.md, in its own section (the rest of the file is kept). On a
cluster, run `eligo cohort GUIDELINE hdfs:///… -o hdfs:///… --engine spark --master yarn` instead.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cohort_scale  # noqa: E402

SECTION = "## Cohorts at scale: DuckDB and Spark (issue 18)"


def table(results: list[dict[str, Any]]) -> list[str]:
    """The results as Markdown rows, each run's cost also relative to its engine's plain run."""
    plain = {(r["engine"], r["rows"]): r["wall_s"] for r in results if r["run"] == "decisions"}
    lines = ["| rows | engine | run | wall | rows/s | peak RSS | × the plain run |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['rows']:,} | {r['engine']} | {r['run']} | {r['wall_s']:.1f} s | "
                     f"{r['rows_per_s'] / 1e6:.2f} M | {r['peak_rss_bytes'] / 2**20:.0f} MiB | "
                     f"{r['wall_s'] / plain[r['engine'], r['rows']]:.2f} |")
    return lines


def write_section(lines: list[str], note: str) -> None:
    results = HERE / "RESULTS.md"
    text = results.read_text() if results.exists() else ""
    before, _, after = text.partition(SECTION)
    rest = after.split("\n## ", 1)[1] if "\n## " in after else ""
    body = "\n".join([SECTION, "", note, "", *lines, ""])
    results.write_text(before.rstrip("\n") + "\n\n" + body + ("\n## " + rest if rest else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="1000000", help="comma-separated cohort sizes")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/RESULTS.md")
    parser.add_argument("--note", default="", help="a sentence printed above the table")
    args = parser.parse_args()
    from run import load_harness

    bp = load_harness()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="eligo-engines-") as folder:
        for rows in (int(r) for r in args.rows.split(",") if r):
            results += cohort_scale.side_by_side(bp, rows, Path(folder), tuple(args.engines.split(",")), args.master)
    lines = table(results)
    print("\n".join(lines))
    if args.write:
        write_section(lines, args.note or f"`python benchmarks/spark_decide.py --rows {args.rows} --master "
                                          f"{args.master}`: each run a fresh `eligo cohort` process over the same "
                                          "Parquet rows (the peer workload), check + write.")


if __name__ == "__main__":
    main()
