"""Whole-process times of the command line beside a bare `python -c pass` of the same interpreter (issue 17:
`eligo eval` of one case ≤ 3× it), medians of RUNS runs each, interleaved so that the machine's noise falls on all.

    python benchmarks/bench_cli.py [--runs N] [--kb knowledge] [--guideline ID] [--case FILE]

Measured: `python -c pass`; `python -c "import eligo"`; `eligo eval` with the compiled cache warm (the entry written
by an earlier run), and with it off (ELIGO_NO_CACHE=1: load, check and compile the knowledge base, as before the
cache); `eligo check` of the knowledge base.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDELINE = "colorectal.liver_metastasectomy"
CASE = ROOT / "knowledge" / "cases" / GUIDELINE / "dfi_exactly_12_months.json"


def eligo_command() -> list[str]:
    """The console script beside this interpreter (as a user runs it), else `python -m eligo`."""
    script = Path(sys.executable).with_name("eligo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "eligo"]


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return elapsed


def measure(runs: int, kb: str, guideline: str, case: str) -> dict[str, float]:
    store = tempfile.mkdtemp(prefix="eligo-bench-cache-")
    base = {k: v for k, v in os.environ.items() if k not in ("ELIGO_NO_CACHE", "ELIGO_CACHE_DIR")}
    warm_env = {**base, "ELIGO_CACHE_DIR": store}
    cold_env = {**base, "ELIGO_NO_CACHE": "1"}
    eligo = eligo_command()
    evaluate = [*eligo, "eval", guideline, "--case", case, "--kb", kb]
    commands = {
        "python -c pass": ([sys.executable, "-c", "pass"], base),
        "python -c 'import eligo'": ([sys.executable, "-c", "import eligo"], base),
        "eligo eval, cache warm": (evaluate, warm_env),
        "eligo eval, cache off": (evaluate, cold_env),
        "eligo check KB, cache warm": ([*eligo, "check", kb], warm_env),
        "eligo check KB, cache off": ([*eligo, "check", kb], cold_env),
    }
    try:
        for command, env in commands.values():  # warm the OS's file cache, and write the entries
            timed(command, env)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (command, env) in commands.items():
                samples[name].append(timed(command, env))
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return {name: statistics.median(values) for name, values in samples.items()}


def report(medians: dict[str, float]) -> str:
    bare = medians["python -c pass"]
    lines = [f"{name:30} {seconds * 1000:8.1f} ms   {seconds / bare:5.1f}× python -c pass"
             for name, seconds in medians.items()]
    lines.append("target: eligo eval ≤ 3× python -c pass")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--kb", default="knowledge")
    parser.add_argument("--guideline", default=GUIDELINE)
    parser.add_argument("--case", default=str(CASE))
    args = parser.parse_args()
    print(f"{sys.executable}, medians of {args.runs} runs")
    print(report(measure(args.runs, args.kb, args.guideline, args.case)))


if __name__ == "__main__":
    main()
