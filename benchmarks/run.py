"""Eligo's benchmarks, side by side with the peer rule engines, in one run.

    python benchmarks/run.py              # everything: peers + Eligo (~10 min on 2 cores); writes RESULTS.md
    python benchmarks/run.py --quick      # smoke run: small sizes, 1 run, writes nothing
    python benchmarks/run.py --only python,zen_expression,eligo,duckdb,eligo_duckdb --no-write

It imports the peer harness (../shared/bench/peers/bench_peers.py, beside this repository), installs
the peer engines from its requirements.txt into the current environment (skip with --no-install),
adds the Eligo engines of `engines.py` to it, and runs it: per-case latency, batch throughput and
compile cost, every engine interleaved. Then it measures what the harness does not: the compile of a
generated 1,000-rule knowledge base, `eligo cohort` over 1M and 10M Parquet rows (wall time, peak
memory) and Eligo's cold start. Never run in CI.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_batch  # noqa: E402
import bench_cases  # noqa: E402
import bench_cli  # noqa: E402
import bench_columns  # noqa: E402
import cohort_scale  # noqa: E402
import engines  # noqa: E402
import large  # noqa: E402

PEER_MODULE = "bench_peers"
PEERS = bench_batch.PEERS  # beside the repository, or beside the checkout a worktree is of


def install_peers() -> None:
    requirements = PEERS / "requirements.txt"
    print(f"installing the peer engines from {requirements}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)


def load_harness() -> Any:
    spec = importlib.util.spec_from_file_location(PEER_MODULE, PEERS / "bench_peers.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no peer harness at {PEERS}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[PEER_MODULE] = module
    spec.loader.exec_module(module)
    return module


def run_harness(bp: Any, argv: list[str]) -> tuple[dict[str, Any], str]:
    """The peer harness's own main, with the Eligo engines after the peers'; its results and its tables."""
    eligo_engines, eligo_batches = engines.factories(bp)
    peer_names = {f.__name__.split("_", 1)[1] for f in bp.ENGINE_FACTORIES + bp.BATCH_FACTORIES}
    bp.ENGINE_FACTORIES.extend(eligo_engines)
    bp.BATCH_FACTORIES.extend(eligo_batches)
    captured: dict[str, Any] = {}
    render = bp.render_markdown

    def keep(results: dict[str, Any]) -> str:
        captured.update(results)
        captured["markdown"] = str(render(results))
        return str(captured["markdown"])

    cold = bp.cold_all
    bp.render_markdown = keep
    bp.cold_all = lambda names, runs: cold([n for n in names if n in peer_names], runs)  # peers only: a fresh
    # interpreter cannot rebuild engines added at run time; Eligo's cold start is measured below
    sys.argv = ["bench_peers.py", "--no-write", *argv]
    bp.main()
    text = captured.pop("markdown")
    return captured, text


def eligo_cold(runs: int) -> dict[str, float]:
    """Import, first compile and first evaluation in a fresh interpreter (as the harness measures peers)."""
    script = (
        "import json, time\nt0 = time.perf_counter()\nimport eligo\nt1 = time.perf_counter()\n"
        f"import sys; sys.path.insert(0, {str(HERE)!r})\nimport engines\n"
        "f = engines.compile_workload(engines.WORKLOAD.read_text()).classifier(engines.DECISION)\n"
        "t2 = time.perf_counter()\n"
        "f({'primary_site': 'renal', 'dfi_months': 30.0, 'lesion_count': 2, 'organs_involved': 1,"
        " 'r0_achievable': True, 'ecog': 0, 'preop_chemo_response': 'response', 'ca19_9_drop_pct': None,"
        " 'ca125_drop_pct': 60.0})\nt3 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'first_compile_s': t2 - t1, 'first_eval_s': t3 - t2}))\n")
    samples = [json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                         check=True).stdout) for _ in range(runs)]
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def summarise(harness: dict[str, Any], extra: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The targets of issue 7, as rows of (measure, target, measured, verdict), all from this run."""
    per_case, batch = harness.get("per_case", {}), harness.get("batch", {})

    def median(table: dict[str, Any], name: str, key: str) -> float | None:
        entry = table.get(name)
        return entry[key]["median"] if entry else None

    rows: list[tuple[str, str, str, str]] = []
    python, eligo = median(per_case, "python", "median_us"), median(per_case, "eligo", "median_us")
    zen = median(per_case, "zen_expression", "median_us")
    if python and eligo:
        rows.append(("per case, validated input, no trace (median µs)", "≤ 5× hand-written Python",
                     f"{eligo:.2f} µs = {eligo / python:.1f}× Python ({python:.2f} µs)",
                     "met" if eligo <= 5 * python else "not met"))
    if zen and eligo:
        rows.append(("… against the fastest peer (zen expression)", "≥ 2.5× faster",
                     f"{zen / eligo:.1f}× faster ({zen:.2f} µs)", "met" if zen >= 2.5 * eligo else "not met"))
    for name, label in (("eligo_trace", "recorded"), ("eligo_trace_steps", "made into Step objects")):
        traced = median(per_case, name, "median_us")
        if traced:
            rows.append((f"per case, full trace {label} (median µs)", "< 10 µs", f"{traced:.2f} µs",
                         "met" if traced < 10 else "not met"))
    compile_s = extra.get("large_compile", {}).get("total")
    if compile_s is not None:
        stages = ", ".join(f"{k} {v * 1000:.0f}" for k, v in extra["large_compile"].items() if k != "total")
        rows.append(("compile of a generated 1,000-rule knowledge base", "< 1 s",
                     f"{compile_s * 1000:.0f} ms ({stages} ms)", "met" if compile_s < 1 else "not met"))
    jdm = median(per_case, "zen_jdm", "median_us")
    for name, label, peer, peer_name, most in (  # issue 17, part B: per-case speed beside the peers
            ("eligo_evaluate", "`evaluate(case)` with its defaults", zen, "zen expression", 0.5),
            ("eligo", "the classifier", python, "hand-written Python", 1.5),
            ("eligo_trace_steps", "full trace made into Steps", jdm, "zen JDM graph", 0.25)):
        took = median(per_case, name, "median_us")
        if took and peer:
            rows.append((f"{label} (median µs)", f"≤ {most}× {peer_name}",
                         f"{took:.2f} µs = {took / peer:.2f}× ({peer:.2f} µs)", "met" if took <= most * peer else "not met"))
    hand = median(batch, "duckdb", "cases_per_s")
    for name, label, least in (("eligo_duckdb", "the decision column", 0.95),
                               ("eligo_duckdb_four", "decision, status, rule, missing list", 0.8),
                               ("eligo_duckdb_full", "every column (with the possible outcomes)", 0.8)):
        rate = median(batch, name, "cases_per_s")
        if hand and rate:
            rows.append((f"DuckDB, 1M cases in-engine, {label}", f"≥ {least}× hand-written CASE",
                         f"{rate / 1e6:.1f} M/s = {rate / hand:.2f}× ({hand / 1e6:.1f} M/s)",
                         "met" if rate >= least * hand else "not met"))
    enum, floor = median(batch, "duckdb_enum", "cases_per_s"), median(batch, "duckdb_four_floor", "cases_per_s")
    decision, four = median(batch, "eligo_duckdb", "cases_per_s"), median(batch, "eligo_duckdb_four", "cases_per_s")
    if hand and enum and decision:  # where the ENUM type's share of the decision column's speed shows
        rows.append(("… the decision column beside the hand-written CASE typed as Eligo types it (ENUM)",
                     "(for reference)", f"{decision / enum:.2f}× ({enum / 1e6:.1f} M/s = {enum / hand:.2f}× the "
                     "VARCHAR CASE)", "–"))
    if hand and floor and four:  # what storing the extra columns costs, computing nothing
        rows.append(("… decision, status, rule, missing list beside the CASE with three constant columns of "
                     "their types", "(for reference)", f"{four / floor:.2f}× ({floor / 1e6:.1f} M/s = "
                     f"{floor / hand:.2f}× the CASE)", "–"))
    parts = extra.get("duckdb_columns")
    if parts:  # bench_columns: what the extra columns cost, by part
        ms = {name: seconds * 1000 for name, seconds in parts.items()}
        case, alone, four = (ms["hand-written CASE (VARCHAR)"], ms["Eligo: decision"],
                             ms["Eligo: decision, status, rule, missing"])
        each = ", ".join(f"{suffix} {ms[f'Eligo: decision + {suffix}'] - alone:.1f}"
                         for suffix in ("status", "rule", "missing"))
        stored, stored_case = ms["store: Eligo's four columns"], ms["store: the CASE's one VARCHAR column"]
        planned, planned_case = ms["plan: Eligo's four columns"], ms["plan: hand-written CASE"]
        rows.append(("… what the four columns cost, by part (`bench_columns.py`, its own interleaved runs)",
                     "(for reference)", f"CASE {case:.1f} ms, Eligo's decision {alone:.1f} ms, the four {four:.1f} ms "
                     f"= {case / four:.2f}×; each column added to the decision: {each} ms; storing the four, computed "
                     f"before, {stored:.1f} ms beside the CASE's one text column {stored_case:.1f} ms; planning "
                     f"{planned:.1f} ms beside {planned_case:.1f} ms", "–"))
    scaled = extra.get("duckdb_columns_at_scale")
    if scaled:  # the four columns where DuckDB's planning, a fixed cost, weighs a fifth as much
        case, four = scaled["hand-written CASE (VARCHAR)"], scaled["Eligo: decision, status, rule, missing"]
        rows.append(("… decision, status, rule, missing list over 5M cases (`bench_columns.at_scale`)",
                     "(for reference)", f"{case / four:.2f}× (CASE {case * 1000:.0f} ms, the four {four * 1000:.0f} ms)",
                     "–"))
    shipped = extra.get("shipped_cases")
    if shipped:  # bench_cases: evaluate as an embedder calls it, on JSON cases of the knowledge base
        rows.append(("`evaluate(case)` of the knowledge base's JSON cases, per guideline (median µs/case)",
                     "(for reference)", "; ".join(f"{name} {r['us']:.1f}" for name, r in shipped.items()), "–"))
    batch_rates = extra.get("evaluate_many")
    if batch_rates:  # issue 17: batches from Python
        case = batch_rates["duckdb_case"]
        for kind in ("arrow", "pandas", "polars"):
            rate = batch_rates[f"many_{kind}"]
            rows.append((f"`evaluate_many` of a {kind} table, every column, exact (M cases/s)",
                         "≥ 0.5× hand-written DuckDB CASE in-engine", f"{rate / 1e6:.2f} M/s = {rate / case:.2f}× "
                         f"({case / 1e6:.1f} M/s)", "met" if rate >= 0.5 * case else "not met"))
        many, loop = batch_rates["many_rows"], batch_rates["loop_evaluate"]
        rows.append(("`evaluate_many` of a list of dicts", "≥ 2× a loop of `evaluate`",
                     f"{1e6 / many:.2f} µs/case = {many / loop:.2f}× the loop ({1e6 / loop:.2f} µs/case)",
                     "met" if many >= 2 * loop else "not met"))
    cli = extra.get("cli")
    if cli:
        bare = cli["python -c pass"]
        for name in ("eligo eval, cache warm", "eligo eval, cache off"):
            rows.append((f"`{name}` of one case, whole process", "≤ 3× `python -c pass`",
                         f"{cli[name] * 1000:.0f} ms = {cli[name] / bare:.1f}× ({bare * 1000:.0f} ms)",
                         ("met" if cli[name] <= 3 * bare else "not met") if "warm" in name else "(for reference)"))
        rows.append(("`eligo check` of the shipped knowledge base, whole process", "reported",
                     f"{cli['eligo check KB, cache off'] * 1000:.0f} ms = "
                     f"{cli['eligo check KB, cache off'] / bare:.1f}×", "–"))
    for scale in extra.get("cohorts", []):
        big = scale["rows"] >= 10_000_000
        ratio = scale["peak_rss_bytes"] / scale["arrow_bytes"]
        rows.append((f"`eligo cohort{' --threads 1' if scale.get('threads') else ''}`, {scale['rows']:,} Parquet "
                     "rows → Parquet (check + write)", "peak memory far below the data" if big else "–",
                     f"{scale['wall_s']:.1f} s ({scale['rows_per_s'] / 1e6:.2f} M rows/s), peak RSS "
                     f"{scale['peak_rss_bytes'] / 2**20:.0f} MiB = {ratio:.2f}× the data "
                     f"({scale['arrow_bytes'] / 2**20:.0f} MiB in Arrow, {scale['parquet_bytes'] / 2**20:.0f} MiB "
                     "as Parquet)", ("met" if ratio <= 0.5 else "not met") if big else "–"))
    return rows


