"""`eligo check`, `eligo fmt` and `eligo list`: what authors run on their sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

import eligo
from eligo.cli.app import KB_OPTION, PathsArg, app, err, load_kb, out, print_diagnostics, summary


@app.command()
def check(paths: PathsArg = None) -> None:
    """Check guidelines: syntax, names, types, units, tables, decisions, examples, metadata."""
    kb = load_kb(paths)
    diagnostics = kb.check()
    print_diagnostics(kb, diagnostics)
    out.print(f"checked {len(kb.files)} file{'s' * (len(kb.files) != 1)}: {summary(diagnostics)}", markup=False)
    raise typer.Exit(1 if any(d.is_error for d in diagnostics) else 0)


@app.command()
def fmt(
    paths: PathsArg = None,
    check: Annotated[bool, typer.Option("--check", help="Only report files that would change.")] = False,
) -> None:
    """Format guidelines in the canonical layout (keeps every comment)."""
    from eligo.dsl.formatter import format_paths

    code, messages = format_paths(list(paths or [Path("knowledge")]), check)
    for message in messages:
        (err if code else out).print(message, markup=False)
    raise typer.Exit(code)


@app.command("list")
def list_(kb_path: Annotated[Path, KB_OPTION] = Path("knowledge"),
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List guidelines with their versions, status and effective dates."""
    kb = load_kb([kb_path])
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
    table = Table("guideline", "version", "status", "effective", "title", box=None)
    for row in rows:
        table.add_row(row["id"], row["version"], row["status"], row["effective"] or "–", row["title"] or "")
    out.print(table)
