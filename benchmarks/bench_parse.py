"""Parse and format timings for a generated 1,000-rule module: `python benchmarks/bench_parse.py [--rules N]`."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from eligo import dsl
from eligo.dsl.formatter import format_module
from eligo.dsl.lalr import lark_parser

OUTCOMES = ("candidate", "discuss", "not_candidate")


def generate(rules: int) -> str:
    """A valid module with one decision of `rules` rules, each line about 100 characters long."""
    lines = [
        "guideline bench.generated",
        "  version 1.0.0",
        '  title "Generated for the parse benchmark"',
        "",
        'kind site: colorectal "Colorectal cancer" | renal_cell | pancreas',
        "input primary_site: site",
        "input lesions: count from 0 to 100",
        "input r0_achievable: yes/no",
        "input treated: date",
        "input recurred: date, optional",
        "",
        "define dfi: months between treated and recurred",
        "",
        "decision resection: candidate > discuss > not_candidate, first match",
    ]
    for i in range(rules):
        lines.append(
            f"  rule r{i:04d}: when lesions > {i % 90} and primary_site in {{colorectal, renal_cell}}"
            f" or dfi >= {i % 48} months then {OUTCOMES[i % 3]}"
        )
    lines.append("  otherwise discuss")
    return "\n".join(lines) + "\n"


def timings(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run (CPU time is steadier on a busy machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def report(label: str, samples: tuple[list[float], list[float]]) -> None:
    for clock, values in zip(("wall", "cpu"), samples, strict=True):
        print(
            f"{label:<7}{clock:<5} median {statistics.median(values):.3f} s   "
            f"min {min(values):.3f} s   max {max(values):.3f} s   (n={len(values)})"
        )


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--rules", type=int, default=1000)
    options.add_argument("--repeat", type=int, default=7)
    args = options.parse_args()

    text = generate(args.rules)
    start = time.perf_counter()
    lark_parser()
    print(f"grammar load (once): {time.perf_counter() - start:.3f} s")
    print(f"source: {args.rules} rules, {len(text.splitlines())} lines, {len(text):,} characters")
    module = dsl.parse(text, "<bench>")
    assert len(module.decisions[0].rules) == args.rules
    report("parse", timings(lambda: dsl.parse(text, "<bench>"), args.repeat))
    report("format", timings(lambda: format_module(module), args.repeat))


if __name__ == "__main__":
    main()
