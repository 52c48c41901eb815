"""Case validation: a JSON/YAML/dict case checked against a guideline's inputs and normalised.

Every problem is collected; a case with any problem is refused whole (nothing is evaluated).
Missing inputs (absent or null) are not problems: they are unknown.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eligo import ir
from eligo.dsl.diagnostics import did_you_mean
from eligo.ir import units
from eligo.ir.lists import Records

_QUANTITY = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([^\s\d].*?)\s*$")


MAX_PROBLEMS = 50  # a refused case lists this many problems, then says how many more there are
MAX_EXACT = 2 ** 53  # beyond this a count is not exactly representable as a double, which SQL and Python share
DATE = re.compile(r" *([0-9]{4})-([0-9]{2})-([0-9]{2}) *")  # the one spelling of a date (SQL: trim, then ^\d{4}-\d{2}-\d{2}$)


NUMBER_TEXT = re.compile(r" *(-?[0-9]+(?:\.[0-9]+)?) *")  # a number written as text, such as a CSV cell


def number_from_text(text: str) -> float | None:
    """The number a text such as a CSV cell spells (ASCII digits, one optional point), or None: `１２`, `1_000`,
    `0x1A` and `1e400` are not numbers in a case, though Python's float() reads some of them."""
    match = NUMBER_TEXT.fullmatch(text)
    return float(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class CaseProblem:
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" ({self.hint})" if self.hint else "")


