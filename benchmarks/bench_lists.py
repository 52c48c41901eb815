"""The cost of list operations: knowledge/core/oligometastatic 2.0.0 (a lesion list) against 1.0.0 (three summary
inputs) on the same patients, and cases with a settled list against cases with a partly known one, one run.

    python benchmarks/bench_lists.py [--cases 2000] [--passes 7]

Patients are seeded: one to seven lesions in one to four organs, each treatable or not; 1.0.0 is given the counts
and the "all treatable" those lesions make. Partly known cases are the same lists with one field missing or marked
incomplete (`at least`). The module has definitions only, so each pass times `evaluate_prepared` with its trace
(every definition computed) over every case of a set, the sets interleaved; the medians of the per-case means over
the passes, and their ratios, come from this one run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path
from typing import Any

import eligo

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
ORGANS = ("liver", "lung", "bone", "adrenal")


def patients(count: int, seed: int = 7) -> list[list[dict[str, Any]]]:
    draw = random.Random(seed)
    return [[{"organ": draw.choice(ORGANS[:draw.randint(1, 4)]), "treatable": draw.random() < 0.9}
             for _ in range(draw.randint(1, 7))] for _ in range(count)]


def partly_known(lesions: list[dict[str, Any]], draw: random.Random) -> Any:
    if draw.random() < 0.5:
        return {"at_least": lesions}
    changed = [dict(e) for e in lesions]
    changed[draw.randrange(len(changed))]["treatable"] = None
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=7)
    options = parser.parse_args()
    kb = eligo.load(KNOWLEDGE)
    lists, summary = (kb.guideline("core.oligometastatic", version=v) for v in ("2.0.0", "1.0.0"))
    people = patients(options.cases)
    draw = random.Random(11)
    sets = {
        "1.0.0, three summary inputs": (summary, [summary.prepare({
            "metastatic_lesions": len(p), "metastatic_organs": len({e["organ"] for e in p}),
            "all_disease_locally_treatable": all(e["treatable"] for e in p)}) for p in people]),
        "2.0.0, a settled lesion list": (lists, [lists.prepare({"lesions": p}) for p in people]),
        "2.0.0, a partly known list": (lists, [lists.prepare({"lesions": partly_known(p, draw)}) for p in people]),
    }
    times: dict[str, list[float]] = {name: [] for name in sets}
    for _ in range(options.passes):
        for name, (guideline, cases) in sets.items():
            start = time.perf_counter()
            for case in cases:
                guideline.evaluate_prepared(case, trace=True)
            times[name].append((time.perf_counter() - start) / len(cases) * 1e6)
    base = statistics.median(times["1.0.0, three summary inputs"])
    for name, found in times.items():
        median = statistics.median(found)
        print(f"{name:32} {median:8.2f} µs per case  ({median / base:.2f}× the summary inputs)")


if __name__ == "__main__":
    main()
