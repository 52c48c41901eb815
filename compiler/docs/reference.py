"""Reference pages generated from the code itself: the CLI (from the typer app) and the diagnostics catalogue."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import click
import typer

from compiler.docs.render import cell, environment


def _commands(group: click.Command, ctx: click.Context) -> Iterator[tuple[click.Command, click.Context]]:
    """Every command under `group` with its context, depth first, in the order the app declares them."""
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            if command.hidden:
                continue
            sub = click.Context(command, info_name=name, parent=ctx)
            yield command, sub
            yield from _commands(command, sub)


def _argument_row(param: click.Parameter, ctx: click.Context) -> dict[str, str]:
    metavar = param.human_readable_name.upper()
    if param.nargs == -1:
        metavar += "..."
    return {
        "name": metavar,
        "help": cell(getattr(param, "help", None) or ""),
        "required": "yes" if param.required else "no",
    }


def _option_row(param: click.Option, ctx: click.Context) -> dict[str, str]:
    record = param.get_help_record(ctx)
    names, text = record if record else (" / ".join(param.opts), "")
    return {"name": cell(names), "help": cell(text), "required": "yes" if param.required else "no"}


def cli_commands(app: typer.Typer, prog: str = "eligo") -> list[dict[str, Any]]:
    """Name, usage, help text, arguments and options of every command of `app`, as click renders them."""
    root = typer.main.get_command(app)
    root_ctx = click.Context(root, info_name=prog)
    out = []
    for command, ctx in _commands(root, root_ctx):
        formatter = ctx.make_formatter()
        command.format_usage(ctx, formatter)
        out.append({
            "path": ctx.command_path,
            "anchor": ctx.command_path.replace(" ", "-"),
            "usage": formatter.getvalue().strip().removeprefix("Usage: "),
            "help": (command.help or "").strip(),
            "arguments": [_argument_row(p, ctx) for p in command.params if isinstance(p, click.Argument)],
            "options": [_option_row(p, ctx) for p in command.get_params(ctx) if isinstance(p, click.Option)],
        })
    return out


def cli_page(app: typer.Typer) -> str:
    root = typer.main.get_command(app)
    return environment().get_template("cli.md.j2").render(
        summary=(root.help or "").strip(), commands=cli_commands(app))


def catalogue_entries(catalogue: Mapping[str, Any] | Any) -> list[Any]:
    """The catalogue's entries sorted by code, whether it is a mapping by code or a sequence."""
    entries = list(catalogue.values()) if isinstance(catalogue, Mapping) else list(catalogue)
    return sorted(entries, key=lambda e: e.code)


def diagnostics_page(catalogue: Mapping[str, Any] | Any) -> str:
    entries = catalogue_entries(catalogue)
    groups = [
        ("Syntax (E0xx)", "Found by the parser: the text is not well-formed Eligo.", "E0"),
        ("Checks (E1xx, W1xx)", "Found by the checker: the guideline is well-formed but wrong or suspect.", "1"),
        ("Verification (V2xx)", "Found by `eligo verify`: a stated property does not hold.", "V2"),
    ]
    grouped = []
    for title, intro, prefix in groups:
        items = [e for e in entries if (e.code[1:].startswith(prefix) if prefix == "1" else e.code.startswith(prefix))]
        if items:
            grouped.append((title, intro, items))
    covered = {id(e) for _, _, items in grouped for e in items}
    rest = [e for e in entries if id(e) not in covered]
    if rest:
        grouped.append(("Other", "Other diagnostics.", rest))
    return environment().get_template("diagnostics.md.j2").render(groups=grouped, total=len(entries))
