"""What every `eligo` command shares: the Typer app, the consoles, loading and failing.

Exit codes: 0 success, 1 the guidelines or examples have failures, 2 a usage or input error.
Output is coloured on a terminal and plain otherwise (Rich decides).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

import eligo
from eligo.dsl.diagnostics import Diagnostic, EligoError, render_all
from eligo.kb.store import KnowledgeBase

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="Eligo: clinical selection guidelines as code.")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
for _console in (out, err):
    if not _console.is_terminal:
        _console.width = 200  # tables piped to a file or another program are not cut at 80 columns

KB_OPTION = typer.Option("--kb", help="The knowledge base folder.")
PathsArg = Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: knowledge/)")]


@app.callback()
def _root() -> None:
    """Eligo: clinical selection guidelines as code."""


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True) if err.is_terminal else err.print(f"error: {message}",
                                                                                              markup=False)
    return typer.Exit(code)


def load_kb(paths: list[Path] | None) -> KnowledgeBase:
    try:
        return eligo.load(*(paths or [Path("knowledge")]))
    except FileNotFoundError as exc:
        raise fail(str(exc)) from exc


def print_diagnostics(kb: KnowledgeBase, diagnostics: list[Diagnostic]) -> None:
    if diagnostics:
        sources = {f.path: f.text for f in kb.files}
        err.print(render_all(diagnostics, sources), markup=False)


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def select_guideline(kb: KnowledgeBase, guideline: str, version: str | None, as_of: str | None, draft: bool) -> eligo.Guideline:
    if version and as_of:
        raise fail("give either --version or --as-of, not both")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise fail(f"--as-of {as_of!r} is not a date written YYYY-MM-DD") from exc
    try:
        compiled: eligo.Guideline = kb.guideline(guideline, version=version, as_of=day, allow_draft=draft)
        return compiled
    except LookupError as exc:
        raise fail(str(exc.args[0])) from exc
    except EligoError as exc:
        print_diagnostics(kb, exc.diagnostics)
        raise fail(f"{guideline} has errors; run `eligo check`", 1) from exc
