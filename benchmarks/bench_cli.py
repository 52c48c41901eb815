"""Whole-process times of the command line beside a bare `python -c pass` of the same interpreter (issue 17:
`eligo eval` of one case ≤ 3× it), medians of RUNS runs each, interleaved so that the machine's noise falls on all.

    python benchmarks/bench_cli.py [--runs N] [--kb knowledge] [--guideline ID] [--case FILE] [--no-bytecode]

Each command runs as a user's installed Eligo does: with its modules' bytecode written once (to a temporary
`PYTHONPYCACHEPREFIX`, by the warm-up round) and read back, as pip writes it at install. `--no-bytecode` keeps
`PYTHONDONTWRITEBYTECODE` as the environment sets it, so that every process compiles Eligo from source. Wall time
and CPU time (user + system of the process) are both reported, from the same runs.

Measured: `python -c pass`; `python -c "import eligo"`; `eligo eval` with the compiled cache warm (the entry written
by an earlier run), and with it off (ELIGO_NO_CACHE=1: load, check and compile the knowledge base, as before the
cache); `eligo check` of the knowledge base.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """The command's wall time and CPU time (user + system), in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def measure(runs: int, kb: str, guideline: str, case: str, bytecode: bool = True, clock: str = "wall") -> dict[str, float]:
    """Medians of `runs` interleaved runs of each command, by `clock` ("wall" or "cpu")."""
    return measure_both(runs, kb, guideline, case, bytecode)[clock]


def measure_both(runs: int, kb: str, guideline: str, case: str, bytecode: bool = True) -> dict[str, dict[str, float]]:
    """Medians of `runs` interleaved runs of each command: {"wall": {command: seconds}, "cpu": {...}}."""
    store = tempfile.mkdtemp(prefix="eligo-bench-cache-")
    base = {k: v for k, v in os.environ.items() if k not in ("ELIGO_NO_CACHE", "ELIGO_CACHE_DIR")}
    if bytecode:  # as an installed package has it; the prefix keeps the source tree clean
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base["PYTHONPYCACHEPREFIX"] = os.path.join(store, "bytecode")
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
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (command, env) in commands.items():
                samples[name].append(timed(command, env))
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return {clock: {name: statistics.median(s[i] for s in values) for name, values in samples.items()}
            for i, clock in enumerate(("wall", "cpu"))}


def report(medians: dict[str, float], clock: str = "wall") -> str:
    bare = medians["python -c pass"]
    lines = [f"{name:30} {seconds * 1000:8.1f} ms   {seconds / bare:5.1f}× python -c pass   ({clock})"
             for name, seconds in medians.items()]
    lines.append("target: eligo eval ≤ 3× python -c pass")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--kb", default="knowledge")
    parser.add_argument("--guideline", default=GUIDELINE)
    parser.add_argument("--case", default=str(CASE))
    parser.add_argument("--no-bytecode", action="store_true", help="compile Eligo from source in every process")
    args = parser.parse_args()
    print(f"{sys.executable}, medians of {args.runs} runs, bytecode {'not kept' if args.no_bytecode else 'kept'}, "
          f"load {os.getloadavg()[0]:.1f}")
    both = measure_both(args.runs, args.kb, args.guideline, args.case, not args.no_bytecode)
    for clock, medians in both.items():
        print(report(medians, clock))


if __name__ == "__main__":
    main()
