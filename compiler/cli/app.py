"""What every `eligo` command shares: the Typer app, the consoles, loading and failing.

Exit codes: 0 success, 1 the guidelines or examples have failures, 2 a usage or input error.
Output is coloured on a terminal and plain otherwise (Rich decides).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import eligo
from eligo.cases import CaseValueError, read_date
from eligo.dsl.diagnostics import Diagnostic, EligoError, render_all
from eligo.kb import discover
from eligo.version import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from eligo.pipeline import KnowledgeBase

    out: Console
    err: Console

app = typer.Typer(no_args_is_help=True, add_completion=True, rich_markup_mode=None,
                  help="Eligo: clinical selection guidelines as code.")


def _console(name: str) -> Console:
    """`out` or `err`, the Rich console of standard output or error, made on first use (Rich costs a noticeable
    part of a command's start-up to import; `eligo eval` printing plain lines never needs it)."""
    made = globals().get(name)
    if made is None:
        from rich.console import Console

        made = Console(stderr=name == "err", highlight=False, soft_wrap=True)
        if not made.is_terminal:
            made.width = 200  # tables piped to a file or another program are not cut at 80 columns
        globals()[name] = made
    return made


def __getattr__(name: str) -> Any:
    if name in ("out", "err"):  # `from eligo.cli.app import out, err`
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

MAX_SHOWN = 50  # diagnostics printed as text; the rest are counted (--json and --sarif give them all)
KB_OPTION = typer.Option("--kb", help="The knowledge base folder (default: the nearest folder above holding "
                         "eligo.toml, else knowledge/).")
KbOption = Annotated[Path | None, KB_OPTION]
PathsArg = Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: the knowledge base)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _print_version(value: bool) -> None:
    if value:
        _console("out").print(f"eligo {__version__}", markup=False)
        raise typer.Exit(0)


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Eligo: clinical selection guidelines as code."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` (red on a terminal; the message is never read as markup) and return the exit."""
    err = _console("err")
    if err.is_terminal:
        from rich.markup import escape

        err.print(f"[red]error:[/red] {escape(message)}", markup=True)
    else:
        err.print(f"error: {message}", markup=False)
    return typer.Exit(code)


@dataclass(frozen=True)
class Scope:
    """A loaded knowledge base and the files a command was asked about (all of them when `paths` is empty)."""

    kb: KnowledgeBase
    paths: tuple[Path, ...] = ()

    def covers(self, path: str) -> bool:
        return not self.paths or any(discover.inside(Path(path), p) for p in self.paths)


def open_scope(paths: list[Path] | None, kb: Path | None = None) -> Scope:
    """The knowledge base around `paths` (so one file is checked in context) and those paths; paths in no
    knowledge base are loaded on their own."""
    root = discover.knowledge_base(kb, paths)
    if kb is not None and not kb.is_dir():
        raise fail(f"--kb {kb}: no such folder")
    wanted = list(paths or [])
    for path in wanted:
        if not path.exists():
            raise fail(f"{path}: no such file or folder")
    if wanted and (not root.is_dir() or not all(discover.inside(p, root) for p in wanted)):
        return Scope(load_paths(wanted))
    if not root.is_dir():
        raise fail(f"no knowledge base here: no {discover.MARKER} in this folder or above it, and no "
                   f"{discover.DEFAULT}/ folder; give --kb or a path")
    scoped = tuple(p for p in wanted if not _same(p, root))
    return Scope(load_paths([root]), scoped)


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def load_paths(paths: list[Path]) -> KnowledgeBase:
    """Load sources; a missing or unreadable path is a usage error (exit 2)."""
    try:
        return eligo.load(*paths)
    except OSError as exc:
        raise fail(str(exc) if isinstance(exc, FileNotFoundError) and not exc.filename
                   else f"{exc.filename or paths[0]}: {exc.strerror or exc}") from exc


def load_kb(paths: list[Path] | None, kb: Path | None = None) -> KnowledgeBase:
    """The knowledge base of a command (see `open_scope`)."""
    return open_scope(paths, kb).kb


def print_diagnostics(kb: KnowledgeBase, diagnostics: list[Diagnostic]) -> None:
    """Render the first MAX_SHOWN diagnostics with their source lines, then say how many more there are."""
    if diagnostics:
        sources = {f.path: f.text for f in kb.files}
        shown = sorted(diagnostics, key=Diagnostic.sort_key)[:MAX_SHOWN]
        err = _console("err")
        err.print(render_all(shown, sources), markup=False)
        if len(diagnostics) > MAX_SHOWN:
            err.print(f"\n… and {len(diagnostics) - MAX_SHOWN} more (--json lists them all)", markup=False)


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def select_guideline(kb: KnowledgeBase, guideline: str, version: str | None, as_of: str | None, draft: bool) -> eligo.Guideline:
    day = _as_of(version, as_of)
    try:
        compiled: eligo.Guideline = kb.guideline(guideline, version=version, as_of=day, allow_draft=draft)
        return compiled
    except LookupError as exc:
        raise fail(str(exc.args[0])) from exc
    except EligoError as exc:
        print_diagnostics(kb, exc.diagnostics)
        raise fail(f"{guideline} has errors; run `eligo check`", 1) from exc


def _as_of(version: str | None, as_of: str | None) -> dt.date | None:
    if version and as_of:
        raise fail("give either --version or --as-of, not both")
    try:
        return read_date(as_of) if as_of else None
    except CaseValueError as exc:
        raise fail(f"--as-of {as_of!r} is not a date written YYYY-MM-DD") from exc


def cached_guideline(kb_path: Path | None, guideline: str, version: str | None, as_of: str | None, draft: bool,
                     use_cache: bool = True) -> eligo.Guideline:
    """`select_guideline` in the knowledge base of a command, through the compiled cache (eligo.kb.cache): when
    nothing the guideline depends on has changed, nothing is parsed or compiled."""
    from eligo.kb import cache

    root = discover.knowledge_base(kb_path)
    _as_of(version, as_of)

    def build() -> tuple[eligo.Guideline, set[str]]:
        from eligo.pipeline import depends_on

        compiled = select_guideline(load_kb(None, kb_path), guideline, version, as_of, draft)
        return compiled, depends_on(compiled)

    if not use_cache:
        with cache.off():  # nor the parser's tables and parses
            return build()[0]
    if not root.is_dir():
        return build()[0]
    return cache.guideline(root, guideline, version, as_of, draft, build)
