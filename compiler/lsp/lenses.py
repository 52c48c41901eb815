"""Code lenses: on each `example`, whether it passes (or what was expected and what came out); on a
guideline's header and on a case file open beside it, how the guideline decides that case."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from eligo import CaseError, EligoError, Guideline, Result, read_case
from eligo.lsp.convert import to_range
from eligo.lsp.workspace import Analysis, Store

CASES = "cases"
CASE_SUFFIXES = (".json", ".yaml", ".yml")


def _lens(line: int, title: str) -> lsp.CodeLens:
    # an empty command id makes the lens a label: there is nothing to run, only something to read
    return lsp.CodeLens(lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0)), lsp.Command(title=title, command=""))


def compiled(analysis: Analysis, module_id: str, version: str) -> Guideline | str:
    """The compiled guideline, or the reason it cannot be compiled (memoised per analysis)."""
    key = ("guideline", module_id, version)
    if key not in analysis.cache:
        try:
            analysis.cache[key] = analysis.kb.guideline(module_id, version=version, allow_draft=True)
        except EligoError as exc:
            errors = sum(d.is_error for d in exc.diagnostics)
            analysis.cache[key] = f"{errors} error{'s' * (errors != 1)} to fix first"
        except LookupError as exc:
            analysis.cache[key] = str(exc.args[0])
    found = analysis.cache[key]
    return found if isinstance(found, (Guideline, str)) else "not compiled"


def decided(result: Result) -> str:
    """`surgery = candidate (rule favourable); staging unknown, missing ct_date`."""
    parts = []
    for name, got in result.decisions.items():
        value = ", ".join(got.value) if isinstance(got.value, tuple) else got.value
        if got.status == "decided":
            parts.append(f"{name} = {value}" + (f" (rule {got.rule})" if got.rule else ""))
        else:
            parts.append(f"{name} {got.status}" + (f", missing {', '.join(got.missing)}" if got.missing else ""))
    return "; ".join(parts)


def example_lenses(store: Store, path: str) -> list[lsp.CodeLens]:
    analysis = store.analysis_of(path)
    current = next((f for f in analysis.kb.files if f.path == path), None)
    if current is None or current.module is None:
        return []
    module = current.module
    out: list[lsp.CodeLens] = []
    cases = sorted(p for p in store.open if p.endswith(CASE_SUFFIXES) and Path(p).parent.name == module.header.name)
    if not module.examples and not cases:
        return out  # nothing to run: the guideline is not compiled
    guideline = compiled(analysis, module.header.name, module.header.version)
    if module.examples:
        if isinstance(guideline, str):
            out.append(_lens(module.examples[0].span.line - 1, f"examples not run: {guideline}"))
        else:
            for example in module.examples:
                run = guideline.run_example(example)
                title = "✓ passes" if run.passed else "✗ " + "; ".join(p.split(": ", 1)[-1] for p in run.problems)
                out.append(_lens(example.span.line - 1, title))
    header_line = to_range(module.header.span).start.line
    for case_path in cases:
        out.append(_lens(header_line, f"{Path(case_path).name}: {decide(guideline, case_path, store.open[case_path])}"))
    return out


def decide(guideline: Guideline | str, path: str, text: str) -> str:
    """How `guideline` decides the case in `text`, or why it cannot."""
    if isinstance(guideline, str):
        return f"not decided: {guideline}"
    try:
        return decided(guideline.evaluate(read_case(path, text)))
    except CaseError as exc:
        return "case refused: " + "; ".join(str(p) for p in exc.problems[:3])


def case_lenses(store: Store, path: str, text: str) -> list[lsp.CodeLens]:
    """A case file in `<root>/cases/<guideline id>/`: the guideline's decision for it, on its first line."""
    case = Path(path)
    module_id = case.parent.name
    if case.parent.parent.name != CASES:
        return []
    root = case.parent.parent.parent
    analysis = store.analyses.get(root) or store.analyse(root)
    try:
        module = analysis.kb.select(module_id, allow_draft=True)
    except LookupError as exc:
        return [_lens(0, str(exc.args[0]))]
    header = module.header
    guideline = compiled(analysis, header.name, header.version)
    return [_lens(0, f"{header.name} {header.version}: {decide(guideline, path, text)}")]
