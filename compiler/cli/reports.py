"""Diagnostics as data: the JSON of `eligo check --json` and SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eligo.dsl.codes import CATALOGUE
from eligo.dsl.diagnostics import Diagnostic
from eligo.version import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    """One diagnostic: code, severity, message, hints and its place (1-based lines and columns)."""
    span = diagnostic.span
    return {"code": diagnostic.code, "severity": diagnostic.severity.value, "message": diagnostic.message,
            "hints": list(diagnostic.hints), "path": span.path, "line": span.line, "column": span.column,
            "end_line": span.end_line, "end_column": span.end_column}


def check_json(files: int, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    errors = sum(d.is_error for d in diagnostics)
    return {"files": files, "errors": errors, "warnings": len(diagnostics) - errors,
            "diagnostics": [diagnostic_json(d) for d in diagnostics]}


def sarif(diagnostics: list[Diagnostic], base: Path | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run: a rule per code used (from the catalogue), a result per diagnostic."""
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        entry = CATALOGUE.get(code)
        rule: dict[str, Any] = {"id": code}
        if entry is not None:
            rule |= {"shortDescription": {"text": entry.title}, "fullDescription": {"text": entry.explanation},
                     "defaultConfiguration": {"level": entry.severity}}
        rules.append(rule)
    results = []
    for d in diagnostics:
        text = d.message + "".join(f"\nhint: {hint}" for hint in d.hints)
        result: dict[str, Any] = {"ruleId": d.code, "ruleIndex": index[d.code], "level": _LEVELS[d.severity.value],
                                  "message": {"text": text}}
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(d.span.path, base)}}
        if d.span.line >= 1 and d.span.column >= 1:
            region = {"startLine": d.span.line, "startColumn": d.span.column}
            if d.span.end_line >= d.span.line and d.span.end_column >= 1:
                region |= {"endLine": d.span.end_line, "endColumn": d.span.end_column}
            location["region"] = region
        result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    driver = {"name": "eligo", "version": __version__, "rules": rules}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results,
                                                                    "columnKind": "unicodeCodePoints"}]}


def _uri(path: str, base: Path | None) -> str:
    """A relative URI (forward slashes) when the file lies under `base`, as code-scanning tools expect."""
    file = Path(path)
    if base is not None:
        try:
            return file.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return file.as_posix()
