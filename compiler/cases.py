"""Case validation: a JSON/YAML/dict case checked against a guideline's inputs and normalised.

Every problem is collected; a case with any problem is refused whole (nothing is evaluated).
Missing inputs (absent or null) are not problems: they are unknown.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eligo import ir
from eligo.dsl.diagnostics import did_you_mean
from eligo.ir import units

_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([^\s\d].*?)\s*$")


@dataclass(frozen=True, slots=True)
class CaseProblem:
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" ({self.hint})" if self.hint else "")


class CaseError(ValueError):
    """A case was refused; `problems` lists every field in error."""

    def __init__(self, problems: list[CaseProblem], source: str = "case") -> None:
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} was refused ({len(problems)} problem{'s' * (len(problems) != 1)}):\n{lines}")


def read_case(path: str | Path | None, text: str | None = None) -> dict[str, Any]:
    """Read a case from a JSON or YAML file (or text); a problem reading it is a CaseError."""
    import yaml

    name = str(path) if path is not None else "<stdin>"
    raw = text if text is not None else Path(name).read_text(encoding="utf-8")
    try:
        data = json.loads(raw) if name.endswith(".json") or raw.lstrip().startswith("{") else yaml.safe_load(raw)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CaseError([CaseProblem("(file)", f"not valid JSON or YAML: {exc}")], name) from exc
    if not isinstance(data, dict):
        raise CaseError([CaseProblem("(file)", "a case must be an object mapping input names to values")], name)
    return data


def normalise(inputs: Mapping[str, ir.InputInfo], case: Mapping[str, Any], source: str = "case") -> dict[str, Any]:
    """The case with canonical values (durations in months, …); raise CaseError listing every problem."""
    problems: list[CaseProblem] = []
    out: dict[str, Any] = {}
    for field, value in case.items():
        info = inputs.get(field) if isinstance(field, str) else None
        if info is None:
            problems.append(CaseProblem(str(field), "is not an input of this guideline",
                                        did_you_mean(str(field), inputs)))
            continue
        if value is None:
            continue
        try:
            out[field] = convert(info, value)
        except ValueError as exc:
            message, _, hint = str(exc).partition("|")
            problems.append(CaseProblem(field, message, hint))
    if problems:
        raise CaseError(problems, source)
    return out


def convert(info: ir.InputInfo, value: Any) -> Any:
    """One value, checked and converted; raises ValueError("message|hint")."""
    typ = info.type
    match typ.kind:
        case "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
                return value.lower() in ("yes", "true")
            raise ValueError(f"expected yes/no (true or false), got {_show(value)}")
        case "number":
            number = _number(value, typ.integer)
            return _in_range(info, number, number)
        case "quantity":
            return _quantity(info, value)
        case "date":
            return _date(value)
        case "enum":
            if not isinstance(value, str):
                raise ValueError(f"expected one of {', '.join(typ.values)}, got {_show(value)}")
            if value not in typ.values:
                hint = did_you_mean(value, typ.values) or f"one of {', '.join(typ.values)}"
                raise ValueError(f"{value!r} is not a value of {info.spec}|{hint}")
            return value
    raise ValueError(f"input of type {typ.describe()} cannot be given in a case")


def _number(value: Any, integer: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected {'a whole number' if integer else 'a number'}, got {_show(value)}")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"expected a finite number, got {value}")
    if integer:
        if value != int(value):
            raise ValueError(f"expected a whole number, got {value}")
        return int(value)
    return value


def _quantity(info: ir.InputInfo, value: Any) -> float:
    declared = units.lookup(info.unit or "") if info.unit else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = float(value), declared
    else:
        if isinstance(value, Mapping) and set(value) == {"value", "unit"}:
            raw_number, unit_name = value["value"], str(value["unit"])
        elif isinstance(value, str) and (match := _QUANTITY.match(value)):
            raw_number, unit_name = float(match.group(1)), match.group(2)
        else:
            example = f"\"18{info.unit}\"" if info.unit == "%" else f"\"18 {info.unit or 'months'}\""
            raise ValueError(f"expected {info.type.describe()} such as {example} or a number in {info.unit}, "
                             f"got {_show(value)}")
        number = _number(raw_number, False)
        unit = units.lookup(unit_name)
        if unit is None:
            raise ValueError(f"unknown unit {unit_name!r}|{did_you_mean(unit_name, units.names()) or 'e.g. months'}")
    if unit is None or unit.dimension != info.type.dimension:
        raise ValueError(f"{_show(value)} is not {info.type.describe()}|give it in {info.unit}")
    canonical = float(number) * unit.factor
    in_declared = canonical / declared.factor if declared else canonical
    result: float = _in_range(info, in_declared, canonical)
    return result


def _in_range(info: ir.InputInfo, declared_value: float, canonical: Any) -> Any:
    unit = f" {info.unit}" if info.unit and info.unit != "%" else (info.unit or "")
    if info.low is not None and declared_value < info.low - 1e-9:
        raise ValueError(f"{declared_value:g}{unit} is below the declared range {info.low:g} to {info.high:g}{unit}"
                         if info.high is not None else f"{declared_value:g}{unit} is below the minimum {info.low:g}{unit}")
    if info.high is not None and declared_value > info.high + 1e-9:
        raise ValueError(f"{declared_value:g}{unit} is above the declared range "
                         f"{info.low if info.low is not None else ''}{'' if info.low is None else ' to '}{info.high:g}{unit}")
    return canonical


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                raise ValueError(f"{value} is not a real date|check the month and day") from None
            raise ValueError(f"expected a date written YYYY-MM-DD, got {_show(value)}") from None
    raise ValueError(f"expected a date written YYYY-MM-DD, got {_show(value)}")


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) < 60 else text[:57] + "…"
