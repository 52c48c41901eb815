"""Expected answers beside the case files, so that `eligo cases` is a regression suite: `expected.toml` in
`<knowledge base>/cases/<guideline id>/` names, per case file, the outcome of a decision or the value of a
definition, written as in an example (`candidate by rule favourable`, `unknown missing ca19_9_change`,
`18 months`, `yes`).

    [two_liver_metastases]
    simultaneous_resection = "candidate"
    ca19_9_response = "yes"
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from eligo.case_files import read_case
from eligo.cases import CaseError, normalise
from eligo.compiled.result import Result
from eligo.ir import NA, units

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline

EXPECTED = "expected.toml"
_OUTCOME = re.compile(r"^(?P<value>[A-Za-z_][A-Za-z0-9_]*)(?: by rule (?P<rule>[A-Za-z_][A-Za-z0-9_]*))?$")
_UNKNOWN = re.compile(r"^unknown(?: missing (?P<missing>[A-Za-z0-9_, ]+))?$")
_QUANTITY = re.compile(r"^(?P<number>-?\d+(?:\.\d+)?)\s*(?P<unit>\S.*)?$")


@dataclass
class Report:
    """What the expectations of a knowledge base found: files read, answers checked, each failure as a line."""

    files: int = 0
    checked: int = 0
    failures: list[str] = field(default_factory=list)


def check_folders(folders: list[tuple[Path, Guideline]]) -> Report:
    """Check the `expected.toml` of each case folder (with the guideline version its cases are evaluated under)."""
    report = Report()
    for folder, guideline in folders:
        path = folder / EXPECTED
        if path.is_file():
            report.files += 1
            check_file(path, guideline, report)
    return report


def check_file(path: Path, guideline: Guideline, report: Report) -> None:
    """Evaluate each case `path` names and compare every expected answer; failures name `path:line`."""
    text = path.read_text(encoding="utf-8")
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        report.failures.append(f"{path}: not valid TOML: {exc}")
        return
    lines = text.split("\n")
    for case_name, answers in expected.items():
        header = _line(lines, r'^\s*\[\s*"?' + re.escape(case_name) + r'"?\s*\]')
        where = f"{path}:{header}"
        case_path = path.parent / f"{case_name}.json"
        if not isinstance(answers, Mapping):
            report.failures.append(f"{where}: `{case_name}` should be a table of answers: [{case_name}]")
            continue
        if not case_path.is_file():
            report.failures.append(f"{where}: there is no case file {case_path.name}")
            continue
        try:
            result = guideline.evaluate_prepared(normalise(guideline.inputs, read_case(case_path), str(case_path)),
                                                 trace=True)
        except CaseError as exc:
            report.failures.append(f"{where}: {case_name}: the case was refused: {exc}")
            continue
        for target, wanted in answers.items():
            report.checked += 1
            problem = compare(result, target, wanted)
            if problem is not None:
                at = _line(lines, r'^\s*"?' + re.escape(target) + r'"?\s*=', after=header)
                report.failures.append(f"{path}:{at}: {case_name}: {problem}")


def compare(result: Result, target: str, wanted: object) -> str | None:
    """None when `target` (a decision or definition) has the expected answer, else what differs.

    >>> from eligo.compiled.result import DecisionResult
    >>> r = Result("g", "1.0.0", "", {"d": DecisionResult("d", "a", "decided", (), "r1")}, {"x": 18.0})
    >>> compare(r, "d", "a by rule r1"), compare(r, "d", "b"), compare(r, "x", "18 months"), compare(r, "x", "1 year")
    (None, 'expected d = b, got a (rule r1)', None, 'expected x = 1 year, got 1.5 years')
    """
    if target in result.decisions:
        return _decision(result, target, str(wanted))
    if target in result.values:
        return _value(target, result.values[target], wanted)
    names = ", ".join([*result.decisions, *result.values])
    return f"`{target}` is neither a decision nor a definition of {result.guideline} (it has {names})"


def _decision(result: Result, target: str, wanted: str) -> str | None:
    got = result.decisions[target]
    shown = (f"{got.value} (rule {got.rule})" if got.status == "decided" else
             got.status + (f" (missing {', '.join(got.missing)})" if got.missing else ""))
    if unknown := _UNKNOWN.match(wanted):
        missing = {m.strip() for m in (unknown.group("missing") or "").split(",") if m.strip()}
        if got.status != "unknown" or (missing and missing != set(got.missing)):
            return f"expected {target} = {wanted}, got {shown}"
        return None
    outcome = _OUTCOME.match(wanted)
    if outcome is not None and outcome.group("value") == "open":  # a declared open question (`open by rule R`)
        rule = outcome.group("rule")
        return None if got.status == "open" and rule in (None, got.rule) else f"expected {target} = {wanted}, got {shown}"
    if outcome is None:
        return f"`{wanted}` is not an outcome: write `OUTCOME`, `OUTCOME by rule RULE` or `unknown missing INPUT, …`"
    if got.status != "decided" or got.value != outcome.group("value") or (
            outcome.group("rule") and got.rule != outcome.group("rule")):
        return f"expected {target} = {wanted}, got {shown}"
    return None


def _value(target: str, got: object, wanted: object) -> str | None:
    expected, unit = _read(wanted)
    if isinstance(expected, str) and expected.startswith("`"):
        return expected
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (got, expected))
    same = math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9) if numbers else got == expected  # type: ignore[arg-type]
    return None if same else f"expected {target} = {wanted}, got {shown(got, unit)}"


def _read(wanted: object) -> tuple[object, str | None]:
    """An expected value as the evaluator holds it, and its unit: `yes` True, `none` NA, `5 cm` 50 (mm) in cm."""
    if not isinstance(wanted, str):
        return wanted, None
    words = {"yes": True, "no": False, "none": NA, "unknown": None, "missing": None}
    if wanted in words:
        return words[wanted], None
    quantity = _QUANTITY.match(wanted)
    if quantity is None:
        return wanted, None  # a value of a kind, or a text
    number = float(quantity.group("number"))
    if quantity.group("unit") is None:
        return number, None
    unit = units.lookup(quantity.group("unit").strip())
    if unit is None:
        return f"`{quantity.group('unit')}` is not a unit Eligo knows", None
    return number * unit.factor, unit.name


def shown(value: object, unit: str | None = None) -> str:
    """A value as an expectation is written, a number in the expectation's unit (`28 months 2 days`)."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is NA:
        return "none"
    if isinstance(value, (int, float)):
        return units.show(float(value), unit)
    return str(value)


def _line(lines: list[str], pattern: str, after: int = 0) -> int:
    """The 1-based line of the first match of `pattern` at or after line `after` (else `after`, or 1)."""
    compiled = re.compile(pattern)
    for number, line in enumerate(lines[max(after - 1, 0):], start=max(after, 1)):
        if compiled.search(line):
            return number
    return max(after, 1)
