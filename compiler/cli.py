"""The `eligo` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

import dsl

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Eligo: clinical selection guidelines as code.")


@app.callback()
def _root() -> None:
    """Eligo: clinical selection guidelines as code."""


def _sources(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.eligo")) if path.is_dir() else [path])
    return files


@app.command()
def check(paths: list[Path] = typer.Argument(None, help="Files or folders (default: knowledge/)")) -> None:
    """Parse and check guidelines; print every diagnostic."""
    failed = False
    for file in _sources(paths or [Path("knowledge")]):
        text = file.read_text(encoding="utf-8")
        _, diagnostics = dsl.parse_with_diagnostics(text, str(file))
        if diagnostics:
            print(dsl.render_all(diagnostics, {str(file): text}), file=sys.stderr)
        failed |= any(d.is_error for d in diagnostics)
    raise typer.Exit(1 if failed else 0)


def main() -> None:
    app()
