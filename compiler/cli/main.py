"""The `eligo` command: every command module registers itself on the shared app, imported here."""

from eligo.cli import authoring, cohort, deciding, init, inspecting, js, lsp, serve, verify
from eligo.cli.app import app

__all__ = ["COMMANDS", "app", "main"]

COMMANDS = (authoring, deciding, inspecting, cohort, verify, serve, lsp, init, js)


def main() -> None:
    app()
