"""The `eligo` command: every command module registers itself on the shared app, imported here.

`main` imports only the module of the command asked for, so that a command starts as fast as what it does
(`eligo eval` imports neither the parser nor Rich); `app` and `COMMANDS` are the whole app, every module imported.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

    from eligo.cli.app import app

    COMMANDS: tuple[ModuleType, ...]

__all__ = ["BY_COMMAND", "COMMANDS", "MODULES", "app", "main"]

MODULES = ("authoring", "deciding", "inspecting", "cohort", "verify", "serve", "lsp", "init", "js")
BY_COMMAND = {"check": "authoring", "fmt": "authoring", "list": "authoring", "eval": "deciding", "test": "deciding",
              "cases": "deciding", "diff": "inspecting", "graph": "inspecting", "cohort": "cohort", "sql": "cohort",
              "verify": "verify", "serve": "serve", "lsp": "lsp", "init": "init", "js": "js"}


def __getattr__(name: str) -> Any:
    if name in ("app", "COMMANDS"):
        commands = tuple(importlib.import_module(f"eligo.cli.{module}") for module in MODULES)
        from eligo.cli.app import app

        globals().update(app=app, COMMANDS=commands)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    if sys.argv[1:2] == ["eval"]:
        from eligo.cli import quick

        if quick.run(sys.argv[2:]):  # decided from the compiled cache, without Typer
            return
    module = BY_COMMAND.get(sys.argv[1]) if len(sys.argv) > 1 else None
    if module is None:  # help, --version, completion, a mistyped command: the whole app answers
        __getattr__("app")()
        return
    importlib.import_module(f"eligo.cli.{module}")
    from eligo.cli.app import app

    app()
