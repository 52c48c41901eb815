"""`Guideline.evaluate(case)` as an embedder calls it, on the shipped cases as their JSON files give them (dates as
text, lists of objects, missing values), per guideline of the knowledge base: what a record system or a CDS
service sees, beside the harness's workload of canonical values.

    python benchmarks/bench_cases.py [--runs N]

Prints, per guideline, the median µs per case of RUNS timed loops over its cases (after a warm-up that builds
what a first use builds: the generated functions, the exact answers compiled at their BUILD_AFTER-th unknown
case), and the share of its cases that are unknown.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import eligo

ROOT = Path(__file__).resolve().parent.parent / "knowledge"
WARM = 60  # loops over a guideline's cases before timing
LOOPS = 200  # loops over its cases per timed run


def measure(runs: int = 5) -> dict[str, dict[str, float]]:
    """Per guideline id: `us` (median µs per case), `cases`, `unknown` (the share of cases with an unknown
    decision)."""
    kb = eligo.load(ROOT)
    out: dict[str, dict[str, float]] = {}
    for folder in sorted(p for p in (ROOT / "cases").iterdir() if p.is_dir()):
        guideline = kb.guideline(folder.name, allow_draft=True)
        cases = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
        evaluate = guideline.evaluate
        for _ in range(WARM):
            for case in cases:
                evaluate(case)
        took = []
        for _ in range(runs):
            started = time.perf_counter()
            for _ in range(LOOPS):
                for case in cases:
                    evaluate(case)
            took.append((time.perf_counter() - started) / (LOOPS * len(cases)))
        unknown = sum(any(d.status == "unknown" for d in evaluate(case).decisions.values()) for case in cases)
        out[folder.name] = {"us": statistics.median(took) * 1e6, "cases": len(cases), "unknown": unknown / len(cases)}
    return out


def report(results: dict[str, dict[str, float]]) -> str:
    return "\n".join(f"{name:36} {r['us']:7.2f} µs/case over {int(r['cases'])} cases "
                     f"({r['unknown']:.0%} with a decision unknown)" for name, r in results.items())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    print(report(measure(parser.parse_args().runs)))
