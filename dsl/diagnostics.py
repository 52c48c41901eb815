"""One diagnostic type for every stage, and the one renderer that turns it into text."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from eligo.dsl.ast import Span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    hints: tuple[str, ...] = field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.path, self.span.line, self.span.column, self.code)

    def headline(self) -> str:
        """`file:line:col: error[E012]: message`."""
        return f"{self.span}: {self.severity.value}[{self.code}]: {self.message}"


def error(code: str, message: str, span: Span, *hints: str) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, tuple(h for h in hints if h))


def warning(code: str, message: str, span: Span, *hints: str) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, tuple(h for h in hints if h))


class EligoError(Exception):
    """Raised by the public API when a source or a case is refused; carries every diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.headline() for d in self.diagnostics))


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidate, or an empty string when nothing is close."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    return f"did you mean `{close[0]}`?" if close else ""


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def render(diagnostic: Diagnostic, sources: Mapping[str, str] | None = None) -> str:
    """Render as `file:line:col: error[E0xx]: message`, the source line, a caret underline and hints."""
    lines = [diagnostic.headline()]
    span = diagnostic.span
    text = (sources or {}).get(span.path)
    if text is not None and span.line >= 1:
        source_lines = text.splitlines()
        if span.line <= len(source_lines):
            line = source_lines[span.line - 1]
            gutter = " " * len(str(span.line))
            start = max(span.column, 1)
            if span.end_line == span.line and span.end_column > start:
                width = span.end_column - start
            else:
                width = max(len(line.rstrip()) - start + 1, 1)
            lines.append(f"{gutter} |")
            lines.append(f"{span.line} | {line}")
            lines.append(f"{gutter} | {' ' * (start - 1)}{'^' * width}")
    for hint in diagnostic.hints:
        lines.append(f"  = hint: {hint}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None) -> str:
    return "\n\n".join(render(d, sources) for d in sorted(diagnostics, key=Diagnostic.sort_key))
