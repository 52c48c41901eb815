"""The `eligo` command line: check, fmt, list, eval, test, graph.

Exit codes: 0 success, 1 the guidelines or examples have failures, 2 a usage or input error.
Output is coloured on a terminal and plain otherwise (Rich decides).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

import compiler
from compiler import graph as graphs
from compiler.guideline import compile_guideline
from compiler.loader import KnowledgeBase
from dsl.diagnostics import Diagnostic, EligoError, render_all

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


def _load(paths: list[Path] | None) -> KnowledgeBase:
    try:
        return compiler.load(*(paths or [Path("knowledge")]))
    except FileNotFoundError as exc:
        raise fail(str(exc)) from exc


def _print_diagnostics(kb: KnowledgeBase, diagnostics: list[Diagnostic]) -> None:
    if diagnostics:
        sources = {f.path: f.text for f in kb.files}
        err.print(render_all(diagnostics, sources), markup=False)


def _summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


@app.command()
def check(paths: PathsArg = None) -> None:
    """Check guidelines: syntax, names, types, units, tables, decisions, examples, metadata."""
    kb = _load(paths)
    diagnostics = kb.check()
    _print_diagnostics(kb, diagnostics)
    out.print(f"checked {len(kb.files)} file{'s' * (len(kb.files) != 1)}: {_summary(diagnostics)}", markup=False)
    raise typer.Exit(1 if any(d.is_error for d in diagnostics) else 0)


@app.command()
def fmt(
    paths: PathsArg = None,
    check: Annotated[bool, typer.Option("--check", help="Only report files that would change.")] = False,
) -> None:
    """Format guidelines in the canonical layout (keeps every comment)."""
    from dsl.formatter import format_paths

    code, messages = format_paths(list(paths or [Path("knowledge")]), check)
    for message in messages:
        (err if code else out).print(message, markup=False)
    raise typer.Exit(code)


def _guideline(kb: KnowledgeBase, guideline: str, version: str | None, as_of: str | None, draft: bool) -> compiler.Guideline:
    if version and as_of:
        raise fail("give either --version or --as-of, not both")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise fail(f"--as-of {as_of!r} is not a date written YYYY-MM-DD") from exc
    try:
        compiled: compiler.Guideline = kb.guideline(guideline, version=version, as_of=day, allow_draft=draft)
        return compiled
    except LookupError as exc:
        raise fail(str(exc.args[0])) from exc
    except EligoError as exc:
        _print_diagnostics(kb, exc.diagnostics)
        raise fail(f"{guideline} has errors; run `eligo check`", 1) from exc


@app.command("list")
def list_(kb_path: Annotated[Path, KB_OPTION] = Path("knowledge"),
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List guidelines with their versions, status and effective dates."""
    kb = _load([kb_path])
    rows: list[dict[str, Any]] = []
    for module_id in kb.ids():
        for module in kb.versions(module_id):
            header = module.header
            lowered = kb.lowered(header.name, header.version)
            rows.append({
                "id": header.name,
                "version": header.version,
                "status": header.status,
                "effective": header.effective.isoformat() if header.effective else None,
                "title": header.title,
                "summary": header.summary,
                "path": kb.source(header.name, header.version).path,
                "inputs": {name: {"type": info.spec, "unit": info.unit, "optional": info.optional}
                           for name, info in lowered.visible_inputs.items()},
                "decisions": [n for n, node in lowered.nodes.items() if isinstance(node, compiler.ir.Decision)],
            })
    if as_json:
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    table = Table("guideline", "version", "status", "effective", "title", box=None)
    for row in rows:
        table.add_row(row["id"], row["version"], row["status"], row["effective"] or "–", row["title"] or "")
    out.print(table)


