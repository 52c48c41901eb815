"""`eligo diff` and `eligo graph`: what changed between versions, and what depends on what."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import typer

import eligo
from eligo.cli.app import JsonOption, KbOption, app, fail, load_kb, out, print_diagnostics, select_guideline
from eligo.dsl.diagnostics import EligoError
from eligo.tools import graph as graphs


@app.command()
def diff(
    guideline: Annotated[str, typer.Argument(help="Guideline id.")],
    old: Annotated[str, typer.Argument(help="The earlier version.")],
    new: Annotated[str, typer.Argument(help="The later version.")],
    kb_path: KbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What changed between two versions, and which example and case decisions change."""
    from eligo.tools.diff import diff_versions

    kb = load_kb(None, kb_path)
    try:
        changes = diff_versions(kb, guideline, old, new)
    except LookupError as exc:
        raise fail(str(exc.args[0])) from exc
    except eligo.CaseError as exc:
        raise fail(str(exc)) from exc
    except EligoError as exc:
        print_diagnostics(kb, exc.diagnostics)
        raise fail(f"{guideline} has errors; run `eligo check`", 1) from exc
    if as_json:
        out.print(json.dumps(dataclasses.asdict(changes), indent=2, ensure_ascii=False, default=str), markup=False)
    else:
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
    kb_path: KbOption = None,
) -> None:
    """Print a guideline's dependency graph, or answer a question about it."""
    kb = load_kb(None, kb_path)
    compiled = select_guideline(kb, guideline, version, None, draft)
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