def markdown(harness_md: str, targets: list[tuple[str, str, str, str]], extra: dict[str, Any]) -> str:
    lines = ["# Eligo benchmark results", "",
             f"Generated by `python benchmarks/run.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"CPython {platform.python_version()}, {extra['cpu']}, {extra['cores']} cores. Every number below "
             "comes from this one run; the peer tables are the harness's own output, with Eligo's engines added.",
             "", "## Targets (issue 7)", "", "| measure | target | measured | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets]
    cold = extra.get("eligo_cold")
    if cold:
        lines += ["", f"Eligo cold start (fresh interpreter, median of {extra['runs']}): import "
                  f"{cold['import_s'] * 1000:.0f} ms, first compile {cold['first_compile_s'] * 1000:.0f} ms, "
                  f"first evaluation {cold['first_eval_s'] * 1000:.2f} ms."]
    lines += ["", harness_md.replace("# Peer rule engines", "## Peer harness").replace("\n## ", "\n### ")]
    return "\n".join(lines) + "\n"


RESULTS_BEGIN, RESULTS_END = "<!-- results: written by benchmarks/run.py from its last full run -->", "<!-- /results -->"


def latest(readme: str, targets: list[tuple[str, str, str, str]], extra: dict[str, Any]) -> str:
    """The README with its block of latest results (between the RESULTS markers) replaced by this run's targets."""
    begin, end = readme.find(RESULTS_BEGIN), readme.find(RESULTS_END)
    if begin < 0 or end < begin:
        raise SystemExit(f"benchmarks/README.md has no {RESULTS_BEGIN} … {RESULTS_END} block to write the results in")
    lines = [RESULTS_BEGIN,
             f"From the run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (CPython "
             f"{platform.python_version()}, {extra['cpu']}, {extra['cores']} cores); every number comes from that one "
             "run.", "", "| measure | target | measured | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets]
    return readme[:begin] + "\n".join(lines) + "\n" + readme[end:]


KEPT = "<!-- Below: sections written by hand from other benchmark scripts; benchmarks/run.py keeps them. -->"


def kept_sections(results: Path) -> str:
    """What follows the KEPT marker in the results file as it is: the sections measured by the other scripts
    (bench_exact, bench_serve, ...), which a run of the harness does not replace."""
    text = results.read_text() if results.exists() else ""
    return "\n" + text[text.index(KEPT):] if KEPT in text else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run, nothing written")
    parser.add_argument("--only", default="", help="engines of the harness to run (comma-separated)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-install", action="store_true", help="do not pip-install the peer engines")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--cohort-rows", default="1000000,10000000", help="comma-separated cohort sizes")
    parser.add_argument("--harness-only", action="store_true",
                        help="only the peer harness with Eligo's engines (no 1,000-rule compile, cohorts, cold start)")
    args = parser.parse_args()
    if not args.no_install:
        install_peers()
    bp = load_harness()
    harness_args = ["--quick"] if args.quick else ["--runs", str(args.runs)]
    if args.only:
        harness_args += ["--only", args.only]
    harness, harness_md = run_harness(bp, harness_args)
    runs = 1 if args.quick else args.runs
    extra: dict[str, Any] = {"cpu": bp._cpu_model(), "cores": __import__("os").cpu_count(), "runs": runs}
    if args.harness_only:
        print(markdown(harness_md, summarise(harness, extra), extra))
        return
    print("compiling the generated 1,000-rule knowledge base", flush=True)
    extra["large_compile"] = large.measure(runs=max(runs, 3))
    print("  " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in extra["large_compile"].items()), flush=True)
    sizes = [100_000] if args.quick else [int(s) for s in args.cohort_rows.split(",") if s]
    extra["cohorts"] = []
    with tempfile.TemporaryDirectory(prefix="eligo-cohort-") as folder:
        runs_at = [(rows, None) for rows in sizes] + ([(max(sizes), 1)] if not args.quick else [])
        for rows, threads in runs_at:
            print(f"eligo cohort over {rows:,} Parquet rows{' (--threads 1)' if threads else ''}", flush=True)
            result = cohort_scale.measure(bp, rows, Path(folder), threads)
            print(f"  {result['wall_s']:.1f} s, peak RSS {result['peak_rss_bytes'] / 2**20:.0f} MiB, data "
                  f"{result['arrow_bytes'] / 2**20:.0f} MiB (Arrow)", flush=True)
            extra["cohorts"].append({k: v for k, v in result.items() if k != "summary"})
            extra.setdefault("cohort_summaries", []).append(result["summary"])
    extra["eligo_cold"] = eligo_cold(runs)
    print("evaluate(case) on the knowledge base's JSON cases", flush=True)
    extra["shipped_cases"] = bench_cases.measure(1 if args.quick else 5)
    print(bench_cases.report(extra["shipped_cases"]), flush=True)
    print("what DuckDB's answer columns cost, by part", flush=True)
    extra["duckdb_columns"] = bench_columns.measure(bp, 100_000 if args.quick else 1_000_000, 1 if args.quick else 7)
    print(bench_columns.report(extra["duckdb_columns"]), flush=True)
    extra["duckdb_columns_at_scale"] = bench_columns.at_scale(bp, 200_000 if args.quick else 5_000_000,
                                                              1 if args.quick else 5)
    print(bench_columns.report(extra["duckdb_columns_at_scale"]), flush=True)
    print("Guideline.evaluate_many beside the hand-written DuckDB CASE and a loop of evaluate", flush=True)
    extra["evaluate_many"] = bench_batch.measure(100_000 if args.quick else 1_000_000, 2_000 if args.quick else 20_000,
                                                 runs, bp)
    print(bench_batch.report(extra["evaluate_many"]), flush=True)
    print("the command line, whole processes", flush=True)
    extra["cli"] = bench_cli.measure(3 if args.quick else 15, "knowledge", bench_cli.GUIDELINE, str(bench_cli.CASE))
    print(bench_cli.report(extra["cli"]), flush=True)
    targets = summarise(harness, extra)
    text = markdown(harness_md, targets, extra)
    print(text)
    if not (args.quick or args.no_write):
        (HERE / "RESULTS.md").write_text(text + kept_sections(HERE / "RESULTS.md"))
        readme = HERE / "README.md"
        readme.write_text(latest(readme.read_text(), targets, extra))
        (HERE / "results.json").write_text(json.dumps({"harness": harness, "eligo": extra}, indent=1, default=str))
        print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
