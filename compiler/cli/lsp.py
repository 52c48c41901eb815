"""`eligo lsp`: the language server for editors, over stdin and stdout."""

from __future__ import annotations

from typing import Annotated

import typer

from eligo.cli.app import app, fail


@app.command("lsp")
def lsp(
    stdio: Annotated[bool, typer.Option("--stdio", help="Speak the protocol over stdin and stdout (the only "
                                        "transport; editors' clients pass this flag).")] = True,
) -> None:
    """Start the language server (diagnostics, hover, completion, rename, formatting, lenses) for an editor."""
    try:
        from eligo.lsp.server import main
    except ImportError as exc:  # pygls comes with the optional extra `lsp`
        raise fail(f"the language server needs pygls: pip install 'eligo[lsp]' ({exc})") from exc
    main()
