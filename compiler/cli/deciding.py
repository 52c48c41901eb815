"""`eligo eval`, `eligo test` and `eligo cases`: deciding one case, the examples, and the case files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import eligo
from eligo.cli.app import KB_OPTION, PathsArg, app, err, fail, load_kb, out, print_diagnostics, select_guideline
from eligo.compiled.guideline import compile_guideline
from eligo.dsl.diagnostics import EligoError


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
    kb = load_kb([kb_path])
    compiled = select_guideline(kb, guideline, version, as_of, draft)
    try:
        data = eligo.read_case(None, sys.stdin.read()) if case == "-" else eligo.read_case(case)
        result = compiled.evaluate(data, trace=as_json or explain)
    except FileNotFoundError as exc:
        raise fail(f"{case}: no such file") from exc
    except eligo.CaseError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        out.print(json.dumps(result.to_json(), indent=2, default=str), markup=False)
    elif explain:
        from eligo.docs.explain import renderable  # prose from the docs' sentence generator, coloured on a terminal

        out.print(renderable(compiled, result, data))
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
    kb = load_kb(paths)
    passed = failed = 0
    broken = [f for f in kb.files if f.module is None]
    for file in broken:
        failed += 1
        err.print(f"FAILED {file.path}: the file has syntax errors, so none of its examples ran", markup=False)
        print_diagnostics(kb, file.diagnostics)
    for module_id, version in sorted(kb.modules):
        module = kb.source(module_id, version).module
        if module is None or not module.examples:
            continue
        try:
            compiled = compile_guideline(kb, module_id, version)
        except EligoError as exc:
            failed += len(module.examples)
            err.print(f"FAILED {module_id} {version}: the guideline has errors", markup=False)
            print_diagnostics(kb, exc.diagnostics)
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
    kb = load_kb([kb_path])
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
                result = compiled.evaluate(eligo.read_case(file), trace=False)
            except eligo.CaseError as exc:
                refused += 1
                err.print(str(exc), markup=False)
                continue
            for name, decision in result.decisions.items():
                outcome = decision.value if decision.status == "decided" else decision.status
                shown = ", ".join(outcome) if isinstance(outcome, tuple) else str(outcome)
                table.add_row(file.stem, f"{module_id} {compiled.version}", name, shown, ", ".join(decision.missing))
    out.print(table)
    raise typer.Exit(1 if refused else 0)
