"""`eligo eval`, `eligo test` and `eligo cases`: deciding one case, the examples, and the case files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

import eligo
from eligo.case_files import read_stream
from eligo.cases import normalise
from eligo.cli import quick
from eligo.cli.app import (
    JsonOption,
    KbOption,
    PathsArg,
    app,
    cached_guideline,
    err,
    fail,
    load_kb,
    open_scope,
    out,
    print_diagnostics,
)
from eligo.dsl.diagnostics import EligoError
from eligo.kb import discover


@app.command("eval")
def eval_(
    guideline: Annotated[str, typer.Argument(help="Guideline id, e.g. colorectal.liver_metastasectomy")],
    case: Annotated[str, typer.Option("--case", "-c", help="Case file (JSON or YAML), or - for standard input.")],
    version: Annotated[str | None, typer.Option("--version", help="An exact version.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The version in force on this date.")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Allow draft versions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Explain the result in prose with its trace.")] = False,
    ignore_unknown: Annotated[bool, typer.Option("--ignore-unknown", help="Leave out fields that are not inputs "
                                                 "of the guideline (a patient id, a note) instead of refusing them.")]
    = False,
    kb_path: KbOption = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Compile the guideline afresh, without reading or "
                                           "writing the compiled cache (also: ELIGO_NO_CACHE=1).")] = False,
) -> None:
    """Evaluate one case against a guideline."""
    compiled = cached_guideline(kb_path, guideline, version, as_of, draft, use_cache=not no_cache)
    try:
        data = read_stream(sys.stdin.buffer) if case == "-" else eligo.read_case(case)
        prepared = normalise(compiled.inputs, data, "<stdin>" if case == "-" else case, ignore_unknown)
        result = compiled.evaluate_prepared(prepared, trace=as_json or explain)
    except FileNotFoundError as exc:
        raise fail(f"{case}: no such file") from exc
    except eligo.CaseError as exc:
        raise fail(str(exc)) from exc
    if explain and not as_json:
        from eligo.docs.explain import renderable  # prose from the docs' sentence generator, coloured on a terminal

        out.print(renderable(compiled, result, data))
    else:  # the same lines as the quick path from the cache (eligo.cli.quick)
        quick.print_lines(quick.result_lines(result, as_json))


@app.command()
def test(paths: PathsArg = None,
         verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every example.")] = False,
         kb_path: KbOption = None, as_json: JsonOption = False) -> None:
    """Run every `example` of every guideline version; end with `N passed, N failed`.

    A file that does not parse, or a guideline version that does not compile, fails (with or without examples)."""
    from eligo.pipeline import compile_guideline

    scope = open_scope(paths, kb_path)
    kb = scope.kb
    passed = failed = 0
    runs: list[dict[str, Any]] = []
    for file in (f for f in kb.files if f.module is None and scope.covers(f.path)):
        failed += 1
        runs.append({"path": file.path, "passed": False, "problems": ["the file has syntax errors"]})
        err.print(f"FAILED {file.path}: the file has syntax errors, so none of its examples ran", markup=False)
        print_diagnostics(kb, file.diagnostics)
    loaded = {id(f) for f in kb.modules.values()}
    for file in (f for f in kb.files if f.module is not None and id(f) not in loaded and scope.covers(f.path)):
        assert file.module is not None
        header = file.module.header
        failed += max(len(file.module.examples), 1)
        runs.append({"path": file.path, "passed": False, "problems": [f"{header.name} {header.version} is declared "
                                                                      f"in {kb.source(header.name, header.version).path} too"]})
        err.print(f"FAILED {file.path}: {header.name} {header.version} is also declared in "
                  f"{kb.source(header.name, header.version).path}, so none of this file's examples ran", markup=False)
    for module_id, version in sorted(kb.modules):
        source = kb.source(module_id, version)
        module = source.module
        if module is None or not scope.covers(source.path):
            continue
        try:
            compiled = compile_guideline(kb, module_id, version)
        except EligoError as exc:
            failed += max(len(module.examples), 1)
            runs.append({"guideline": module_id, "version": version, "passed": False,
                         "problems": [d.headline() for d in exc.diagnostics if d.is_error]})
            err.print(f"FAILED {module_id} {version}: the guideline has errors, so none of its "
                      f"{len(module.examples)} example{'s' * (len(module.examples) != 1)} ran", markup=False)
            print_diagnostics(kb, exc.diagnostics)
            continue
        for run in compiled.run_examples():
            label = f"{module_id} {version}: {run.example.title}"
            runs.append({"guideline": module_id, "version": version, "example": run.example.title,
                         "passed": run.passed, "problems": [str(p) for p in run.problems]})
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
    if not any(scope.covers(f.path) for f in kb.files):
        raise fail(f"no .eligo files in {', '.join(map(str, scope.paths)) or kb.root or 'the given paths'}")
    if as_json:
        out.print(json.dumps({"passed": passed, "failed": failed, "examples": runs}, indent=2, ensure_ascii=False),
                  markup=False)
    else:
        out.print(f"{passed} passed, {failed} failed", markup=False)
    raise typer.Exit(1 if failed else 0)


@app.command()
def cases(kb_arg: Annotated[Path | None, typer.Argument(help="The knowledge base folder.", metavar="[KB]")] = None,
          kb_path: KbOption = None, as_json: JsonOption = False) -> None:
    """Evaluate every case file in KB/cases/<guideline id>/ and print its decisions."""
    from rich.table import Column, Table
    from rich.text import Text

    from eligo.tools import case_expectations

    if kb_arg is not None and kb_path is not None and kb_arg.resolve() != kb_path.resolve():
        raise fail("give the knowledge base once: either as KB or with --kb")
    root = discover.knowledge_base(kb_arg or kb_path)
    kb = load_kb(None, root)
    folders = sorted(p for p in (root / "cases").glob("*") if p.is_dir())
    refused = 0
    rows: list[dict[str, Any]] = []
    compiled_folders: list[tuple[Path, eligo.Guideline]] = []
    for folder in folders:
        module_id = folder.name
        try:
            approved = [m for m in kb.versions(module_id) if m.header.status == "approved"]
            compiled = kb.guideline(module_id, allow_draft=not approved)
        except (LookupError, EligoError) as exc:
            raise fail(f"{folder}: {exc}", 1) from exc
        compiled_folders.append((folder, compiled))
        for file in sorted(folder.glob("*.json")):
            try:
                result = compiled.evaluate_prepared(normalise(compiled.inputs, eligo.read_case(file), str(file)))
            except eligo.CaseError as exc:
                refused += 1
                err.print(str(exc), markup=False)
                continue
            for name, decision in result.decisions.items():
                outcome = decision.value if decision.status == "decided" else decision.status
                shown = ", ".join(outcome) if isinstance(outcome, tuple) else str(outcome)
                rows.append({"case": file.stem, "path": str(file), "guideline": module_id, "version": compiled.version,
                             "decision": name, "status": decision.status, "outcome": shown,
                             "rule": decision.rule, "missing": list(decision.missing)})
    expected = case_expectations.check_folders(compiled_folders)  # expected.toml beside the case files
    for failure in expected.failures:
        err.print(failure, markup=False)
    if as_json:
        checks = {"expectations": {"checked": expected.checked, "failures": expected.failures}} if expected.files else {}
        out.print(json.dumps({"refused": refused, "decisions": rows, **checks}, indent=2, ensure_ascii=False),
                  markup=False)
    elif not folders:
        out.print(f"no case folders under {root / 'cases'} (cases go in {root / 'cases'}/<guideline id>/*.json)",
                  markup=False)
    else:
        widest = max((len(r["case"]) for r in rows), default=4)
        table = Table(Column("case", no_wrap=True, min_width=widest),
                      Column("guideline", no_wrap=True, min_width=max((len(f"{r['guideline']} {r['version']}")
                                                                        for r in rows), default=9)),
                      Column("decision", no_wrap=True), "outcome", "missing", box=None)
        for row in rows:
            table.add_row(*(Text(cell) for cell in (row["case"], f"{row['guideline']} {row['version']}", row["decision"],
                                                     row["outcome"], ", ".join(row["missing"]))))  # never markup
        out.print(table)
        if expected.checked:
            out.print(f"{expected.checked - len(expected.failures)} of {expected.checked} expected answers hold",
                      markup=False)
    raise typer.Exit(1 if refused or expected.failures else 0)
