"""`eligo eval` at the speed of the interpreter's start: a case decided by a guideline read from the compiled cache,
without importing Typer (whose option parsing imports pydantic), Rich, Lark or the compiler's stages.

`main` tries `run` first. It takes only the plain form of the command (`eligo eval G --case FILE` with `--version`,
`--as-of`, `--draft`, `--json`, `--ignore-unknown`, `--kb`), and only when the guideline is in the cache and the
case is decided without a problem; anything else (a cache miss, a bad case, a missing file, `--explain`, `--help`,
standard input, an option it does not know) returns None before anything is printed, and the Typer command does
all of it as always. Both print a result with `result_lines`, so their output is the same (a test holds them to it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eligo.compiled.result import Result

_VALUES = {"--case": "case", "-c": "case", "--version": "version", "--as-of": "as_of", "--kb": "kb"}
_FLAGS = {"--draft": "draft", "--json": "as_json", "--ignore-unknown": "ignore_unknown"}


def result_lines(result: Result, as_json: bool) -> list[str]:
    """What `eligo eval` prints for a result: its JSON, or a line per decision."""
    if as_json:
        return [json.dumps(result.to_json(), indent=2, default=str)]
    lines = []
    for name, decision in result.decisions.items():
        value = decision.value if decision.status == "decided" else decision.status
        missing = f" (missing: {', '.join(decision.missing)})" if decision.missing else ""
        rule = f" by rule {decision.rule}" if decision.rule else ""
        lines.append(f"{name}: {value}{rule}{missing}")
    return lines


def print_lines(lines: list[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()


def _arguments(argv: list[str]) -> dict[str, object] | None:
    """The options of the plain form of `eligo eval`, or None for anything else."""
    found: dict[str, object] = {}
    positional: list[str] = []
    items = iter(argv)
    for item in items:
        name, equals, attached = item.partition("=")
        if name in _VALUES:
            value = attached if equals else next(items, None)
            if value is None or _VALUES[name] in found or (not equals and value.startswith("-")):
                return None
            found[_VALUES[name]] = value
        elif item in _FLAGS:
            found[_FLAGS[item]] = True
        elif item.startswith("-"):
            return None  # --explain, --help, --no-cache, a mistake: the Typer command answers
        else:
            positional.append(item)
    if len(positional) != 1 or "case" not in found or found["case"] == "-" or ("version" in found and "as_of" in found):
        return None
    found["guideline"] = positional[0]
    return found


def run(argv: list[str]) -> bool:
    """Decide the case of `eligo eval ARGV` from the cache and print it; False (nothing done) when it cannot."""
    options = _arguments(argv)
    if options is None:
        return False
    from eligo.kb import cache, discover

    if cache.directory() is None:
        return False
    kb = options.get("kb")
    root = discover.knowledge_base(Path(str(kb)) if kb is not None else None)
    if not root.is_dir():
        return False
    version, as_of = options.get("version"), options.get("as_of")
    compiled = cache.lookup(root, str(options["guideline"]), None if version is None else str(version),
                            None if as_of is None else str(as_of), bool(options.get("draft")))
    if compiled is None:
        return False
    from eligo.case_files import read_case
    from eligo.cases import CaseError, normalise

    case = str(options["case"])
    try:
        prepared = normalise(compiled.inputs, read_case(case), case, bool(options.get("ignore_unknown")))
    except (CaseError, OSError):
        return False  # the Typer command reports it, as always
    as_json = bool(options.get("as_json"))
    try:
        lines = result_lines(compiled.evaluate_prepared(prepared, trace=as_json), as_json)
    except Exception:  # a guideline read back that does not run as compiled: never trusted again
        cache.forget(root, str(options["guideline"]), None if version is None else str(version),
                     None if as_of is None else str(as_of), bool(options.get("draft")))
        return False  # the Typer command compiles it afresh
    print_lines(lines)
    return True
