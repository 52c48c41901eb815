"""`eligo js`: a guideline version as an ES module whose `evaluate(case)` gives what `eligo eval --json` gives."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from eligo.cli.app import KbOption, app, err, fail, load_kb, out, select_guideline
from eligo.dsl.diagnostics import EligoError


@app.command("js")
def js_(
    guideline: Annotated[str, typer.Argument(help="Guideline id, e.g. colorectal.liver_metastasectomy")],
    version: Annotated[str | None, typer.Option("--version", help="An exact version.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The version in force on this date.")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Allow draft versions.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the module to FILE (atomically) "
                                                "instead of printing it.", metavar="FILE")] = None,
    kb_path: KbOption = None,
) -> None:
    """Print the guideline as a self-contained ES module (no imports) exporting `evaluate(case)`, `guideline`
    (id, version, sha256), `inputs` and `CaseError`, for Node, a browser or any JavaScript application."""
    if output is not None:
        target = output.expanduser()
        if target.is_dir():
            raise fail(f"-o {output}: is a folder; give a file such as {output / 'guideline.mjs'}")
        if not target.parent.is_dir():
            raise fail(f"-o {output}: the folder {target.parent} does not exist")
    kb = load_kb(None, kb_path)
    compiled = select_guideline(kb, guideline, version, as_of, draft)
    from eligo.js import to_js  # the JavaScript back end is imported by this command alone

    try:
        source = to_js(compiled)
    except EligoError as exc:  # pragma: no cover - a compiled guideline has no errors left
        raise fail(str(exc), 1) from exc
    if output is None:
        out.file.write(source)
        return
    try:
        write_atomically(output.expanduser(), source)
    except OSError as exc:
        raise fail(f"-o {output}: cannot write ({exc.strerror or exc})") from exc
    err.print(f"wrote {output} ({compiled.id} {compiled.version}, {len(source.encode()):,} bytes)", markup=False)


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file beside `path`, renamed into place: a reader sees the old file or the new."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
