"""The cost of exact unknowns on the peer workload: cases with missing inputs against complete cases, one run.

    python benchmarks/bench_exact.py [--cases 1000] [--passes 7] [--profile] [--coverage] [--lists 300]

Complete cases are the harness's generated cases that hold every input. Cases with missing inputs are the same
cases with one to three inputs removed at random (seeded) that three-valued logic leaves unknown: the ones the exact
step works on. Each pass times `evaluate_prepared` (no trace) over every case of a set, the sets interleaved; the
medians of the per-case means over the passes, and their ratios, come from this one run.

Where the compiled exact answers exist (eligo.compiled.diagram), it also prints how many of the cases with missing
inputs the decision's diagram answers (the rest are refined at run time), the time to build the diagram, and the
first pass over those cases on a freshly compiled guideline (its first 64 unknown cases refined at run time, then
the build, then the diagram): the cost a process pays once. `--coverage` counts, for the case files in
knowledge/cases/, the decisions three values leave unknown and how many of them a diagram answers. Run it with
another tree's `eligo` on the import path (the baseline) to compare: the compiled lines are then left out.

The list workload (`--lists N`, 0 to leave it out): colorectal.liver_metastasectomy 2.0.0 on its shipped case files
with the lesion list replaced by a random partly known one (zero to five lesions, an organ or treatability sometimes
unrecorded, half of the lists "at least") and up to two other inputs removed, keeping those three values leave
unknown; timed three-valued, exact, and exact with the list memo cleared before each case (a list never seen).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEERS = next((p for up in HERE.parents if (p := up / "shared" / "bench" / "peers" / "bench_peers.py").exists()),
             HERE.parent.parent / "shared" / "bench" / "peers" / "bench_peers.py")  # beside the repository or a worktree
sys.path.insert(0, str(HERE))

from engines import DECISION, WORKLOAD, compile_workload  # noqa: E402


def harness() -> Any:
    spec = importlib.util.spec_from_file_location("bench_peers", PEERS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_peers"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def workload(count: int, seed: int = 11) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """The guideline, `count` complete cases, and up to `count` cases with inputs removed that three values leave
    unknown."""
    bp = harness()
    g = compile_workload(WORKLOAD.read_text())
    records = bp.columns_to_records(bp.generate_columns(count * 4))
    complete = [r for r in records if all(v is not None for v in r.values())][:count]
    rng = random.Random(seed)
    missing: list[dict[str, Any]] = []
    for case in complete * 8:
        if len(missing) == count:
            break
        gone = rng.sample(sorted(case), rng.randint(1, 3))
        holed = {k: (None if k in gone else v) for k, v in case.items()}
        if g.evaluate_prepared(holed, exact=False)[DECISION].status == "unknown":
            missing.append(holed)
    return g, complete, missing


def first_pass(count: int) -> tuple[int, float, float] | None:
    """With compiled exact answers: how many cases with missing inputs the diagram answers, its build time (ms),
    and the first pass over those cases on a freshly compiled guideline (µs per case); None without them."""
    try:
        from eligo.compiled import diagram
    except ImportError:
        return None
    g, _, missing = workload(count)
    decision = next(d for d in g.program.decisions if d.name == DECISION)
    fresh = compile_workload(WORKLOAD.read_text())
    fresh.code.fast, fresh._completion(decision.key)  # the evaluators, as any evaluation writes them first
    start = time.process_time()
    for case in missing:
        fresh.evaluate_prepared(case)
    first_us = (time.process_time() - start) / len(missing) * 1e6
    start = time.process_time()
    compiled = diagram.build(g, decision)
    build_ms = (time.process_time() - start) * 1e3
    answered = 0 if compiled is None else sum(compiled.find(c) is not None for c in missing)
    return answered, build_ms, first_us


def coverage() -> None:
    """The decisions of knowledge/cases/** three values leave unknown, and how many a diagram answers."""
    import json

    import eligo
    from eligo.compiled import diagram
    from eligo.ir import outcome

    kb = eligo.load(HERE.parent / "knowledge")
    unknown = answered = files = 0
    for folder in sorted((HERE.parent / "knowledge" / "cases").iterdir()):
        if not folder.is_dir():
            continue
        g = kb.guideline(folder.name, allow_draft=True)
        compiled = {d.key: diagram.build(g, d) for d in g._own}
        for path in sorted(folder.glob("*.json")):
            files += 1
            prepared = g.prepare({k: v for k, v in json.loads(path.read_text()).items() if k in g.inputs})
            raw = g.code.fast(prepared)
            for index, decision in zip(g._own_indices, g._own, strict=True):
                if raw[index][1] == outcome.UNKNOWN:
                    unknown += 1
                    found = compiled[decision.key]
                    answered += found is not None and found.find(prepared) is not None
    print(f"knowledge/cases: {files} case files, {unknown} decisions left unknown by three values, of which the "
          f"compiled diagrams answer {answered} (the rest are refined at run time)")


def list_workload(count: int, seed: int = 5) -> tuple[Any, list[dict[str, Any]]]:
    """colorectal 2.0.0 and `count` cases with a partly known lesion list that three values leave unknown."""
    import json

    import eligo

    g = eligo.load(HERE.parent / "knowledge").guideline("colorectal.liver_metastasectomy", version="2.0.0",
                                                          allow_draft=True)
    folder = HERE.parent / "knowledge" / "cases" / "colorectal.liver_metastasectomy"
    seeds = [{k: v for k, v in json.loads(p.read_text()).items() if k in g.inputs} for p in sorted(folder.glob("*.json"))]
    rng = random.Random(seed)
    organs = ["liver", "liver", "liver", "lung", "bone", "peritoneum", None]
    cases: list[dict[str, Any]] = []
    for _ in range(count * 20):
        if len(cases) == count:
            break
        case = dict(rng.choice(seeds))
        lesions = [{"organ": rng.choice(organs), "treatable": rng.choice([True, True, False, None])}
                   for _ in range(rng.randint(0, 5))]
        case["lesions"] = {"at_least": lesions} if rng.random() < 0.5 else lesions
        for name in rng.sample(sorted(k for k in case if k != "lesions"), rng.randint(0, 2)):
            del case[name]
        prepared = g.prepare(case)
        if g.evaluate_prepared(prepared, exact=False)["liver_metastasectomy"].status == "unknown":
            cases.append(prepared)
    return g, cases


def lists_bench(count: int, passes: int) -> None:
    g, cases = list_workload(count)
    exact = [g.evaluate_prepared(c)["liver_metastasectomy"] for c in cases]
    print(f"list workload: {len(cases)} colorectal 2.0.0 cases with a partly known lesion list left unknown by three "
          f"values, of which the exact step settles {sum(r.exact for r in exact)} exactly "
          f"({sum(r.status == 'decided' for r in exact)} decided)")

    def cold(case: dict[str, Any]) -> None:
        g.domains.memo.clear()
        g.evaluate_prepared(case)

    runs: dict[str, list[tuple[float, float]]] = {"lists, three-valued": [], "lists, exact": [],
                                                  "lists, exact, list unseen": []}
    for _ in range(passes):
        runs["lists, three-valued"].append(per_case(lambda c: g.evaluate_prepared(c, exact=False), cases))
        runs["lists, exact"].append(per_case(g.evaluate_prepared, cases))
        runs["lists, exact, list unseen"].append(per_case(cold, cases))
    base = statistics.median(r[1] for r in runs["lists, three-valued"])
    for name, pairs in runs.items():
        values = [r[1] for r in pairs]
        median = statistics.median(values)
        print(f"  CPU  {name:26} {median:8.2f} µs ({min(values):.2f}–{max(values):.2f})  {median / base:6.2f}× "
              "three-valued")


def per_case(function: Any, cases: list[dict[str, Any]]) -> tuple[float, float]:
    """Wall-clock and CPU µs per case (the CPU time of this process leaves out waiting for a shared machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    for case in cases:
        function(case)
    return (time.perf_counter() - start) / len(cases) * 1e6, (time.process_time() - cpu) / len(cases) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="profile the exact step instead of timing it")
    parser.add_argument("--coverage", action="store_true", help="also count the compiled answers in knowledge/cases/")
    parser.add_argument("--lists", type=int, default=300, help="cases of the list workload (0: leave it out)")
    args = parser.parse_args()
    import eligo

    print(f"eligo from {Path(eligo.__file__).resolve().parent.parent}")
    first = first_pass(args.cases)  # before anything else warms the process
    g, complete, missing = workload(args.cases)
    exact = [g.evaluate_prepared(c)[DECISION] for c in missing]
    print(f"{len(complete)} complete cases; {len(missing)} with inputs removed left unknown by three values, of "
          f"which the exact step settles {sum(r.exact for r in exact)} exactly "
          f"({sum(r.status == 'decided' for r in exact)} decided), "
          f"{sum(not r.exact for r in exact)} left three-valued (marked inexact)")
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("for c in missing: g.evaluate_prepared(c)", globals(), {"g": g, "missing": missing},
                        "/tmp/bench_exact.prof")
        pstats.Stats("/tmp/bench_exact.prof").sort_stats("tottime").print_stats(15)
        return
    if first is not None:
        answered, build_ms, first_us = first
        print(f"compiled path: the diagram answers {answered} of the {len(missing)} cases with missing inputs "
              f"({len(missing) - answered} refined at run time); built in {build_ms:.0f} ms; first pass on a fresh "
              f"guideline {first_us:.2f} µs per case (64 refined at run time, the build, then the diagram)")
    if args.coverage:
        coverage()
    runs: dict[str, list[tuple[float, float]]] = {"complete": [], "missing, three-valued": [], "missing, exact": []}
    for _ in range(args.passes):
        runs["complete"].append(per_case(g.evaluate_prepared, complete))
        runs["missing, three-valued"].append(per_case(lambda c: g.evaluate_prepared(c, exact=False), missing))
        runs["missing, exact"].append(per_case(g.evaluate_prepared, missing))
    print(f"evaluate_prepared, no trace; median of {args.passes} passes, µs per case (min–max), ratio to complete; "
          f"load average {os.getloadavg()[0]:.1f}")
    for clock, at in (("wall", 0), ("CPU", 1)):
        base = statistics.median(r[at] for r in runs["complete"])
        for name, pairs in runs.items():
            values = [r[at] for r in pairs]
            median = statistics.median(values)
            print(f"  {clock:4} {name:24} {median:7.2f} µs ({min(values):.2f}–{max(values):.2f})  {median / base:5.2f}×")
    if args.lists:
        lists_bench(args.lists, args.passes)


if __name__ == "__main__":
    main()