class CaseValueError(ValueError):
    """One value refused by `convert`: what is wrong with it and, when there is one, how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)


class CaseError(ValueError):
    """A case was refused; `problems` lists the fields in error (the first MAX_PROBLEMS; `more` counts the rest)."""

    def __init__(self, problems: list[CaseProblem], source: str = "case", more: int = 0) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.more = more + max(len(problems) - MAX_PROBLEMS, 0)
        self.source = source
        total = len(self.problems) + self.more
        lines = "\n".join(f"  - {p}" for p in self.problems)
        if self.more:
            lines += f"\n  - … and {self.more} more"
        super().__init__(f"{source} was refused ({total} problem{'s' * (total != 1)}):\n{lines}")


def normalise(inputs: Mapping[str, ir.InputInfo], case: Mapping[str, Any], source: str = "case",
              ignore_unknown: bool = False) -> dict[str, Any]:
    """The case with canonical values (durations in months, …); raise CaseError listing every problem.

    With `ignore_unknown`, fields that are not inputs (a patient id, a note) are left out instead of refused.
    """
    if not isinstance(case, Mapping):
        raise CaseError([CaseProblem("(case)", f"a case must map input names to values, got {_show(case)}")], source)
    problems: list[CaseProblem] = []
    more = 0
    out: dict[str, Any] = {}
    for field, value in case.items():
        info = inputs.get(field) if isinstance(field, str) else None
        problem: CaseProblem | None = None
        if info is None:
            if ignore_unknown:
                continue
            name = _field_name(field)
            hint = did_you_mean(name, inputs) if len(problems) < MAX_PROBLEMS and len(name) < 200 else ""
            problem = CaseProblem(name, "is not an input of this guideline", hint)
        elif value is not None and info.type.kind == "list":
            found: list[CaseProblem] = []
            out[field] = convert_list(info, value, found)
            for each in found:
                if len(problems) < MAX_PROBLEMS:
                    problems.append(each)
                else:
                    more += 1
        elif value is not None:
            try:
                out[field] = convert(info, value)
            except CaseValueError as exc:
                problem = CaseProblem(field, exc.message, exc.hint)
        if problem is not None:
            if len(problems) < MAX_PROBLEMS:
                problems.append(problem)
            else:
                more += 1
    if problems:
        raise CaseError(problems, source, more)
    return out


def convert(info: ir.InputInfo, value: Any) -> Any:
    """One value, checked and converted to its canonical form; raises CaseValueError."""
    typ = info.type
    match typ.kind:
        case "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
                return value.lower() in ("yes", "true")
            raise CaseValueError(f"expected yes/no (true or false), got {_show(value)}")
        case "number":
            number = _number(value, typ.integer)
            return _in_range(info, number, number)
        case "quantity":
            return _quantity(info, value)
        case "date":
            return read_date(value)
        case "enum":
            if not isinstance(value, str):
                raise CaseValueError(f"expected one of {', '.join(typ.values)}, got {_show(value)}")
            if value not in typ.values:
                hint = did_you_mean(value, typ.values) or f"one of {', '.join(typ.values)}"
                raise CaseValueError(f"{_show(value)} is not a value of {info.spec}", hint)
            return value
    raise CaseValueError(f"input of type {typ.describe()} cannot be given in a case")


def convert_list(info: ir.InputInfo, value: Any, problems: list[CaseProblem]) -> Records:
    """A list of records: a JSON array of objects, or `{"at_least": [...]}` for a list known to be incomplete.
    Each element is checked field by field, its problems named by path (`lesions[2].size`); a field absent or
    null is unknown."""
    complete = True
    if isinstance(value, Mapping) and set(value) == {"at_least"}:
        value, complete = value["at_least"], False
    if not isinstance(value, (list, tuple)):
        problems.append(CaseProblem(info.name, f"expected a list of {info.spec[len('list of '):]} records "
                                    f"(an array of objects), got {_show(value)}",
                                    'write [{...}, ...], or {"at_least": [...]} when more may exist'))
        return Records((), complete)
    fields = {f.name: f for f in info.fields}
    elements: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        where = f"{info.name}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(CaseProblem(where, f"expected an object with fields {', '.join(fields)}, got {_show(item)}"))
            continue
        element: dict[str, Any] = dict.fromkeys(fields)
        for name, raw in item.items():
            spec = fields.get(name) if isinstance(name, str) else None
            if spec is None:
                problems.append(CaseProblem(f"{where}.{_field_name(name)}", "is not a field of this record",
                                            did_you_mean(_field_name(name), fields)))
            elif raw is not None:
                try:
                    element[name] = convert(spec, raw)
                except CaseValueError as exc:
                    problems.append(CaseProblem(f"{where}.{name}", exc.message, exc.hint))
        elements.append(element)
    return Records(elements, complete)


def _number(value: Any, integer: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CaseValueError(f"expected {'a whole number' if integer else 'a number'}, got {_show(value)}")
    if isinstance(value, int):
        if abs(value) <= MAX_EXACT:
            return value
        if integer:
            raise CaseValueError(f"{_show(value)} is too large for a count", f"at most {MAX_EXACT:,}")
        try:
            return float(value)
        except OverflowError:
            raise CaseValueError(f"{_show(value)} is too large for a number", "give a finite number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CaseValueError(f"expected a finite number, got {value}")
    if integer:
        if value != int(value):
            raise CaseValueError(f"expected a whole number, got {value}")
        if abs(value) > MAX_EXACT:
            raise CaseValueError(f"{value:g} is too large for a count", f"at most {MAX_EXACT:,}")
        return int(value)
    return value


def _quantity(info: ir.InputInfo, value: Any) -> float:
    declared = units.lookup(info.unit or "") if info.unit else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = float(_number(value, False)), declared
    else:
        if isinstance(value, Mapping) and set(value) == {"value", "unit"} and isinstance(value["unit"], str):
            raw_number, unit_name = value["value"], value["unit"]
        elif isinstance(value, str) and (match := _QUANTITY.match(value)):
            raw_number, unit_name = float(match.group(1)), match.group(2)
        else:
            example = f"\"18{info.unit}\"" if info.unit == "%" else f"\"18 {info.unit or 'months'}\""
            raise CaseValueError(f"expected {info.type.describe()} such as {example} or a number in {info.unit}, "
                                 f"got {_show(value)}")
        number = _number(raw_number, False)
        unit = units.lookup(unit_name)
        if unit is None:
            raise CaseValueError(f"unknown unit {_show(unit_name)}",
                                 did_you_mean(unit_name, units.names()) or "e.g. months")
    if unit is None or unit.dimension != info.type.dimension:
        raise CaseValueError(f"{_show(value)} is not {info.type.describe()}", f"give it in {info.unit}")
    canonical = float(number) * unit.factor
    if canonical != canonical or canonical in (float("inf"), float("-inf")):
        raise CaseValueError(f"{_show(value)} is too large", "give a finite number")
    in_declared = canonical / declared.factor if declared else canonical
    result: float = _in_range(info, in_declared, canonical)
    return result


def _in_range(info: ir.InputInfo, declared_value: float, canonical: Any) -> Any:
    unit = f" {info.unit}" if info.unit and info.unit != "%" else (info.unit or "")
    if info.low is not None and declared_value < info.low - 1e-9:
        raise CaseValueError(
            f"{declared_value:g}{unit} is below the declared range {info.low:g} to {info.high:g}{unit}"
            if info.high is not None else f"{declared_value:g}{unit} is below the minimum {info.low:g}{unit}")
    if info.high is not None and declared_value > info.high + 1e-9:
        raise CaseValueError(f"{declared_value:g}{unit} is above the declared range "
                             f"{info.low if info.low is not None else ''}{'' if info.low is None else ' to '}"
                             f"{info.high:g}{unit}")
    return canonical


def read_date(value: Any) -> dt.date:
    """The one date reader: a date, or a text written YYYY-MM-DD (ASCII digits; spaces around are ignored, as SQL's trim does)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (match := DATE.fullmatch(value)):
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CaseValueError(f"{value.strip()} is not a real date", "check the month and day") from None
    raise CaseValueError(f"expected a date written YYYY-MM-DD, got {_show(value)}")


def _field_name(field: Any) -> str:
    name = field if isinstance(field, str) else _show(field)
    return name if len(name) <= 80 else name[:77] + "…"


def _show(value: Any) -> str:
    """A short rendering of a value for a message (never long, never failing)."""
    if isinstance(value, str):
        return repr(value) if len(value) < 60 else repr(value[:56]) + "…"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 30:
        return f"a number of {len(str(abs(value))) if abs(value).bit_length() < 14_000 else 'over 4,000'} digits"
    if isinstance(value, (list, tuple, dict)):
        items = value.values() if isinstance(value, dict) else value
        flat = len(value) <= 8 and all(not isinstance(item, (list, tuple, dict)) for item in items)
        return _json_or_repr(value) if flat else _short(_REPR.repr(value))  # bounded, even for shared parts
    return _json_or_repr(value)


def _json_or_repr(value: Any) -> str:
    try:
        text = json.dumps(value, default=str)
    except (ValueError, TypeError, RecursionError):
        text = _REPR.repr(value)
    return _short(text)


def _short(text: str) -> str:
    return text if len(text) < 60 else text[:57] + "…"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 2, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 24, 24, 24
