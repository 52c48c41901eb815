"""`eligo verify`: prove or check the consistency of every guideline version in a knowledge base.

Findings print like `eligo check` diagnostics (to standard error), each with its counterexample
patient as JSON and as a `given` line, and the explanation of its result; then one summary line
per guideline version (to standard output). Exit code 1 when any error is found.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Annotated

import typer

from eligo.cli.app import KbOption, PathsArg, app, err, fail, open_scope, out, print_diagnostics
from eligo.dsl.diagnostics import Diagnostic, EligoError
from eligo.pipeline import KnowledgeBase, compile_guideline
from eligo.verify import VerifyReport, verify_guideline

_WORKER: dict[str, KnowledgeBase] = {}


def _verify_one(paths: tuple[str, ...], module_id: str, version: str, seed: int,
                max_examples: int) -> VerifyReport | list[Diagnostic]:
    """Compile and verify one version (in a worker process, the knowledge base is loaded once)."""
    kb = _WORKER.get("kb")
    if kb is None:
        from eligo.pipeline import load

        kb = _WORKER.setdefault("kb", load(*paths))
    try:
        guideline = compile_guideline(kb, module_id, version)
    except EligoError as exc:
        return exc.diagnostics
    from eligo.semantic import passes

    # the checks over a compiled module (a property `eligo check` refuses, E131/E133): verifying it anyway would
    # report the refused property as never put to the test
    path = kb.source(module_id, version).path
    refused = [d for d in passes.check_modules([kb.lowered(module_id, version)]) if d.is_error and d.span.path == path]
    if refused:
        return refused
    return verify_guideline(guideline, seed=seed, max_examples=max_examples)


@app.command()
def verify(
    paths: PathsArg = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated cases (runs are reproducible).")] = 0,
    max_examples: Annotated[int, typer.Option("--max-examples", min=1,
                                              help="Generated cases per search.")] = 200,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0,
                                      help="Guideline versions verified in parallel (0: one per core).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every property with its status.")] = False,
    kb_path: KbOption = None,
) -> None:
    """Verify guidelines: no gaps, no overlaps, no dead rules, sound unknowns, declared properties hold."""
    started = time.perf_counter()
    scope = open_scope(paths, kb_path)
    kb = scope.kb
    if any(d.is_error for d in kb.diagnostics):
        print_diagnostics(kb, [d for d in kb.diagnostics if d.is_error])
        raise fail("the knowledge base has errors; run `eligo check`", 1)
    versions = sorted(key for key, file in kb.modules.items() if scope.covers(file.path))
    roots = (str(kb.root),) if kb.root is not None else tuple(sorted({f.path for f in kb.files}))
    workers = min(jobs or os.cpu_count() or 1, max(len(versions), 1))
    if workers > 1:
        _WORKER["kb"] = kb
        with ProcessPoolExecutor(workers) as pool:
            futures = [pool.submit(_verify_one, roots, m, v, seed, max_examples) for m, v in versions]
            results = [f.result() for f in futures]
    else:
        _WORKER["kb"] = kb
        results = [_verify_one(roots, m, v, seed, max_examples) for m, v in versions]
    _WORKER.clear()
    reports = [r for r in results if isinstance(r, VerifyReport)]
    broken = [(key, r) for key, r in zip(versions, results, strict=True) if isinstance(r, list)]
    if as_json:
        out.print(json.dumps([r.to_json() for r in reports], indent=2, ensure_ascii=False), markup=False)
    sources = {f.path: f.text for f in kb.files}
    for (module_id, version), diagnostics in broken:
        print_diagnostics(kb, diagnostics)
        err.print(f"{module_id} {version}: not verified, the guideline has errors (run `eligo check`)", markup=False)
    for report in reports:
        for finding in sorted(report.findings, key=lambda f: f.diagnostic.sort_key()):
            err.print(finding.render(sources) + "\n", markup=False)
        if not as_json:
            out.print(report.summary(), markup=False)
            for question in report.open_questions:
                out.print(f"  {question.line_text()}", markup=False)
            if verbose:
                for prop in report.properties:
                    out.print(f"  {prop.status:<8} {prop.title} [{prop.basis}]", markup=False)
                for line in report.coverage.lines():
                    out.print(f"  coverage {line}", markup=False)
    failed = sum(not r.ok for r in reports) + len(broken)
    if not as_json:
        counts = {"proved": 0, "checked": 0, "failed": 0}
        for report in reports:
            for status, n in report.counts().items():
                counts[status] += n
        out.print(f"verified {len(versions)} guideline version{'s' * (len(versions) != 1)}: "
                  f"{len(versions) - failed} ok, {failed} failed; properties: {counts['proved']} proved, "
                  f"{counts['checked']} checked, {counts['failed']} failed; "
                  f"{sum(r.cases for r in reports)} cases tried in {time.perf_counter() - started:.1f}s", markup=False)
    raise typer.Exit(1 if failed else 0)
