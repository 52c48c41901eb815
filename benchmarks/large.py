"""A generated knowledge base of 1,000 rules, and the time to compile it: parse, check, codegen and graph; and
the first evaluation of a case after the compile, which writes and compiles what evaluation runs (work the
compile leaves to first use is counted there, not hidden).

`python benchmarks/large.py` prints the median of a few compiles of the whole module, stage by stage, in CPU time
(steadier than wall time on a shared machine; `--wall` for wall time).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from typing import TYPE_CHECKING

import eligo

if TYPE_CHECKING:
    from collections.abc import Callable

RULES = 1000
DECISIONS = 10
SITES = 20


def source(rules: int = RULES, decisions: int = DECISIONS, seed: int = 7) -> str:
    """One guideline: 70 inputs of every type, a table, 200 definitions and `decisions` first-match decisions
    sharing `rules` rules between them; every rule reads definitions and inputs."""
    draw = random.Random(seed)
    lines = ["guideline bench.large", "  version 1.0.0", "  status approved", "  effective 2025-01-01", ""]
    lines.append("kind site: " + " | ".join(f"s{i}" for i in range(SITES)))
    counts = [f"count_{i}" for i in range(25)]
    months = [f"interval_{i}" for i in range(20)]
    flags = [f"flag_{i}" for i in range(15)]
    dates = [f"date_{i}" for i in range(6)]
    lines += [f"input {c}: count from 0 to 100, optional" for c in counts]
    lines += [f"input {m}: duration in months from 0 to 240, optional" for m in months]
    lines += [f"input {f}: yes/no, optional" for f in flags]
    lines += [f"input {d}: date, optional" for d in dates]
    lines += ["input site_a: site, optional", "input site_b: site, optional", "input marker: percent, optional",
              "input marker_b: percent, optional"]
    lines.append("table threshold by site -> duration")
    lines += [f"  s{i}  {6 * (i % 5) + 6} months" for i in range(SITES - 2)] + ["  otherwise none"]
    definitions = []
    for i in range(200):
        kind = i % 5
        if kind == 0:
            text = f"{draw.choice(counts)} <= {draw.randint(1, 90)} and {draw.choice(flags)}"
        elif kind == 1:
            text = f"{draw.choice(months)} > threshold[{draw.choice(['site_a', 'site_b'])}]"
        elif kind == 2:
            a, b = draw.sample(dates, 2)
            text = f"months between {a} and {b} >= {draw.randint(1, 36)} months"
        elif kind == 3:
            text = f"first known of (marker, marker_b) >= {draw.randint(-50, 50)}%"
        else:
            text = f"{draw.choice(counts)} + {draw.choice(counts)} between {draw.randint(0, 20)} and {draw.randint(30, 120)}"
        definitions.append(f"d{i}")
        lines.append(f"define d{i}: {text}")
    per = rules // decisions
    for k in range(decisions):
        lines.append(f"decision decision_{k}: best > good > fair > poor, first match")
        for j in range(per):
            parts = [draw.choice(definitions), draw.choice(definitions)]
            if j % 3 == 0:
                parts.append(f"{draw.choice(flags)}")
            if j % 4 == 0:
                parts.append(f"site_a in {{s{draw.randrange(SITES)}, s{draw.randrange(SITES)}}}")
            outcome = ("best", "good", "fair", "poor")[j % 4]
            lines.append(f"  rule r{j}: when {' and '.join(parts)} then {outcome}")
        lines.append("  otherwise poor")
    return "\n".join(lines) + "\n"


def case(seed: int = 11) -> dict[str, object]:
    """A complete case of the generated guideline's inputs (every value known)."""
    draw = random.Random(seed)
    values: dict[str, object] = {f"count_{i}": draw.randint(0, 60) for i in range(25)}
    values |= {f"interval_{i}": float(draw.randint(0, 60)) for i in range(20)}
    values |= {f"flag_{i}": draw.random() < 0.5 for i in range(15)}
    values |= {f"date_{i}": f"20{draw.randint(10, 24)}-0{draw.randint(1, 9)}-1{draw.randint(0, 9)}" for i in range(6)}
    values |= {"site_a": f"s{draw.randrange(SITES)}", "site_b": f"s{draw.randrange(SITES)}", "marker": 12.5,
               "marker_b": -3.0}
    return values


def compile_once(text: str, clock: Callable[[], float] = time.process_time) -> dict[str, float]:
    """Seconds per stage: parse, check (names, types, units, tables, lowering), codegen, graph; their total; and the
    first `evaluate` of a complete case after them."""
    times: dict[str, float] = {}
    start = clock()
    kb = eligo.KnowledgeBase.from_texts({"bench/large/1.0.0.eligo": text})
    times["parse"] = clock() - start
    mark = clock()
    errors = [d for d in kb.check() if d.is_error]
    if errors:
        raise ValueError("\n".join(d.headline() for d in errors[:5]))
    times["check"] = clock() - mark
    mark = clock()
    guideline = kb.guideline("bench.large")
    times["codegen"] = clock() - mark
    mark = clock()
    _ = guideline.graph
    times["graph"] = clock() - mark
    times["total"] = clock() - start
    mark = clock()
    result = guideline.evaluate(case())
    times["first evaluate"] = clock() - mark
    assert all(result[f"decision_{k}"].status == "decided" for k in range(DECISIONS)), result.to_json()
    times["compile and first evaluate"] = clock() - start
    return times


def measure(runs: int = 5, clock: Callable[[], float] = time.process_time) -> dict[str, float]:
    text = source()
    compile_once(text, clock)  # warm imports and caches that are not per knowledge base
    samples = [compile_once(text, clock) for _ in range(runs)]
    return {stage: statistics.median(s[stage] for s in samples) for stage in samples[0]}


if __name__ == "__main__":
    wall = "--wall" in sys.argv[1:]
    result = measure(clock=time.perf_counter if wall else time.process_time)
    print(f"{RULES} rules, {DECISIONS} decisions, 200 definitions ({'wall' if wall else 'CPU'} time, median of 5): " +
          ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.items()))