@app.command("eval")
def eval_(
    guideline: Annotated[str, typer.Argument(help="Guideline id, e.g. colorectal.liver_metastasectomy")],
    case: Annotated[str, typer.Option("--case", "-c", help="Case file (JSON or YAML), or - for standard input.")],
    version: Annotated[str | None, typer.Option("--version", help="An exact version.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The version in force on this date.")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Allow draft versions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Explain the result in prose with its trace.")] = False,
    kb_path: Annotated[Path, KB_OPTION] = Path("knowledge"),
) -> None:
    """Evaluate one case against a guideline."""
    kb = _load([kb_path])
    compiled = _guideline(kb, guideline, version, as_of, draft)
    try:
        data = compiler.read_case(None, sys.stdin.read()) if case == "-" else compiler.read_case(case)
        result = compiled.evaluate(data, trace=as_json or explain)
    except FileNotFoundError as exc:
        raise fail(f"{case}: no such file") from exc
    except compiler.CaseError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        out.print(json.dumps(result.to_json(), indent=2, default=str), markup=False)
    elif explain:
        out.print(result.explain(), markup=False)
    else:
        for name, decision in result.decisions.items():
            value = decision.value if decision.status == "decided" else decision.status
            missing = f" (missing: {', '.join(decision.missing)})" if decision.missing else ""
            rule = f" by rule {decision.rule}" if decision.rule else ""
            out.print(f"{name}: {value}{rule}{missing}", markup=False)


@app.command()
def test(paths: PathsArg = None,
         verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every example.")] = False) -> None:
    """Run every `example` of every guideline version; end with `N passed, N failed`."""
    kb = _load(paths)
    passed = failed = 0
    broken = [f for f in kb.files if f.module is None]
    for file in broken:
        failed += 1
        err.print(f"FAILED {file.path}: the file has syntax errors, so none of its examples ran", markup=False)
        _print_diagnostics(kb, file.diagnostics)
    for module_id, version in sorted(kb.modules):
        module = kb.source(module_id, version).module
        if module is None or not module.examples:
            continue
        try:
            compiled = compile_guideline(kb, module_id, version)
        except EligoError as exc:
            failed += len(module.examples)
            err.print(f"FAILED {module_id} {version}: the guideline has errors", markup=False)
            _print_diagnostics(kb, exc.diagnostics)
            continue
        for run in compiled.run_examples():
            label = f"{module_id} {version}: {run.example.title}"
            if run.passed:
                passed += 1
                if verbose:
                    out.print(f"ok     {label}", markup=False)
                continue
            failed += 1
            err.print(f"FAILED {label} ({run.example.span})", markup=False)
            for problem in run.problems:
                err.print(f"  {problem}", markup=False)
            if run.result is not None:
                err.print("\n".join("    " + line for line in run.result.explain().splitlines()), markup=False)
    out.print(f"{passed} passed, {failed} failed", markup=False)
    raise typer.Exit(1 if failed else 0)


@app.command()
def cases(kb_path: Annotated[Path, typer.Argument(help="The knowledge base folder.")] = Path("knowledge")) -> None:
    """Evaluate every case file in KB/cases/<guideline id>/ and print its decisions."""
    kb = _load([kb_path])
    folders = sorted(p for p in (kb_path / "cases").glob("*") if p.is_dir())
    if not folders:
        raise fail(f"no case folders under {kb_path / 'cases'}")
    refused = 0
    table = Table("case", "guideline", "decision", "outcome", "missing", box=None)
    for folder in folders:
        module_id = folder.name
        try:
            approved = [m for m in kb.versions(module_id) if m.header.status == "approved"]
            compiled = kb.guideline(module_id, allow_draft=not approved)
        except (LookupError, EligoError) as exc:
            raise fail(f"{folder}: {exc}", 1) from exc
        for file in sorted(folder.glob("*.json")):
            try:
                result = compiled.evaluate(compiler.read_case(file), trace=False)
            except compiler.CaseError as exc:
                refused += 1
                err.print(str(exc), markup=False)
                continue
            for name, decision in result.decisions.items():
                outcome = decision.value if decision.status == "decided" else decision.status
                shown = ", ".join(outcome) if isinstance(outcome, tuple) else str(outcome)
                table.add_row(file.stem, f"{module_id} {compiled.version}", name, shown, ", ".join(decision.missing))
    out.print(table)
    raise typer.Exit(1 if refused else 0)


@app.command()
def diff(
    guideline: Annotated[str, typer.Argument(help="Guideline id.")],
    old: Annotated[str, typer.Argument(help="The earlier version.")],
    new: Annotated[str, typer.Argument(help="The later version.")],
    kb_path: Annotated[Path, KB_OPTION] = Path("knowledge"),
) -> None:
    """What changed between two versions, and which example and case decisions change."""
    from compiler.diff import diff_versions

    kb = _load([kb_path])
    try:
        changes = diff_versions(kb, guideline, old, new)
    except LookupError as exc:
        raise fail(str(exc.args[0])) from exc
    except compiler.CaseError as exc:
        raise fail(str(exc)) from exc
    except EligoError as exc:
        _print_diagnostics(kb, exc.diagnostics)
        raise fail(f"{guideline} has errors; run `eligo check`", 1) from exc
    out.print(changes.render_text(), markup=False)


@app.command()
def graph(
    guideline: Annotated[str, typer.Argument(help="Guideline id.")],
    format: Annotated[str, typer.Option("--format", "-f", help="mermaid, dot or json")] = "mermaid",
    depends_on: Annotated[str | None, typer.Option("--depends-on", help="List what this decision reads.")] = None,
    affected_by: Annotated[str | None, typer.Option("--affected-by", help="List the decisions this input can change.")] = None,
    order: Annotated[bool, typer.Option("--order", help="Print the evaluation order.")] = False,
    version: Annotated[str | None, typer.Option("--version")] = None,
    draft: Annotated[bool, typer.Option("--draft")] = False,
    kb_path: Annotated[Path, KB_OPTION] = Path("knowledge"),
) -> None:
    """Print a guideline's dependency graph, or answer a question about it."""
    kb = _load([kb_path])
    compiled = _guideline(kb, guideline, version, None, draft)
    g = compiled.graph
    if depends_on is not None:
        node = graphs.find(g, depends_on)
        if node is None:
            raise fail(f"{guideline} has no decision or definition `{depends_on}`")
        for name in graphs.depends_on(g, node):
            out.print(f"{g.nodes[name]['kind']:<10} {g.nodes[name]['label']}", markup=False)
        return
    if affected_by is not None:
        if affected_by not in compiled.inputs:
            raise fail(f"`{affected_by}` is not an input of {guideline}")
        for name in graphs.decisions_changed_by(g, affected_by):
            out.print(name, markup=False)
        return
    if order:
        for name in graphs.evaluation_order(g):
            out.print(name, markup=False)
        return
    writers = {"mermaid": graphs.to_mermaid, "dot": graphs.to_dot, "json": graphs.to_json}
    if format not in writers:
        raise fail(f"--format must be one of {', '.join(writers)}")
    out.print(writers[format](g), markup=False, end="")


def main() -> None:
    app()
from compiler import cli_cohort  # noqa: E402,F401,I001  (registers cohort and sql)
from compiler import cli_verify  # noqa: E402,F401  (registers verify)
