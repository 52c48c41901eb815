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
    """What changed between two versions, and which example and case decisions change.

    Every example of both versions and every case file in KB/cases/GUIDELINE/ is evaluated under both. An answer
    is not comparable when, in one version, it waits for an input only that version reads (a case giving the lesion
    counts 1.0.0 reads, and lacking the lesion list 2.0.0 reads instead): such cases are listed apart with the reason
    and counted, never reported as changes. An answer unknown for lack of an input both versions read is compared
    as usual, and so is one a version decides without an input only the other reads (a dropped criterion). Inputs
    gained or lost through a changed `use` are listed with the module version they come from. With --json, the
    same as fields: `changes`, `case_changes`, `cases_compared`, `value_changes`, `open_questions`,
    `not_comparable` (case, decisions, definitions, reason, gives, lacks), `cases_not_comparable`,
    `decisions_compared`.
    """
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
