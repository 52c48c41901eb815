"""Reference pages generated from the code itself: the CLI (from the typer app) and the diagnostics catalogue."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import typer

from eligo.docs.render import cell, environment
from eligo.dsl import Diagnostic, parse_with_diagnostics, render
from eligo.dsl.codes import Code
from eligo.kb.store import SourceFile
from eligo.pipeline import KnowledgeBase

# typer >= 0.20 ships its own click (`typer._click`), so commands are handled through the methods every
# click-like command has (`list_commands`, `get_command`, `get_usage`, `get_params`, `get_help_record`).


def _commands(group: Any, ctx: Any) -> Iterator[tuple[Any, Any]]:
    """Every command under `group` with its context, depth first, in the order the app declares them."""
    if not hasattr(group, "list_commands"):
        return
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub = command.context_class(command, info_name=name, parent=ctx)
        yield command, sub
        yield from _commands(command, sub)


_PYTHON_TYPE = re.compile(r" <([^>]+)>")


def _metavar(python_type: str) -> str:
    """What a reader types for a value: `<list[Path]>` -> PATH, `<int range>` -> N, `<str>` -> TEXT."""
    kind = python_type.lower()
    return "PATH" if "path" in kind else "N" if "int" in kind else "NUMBER" if "float" in kind else "TEXT"


def _param_row(param: Any, ctx: Any) -> dict[str, str]:
    record = param.get_help_record(ctx)
    names, text = record if record else (" / ".join(param.opts), "")
    text = text.replace("  [required]", "")
    argument = param.param_type_name == "argument"
    names = _PYTHON_TYPE.sub(lambda m: "" if argument else f" {_metavar(m.group(1))}", names)
    return {"name": names.replace("|", "\\|"), "help": cell(text), "required": "yes" if param.required else "no"}


def cli_commands(app: typer.Typer, prog: str = "eligo") -> list[dict[str, Any]]:
    """Name, usage, help text, arguments and options of every command of `app`, as click renders them."""
    root = typer.main.get_command(app)
    root_ctx = root.context_class(root, info_name=prog)
    out = []
    for command, ctx in _commands(root, root_ctx):
        params = command.get_params(ctx)
        out.append({
            "path": ctx.command_path,
            "anchor": ctx.command_path.replace(" ", "-"),
            "usage": command.get_usage(ctx).strip().removeprefix("Usage: "),
            "help": (command.help or "").strip(),
            "arguments": [_param_row(p, ctx) for p in params if p.param_type_name == "argument"],
            "options": [_param_row(p, ctx) for p in params if p.param_type_name == "option"],
        })
    return out


def cli_page(app: typer.Typer) -> str:
    root = typer.main.get_command(app)
    return environment().get_template("cli.md.j2").render(
        summary=(root.help or "").strip(), commands=cli_commands(app))


LONG_LINE = 160


def shortened(source: str) -> str:
    """`source` with any line over LONG_LINE characters cut, saying how much was left out."""
    lines = []
    for line in source.strip("\n").split("\n"):
        if len(line) > LONG_LINE:
            line = f"{line[:60]}…  # {len(line) - 60:,} more characters"
        lines.append(line)
    return "\n".join(lines)


def eligo_says(entry: Code) -> str:
    """What Eligo prints for the entry's wrong example (as the file knowledge/<path>), or "" if the
    example needs a stage the docs do not run (SQL generation)."""
    path = f"knowledge/{entry.path}"
    if entry.path.endswith(".fhir.yaml"):  # a bindings file (E2xx): read from disk beside its guideline, as eligo does
        diagnostics = _bindings_diagnostics(entry, path)
    elif entry.stage == "parse":
        _, diagnostics = parse_with_diagnostics(entry.wrong, path)
    elif entry.stage == "check":
        files = []
        for relative, text in (*entry.others, (entry.path, entry.wrong)):
            module, found = parse_with_diagnostics(text, f"knowledge/{relative}")
            files.append(SourceFile(f"knowledge/{relative}", text, module, found))
        diagnostics = KnowledgeBase(files, Path("knowledge")).check()
    else:
        return ""
    own = [d for d in diagnostics if d.code == entry.code]
    return shortened(render(own[0], {path: entry.wrong})) if own else ""


def _bindings_diagnostics(entry: Code, path: str) -> list[Diagnostic]:
    """The diagnostics of a catalogue entry's wrong bindings file, checked in a temporary knowledge base and placed
    at `path`."""
    import dataclasses
    import tempfile

    from eligo.pipeline import load

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for relative, text in (*entry.others, (entry.path, entry.wrong)):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        found = load(root).check()
    placed = str(root / entry.path)
    return [dataclasses.replace(d, span=dataclasses.replace(d.span, path=path)) if d.span.path == placed else d
            for d in found]


def diagnostics_page(catalogue: Mapping[str, Code]) -> str:
    """One entry per code, grouped by stage, each with its wrong and right example."""
    entries = sorted(catalogue.values(), key=lambda e: e.code)
    groups = [
        ("Syntax (E0xx)", "Found by the parser: the text is not well-formed Eligo.",
         [e for e in entries if e.code.startswith("E0")]),
        ("Checks (E1xx, W1xx)", "Found by the checker: the guideline is well-formed but wrong or suspect.",
         [e for e in entries if e.code[1:2] == "1"]),
        ("FHIR bindings (E2xx)", "Found by the checker in a guideline version's companion `<version>.fhir.yaml` "
         "(the bindings `eligo serve` reads), shown with the guideline it binds.",
         [e for e in entries if e.code.startswith("E2")]),
        ("Verification (V2xx)", "Found by `eligo verify`: a stated property does not hold.",
         [e for e in entries if e.code.startswith("V2")]),
    ]
    grouped = [g for g in groups if g[2]]
    listed = {e.code for _, _, items in grouped for e in items}
    rest = [e for e in entries if e.code not in listed]
    if rest:
        grouped.append(("Other", "Diagnostics from other stages.", rest))
    return environment().get_template("diagnostics.md.j2").render(
        groups=grouped, total=len(entries), shortened=shortened, eligo_says=eligo_says)
