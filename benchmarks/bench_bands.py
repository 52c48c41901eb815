"""A table of numeric bands beside the same thresholds written as comparisons, on the fast path (`Guideline.decide`).

    python benchmarks/bench_bands.py [--cases N] [--runs N]

Prints the median microseconds per case of RUNS runs over N random DFIs for each, and their ratio (one run, so that
the noise of a shared machine hits both alike). The banded decision reads its lookup in two rules.
"""

from __future__ import annotations

import argparse
import random
import statistics
import textwrap
import time

import eligo

BANDED = """
    kind group: low | mid | high
    input dfi: duration in months from 0 to 600
    table group_of by dfi -> group
      under 12 months: low
      12 months to under 36 months: mid
      36 months or more: high
    decision d: a > b > c
      rule r1: when group_of[dfi] = high then a
      rule r2: when group_of[dfi] = mid then b
      otherwise c
"""
COMPARED = """
    input dfi: duration in months from 0 to 600
    decision d: a > b > c
      rule r1: when dfi >= 36 months then a
      rule r2: when dfi >= 12 months then b
      otherwise c
"""


def _guideline(body: str) -> eligo.Guideline:
    source = "guideline bench.bands\n  version 1.0.0\n  status approved\n\n" + textwrap.dedent(body).strip() + "\n"
    return eligo.KnowledgeBase.from_texts({"bench/bands/1.0.0.eligo": source}).guideline("bench.bands")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(1)
    medians = {}
    for name, body in (("bands", BANDED), ("comparisons", COMPARED)):
        g = _guideline(body)
        cases = [g.prepare({"dfi": rng.uniform(0, 100)}) for _ in range(args.cases)]
        runs = []
        for _ in range(args.runs):
            start = time.perf_counter()
            for case in cases:
                g.decide(case)
            runs.append((time.perf_counter() - start) / len(cases) * 1e6)
        medians[name] = statistics.median(runs)
        print(f"{name:<12} {medians[name]:.2f} us per case (median of {args.runs} x {args.cases:,})")
    print(f"ratio        {medians['bands'] / medians['comparisons']:.2f}x")


if __name__ == "__main__":
    main()
