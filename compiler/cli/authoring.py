"""`eligo check`, `eligo fmt` and `eligo list`: what authors run on their sources."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text

import eligo
from eligo.cli import reports
from eligo.cli.app import (
    JsonOption,
    KbOption,
    PathsArg,
    app,
    err,
    fail,
    load_kb,
    open_scope,
    out,
    print_diagnostics,
    summary,
)
from eligo.kb import discover


@app.command()
def check(
    paths: PathsArg = None,
    kb_path: KbOption = None,
    as_json: JsonOption = False,
    sarif: Annotated[bool, typer.Option("--sarif", help="Print a SARIF 2.1.0 log (for code-scanning tools).")]
    = False,
) -> None:
    """Check guidelines: syntax, names, types, units, tables, decisions, examples, metadata.

    A file inside a knowledge base is checked in the context of that knowledge base."""
    if as_json and sarif:
        raise fail("give either --json or --sarif, not both")
    scope = open_scope(paths, kb_path)
    kb = scope.kb
    diagnostics = [d for d in kb.check() if scope.covers(d.span.path)]
    files = sum(scope.covers(f.path) for f in kb.files)
    if sarif:
        out.print(json.dumps(reports.sarif(diagnostics, kb.root), indent=2, ensure_ascii=False), markup=False)
    elif as_json:
        out.print(json.dumps(reports.check_json(files, diagnostics), indent=2, ensure_ascii=False), markup=False)
    else:
        print_diagnostics(kb, diagnostics)
        out.print(f"checked {files} file{'s' * (files != 1)}: {summary(diagnostics)}", markup=False)
    raise typer.Exit(1 if any(d.is_error for d in diagnostics) else 0)


@app.command()
def fmt(
    paths: PathsArg = None,
    check: Annotated[bool, typer.Option("--check", help="Only report files that would change (exit code 1).")]
    = False,
    kb_path: KbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Format guidelines in the canonical layout (keeps every comment). Exit code 0 once formatted; with
    --check, 1 when a file would change; 2 when a file has syntax errors or cannot be read or written."""
    from eligo.dsl.formatter import format_paths

    targets = list(paths or [discover.knowledge_base(kb_path)])
    for target in targets:
        if not target.exists():
            raise fail(f"{target}: no such file or folder")
    code, messages = format_paths(targets, check)
    if code == 1 and not check:
        code = 0  # reformatting is what was asked for: it succeeded
    if as_json:
        changed = [m.split(" ", 2)[-1] if m.startswith("would reformat ") else m.split(" ", 1)[1]
                   for m in messages if m.startswith(("would reformat ", "reformatted "))]
        problems = [m for m in messages if not m.startswith(("would reformat ", "reformatted "))]
        out.print(json.dumps({"changed" if not check else "would_change": changed, "problems": problems}, indent=2,
                             ensure_ascii=False), markup=False)
        raise typer.Exit(code)
    for message in messages:
        (err if code else out).print(message, markup=False)
    raise typer.Exit(code)


@app.command("list")
def list_(kb_path: KbOption = None, as_json: JsonOption = False) -> None:
    """List guidelines with their versions, status and effective dates."""
    kb = load_kb(None, kb_path)
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
                "decisions": [n for n, node in lowered.nodes.items() if isinstance(node, eligo.ir.Decision)],
            })
    if as_json:
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    table = Table(Column("guideline", no_wrap=True, min_width=max((len(r["id"]) for r in rows), default=9)),
                  Column("version", no_wrap=True), "status", Column("effective", no_wrap=True), "title", box=None)
    for row in rows:
        table.add_row(*(Text(cell) for cell in (row["id"], row["version"], row["status"], row["effective"] or "–",
                                                 row["title"] or "")))  # Text: an author's `[x]` is not markup
    out.print(table)
