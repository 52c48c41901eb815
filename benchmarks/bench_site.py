"""Docs site build time for the shipped knowledge base: `python benchmarks/bench_site.py [--builds N]`.

Each build is a full strict `mkdocs build -f site/mkdocs.yml` into a fresh temporary folder, run in a
new process (as `mkdocs build` runs), so imports and the compiler's caches count. Prints every build's
wall-clock and CPU time (CPU time is what to compare on a busy machine), the medians, and, from one
in-process build, where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MKDOCS_YML = ROOT / "site" / "mkdocs.yml"


def one_build() -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one `mkdocs build --strict` in a new process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(MKDOCS_YML),
                        "-d", out], check=True, cwd=ROOT, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def profile_stages() -> list[tuple[str, float]]:
    """Cumulative seconds of the main stages of one in-process build."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as out:
        config = load_config(str(MKDOCS_YML), site_dir=out, strict=True)
        profiler.enable()
        build(config)
        profiler.disable()
    stats = pstats.Stats(profiler)
    wanted = {
        "library.load (check and compile the knowledge base)": ("library.py", "load"),
        "guideline pages (templates, prose)": ("render.py", "version_page"),
        "dependency graphs (boxes; elkjs lays them out in Node alongside)": ("graph.py", "diagram"),
        "examples run with trace": ("library.py", "examples"),
        "version diffs with case evaluation": ("diff.py", "diff_versions"),
        "Markdown to HTML (all pages, incl. mkdocstrings)": ("pages.py", "render"),
    }
    found = {label: 0.0 for label in wanted}
    for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        for label, (file_end, function) in wanted.items():
            if filename.endswith(file_end) and name == function:
                found[label] += cumulative
    return list(found.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--builds", type=int, default=5)
    args = parser.parse_args()
    times, cpu = [], []
    for i in range(args.builds):
        wall, used = one_build()
        times.append(wall)
        cpu.append(used)
        print(f"build {i + 1}: {wall:.2f} s wall, {used:.2f} s CPU")
    print(f"median of {args.builds} builds: {statistics.median(times):.2f} s wall "
          f"(min {min(times):.2f} s, max {max(times):.2f} s), {statistics.median(cpu):.2f} s CPU; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("one in-process build, cumulative seconds by stage (profiled, so slower):")
    for label, seconds in profile_stages():
        print(f"  {seconds:6.2f} s  {label}")


if __name__ == "__main__":
    main()
