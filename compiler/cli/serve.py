"""`eligo serve`: the knowledge base as a CDS Hooks service (FastAPI on uvicorn), and its feedback report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eligo.cli.app import KbOption, app, err, fail, load_kb, out, print_diagnostics

TRUST = typer.Option("--trust", help="Trusted issuers: YAML/JSON `issuers: {ISS: {jwks_url: URL} | {jwks: JWKS}}`.")
BASE_URL = typer.Option("--base-url", help="This service's public URL (checked as tokens' aud); default http://HOST:PORT.")
DOCS_URL = typer.Option("--docs-url", help="The docs site, for the links on cards.")
FEEDBACK = typer.Option("--feedback", help="The append-only feedback store (JSON lines).")
DRAFTS = typer.Option("--drafts", help="Also serve the latest draft of each guideline.")
INSECURE = typer.Option("--insecure", help="Accept requests without verifying their JWT (local trials only).")
REPORT = typer.Option("--report", help="Print override rates per rule from --feedback and exit.")


@app.command("serve")
def serve(
    kb_path: KbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    trust: Annotated[Path | None, TRUST] = None,
    base_url: Annotated[str | None, BASE_URL] = None,
    docs_url: Annotated[str, DOCS_URL] = "http://127.0.0.1:8000/",
    feedback: Annotated[Path, FEEDBACK] = Path("eligo-feedback.jsonl"),
    drafts: Annotated[bool, DRAFTS] = False,
    insecure: Annotated[bool, INSECURE] = False,
    report: Annotated[bool, REPORT] = False,
) -> None:
    """Serve every approved guideline decision in force as a CDS Hooks service (discovery, hooks, feedback)."""
    from eligo.serve.feedback import FeedbackStore

    if report:
        if not feedback.is_file():
            raise fail(f"{feedback}: no such feedback store")
        for rate in FeedbackStore(feedback).rates():
            out.print(f"{rate.guideline} {rate.version} {rate.decision} {rate.rule}: {rate.accepted} accepted, "
                      f"{rate.overridden} overridden ({rate.override_rate:.0%} overridden)", markup=False)
        return
    from eligo.serve.checks import check_bindings
    from eligo.serve.security import TrustError, Verifier, load_trust

    if trust is None and not insecure:
        raise fail("give --trust FILE (the record systems allowed to call, with their keys), or --insecure for a local trial")
    kb = load_kb(None, kb_path)
    diagnostics = {d.headline(): d for d in [*kb.check(), *check_bindings(kb)] if d.is_error}  # bindings too, once
    if diagnostics:
        print_diagnostics(kb, list(diagnostics.values()))
        raise fail(f"{kb.root or 'the knowledge base'} has errors; run `eligo check`", 1)
    try:
        verifier = None if insecure or trust is None else Verifier(load_trust(trust))
    except TrustError as exc:
        raise fail(str(exc)) from exc
    if insecure:
        err.print("warning: --insecure: requests are NOT authenticated; never use this with real patients", markup=False)
    import uvicorn

    from eligo.serve.app import Settings, create_app

    try:
        application = create_app(Settings(kb, base_url or f"http://{host}:{port}", docs_url, feedback, verifier, drafts))
    except OSError as exc:
        raise fail(f"{feedback}: cannot open the feedback store ({exc})") from exc
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=False)
