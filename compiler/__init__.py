"""Eligo: versioned patient-selection guidelines as code. This module is the whole embedding API.

Load a knowledge base, check it, compile a guideline version and decide cases, or write it as SQL:

>>> import eligo
>>> kb = eligo.load("tests/fixtures/kb")
>>> [d for d in kb.check() if d.is_error]
[]
>>> surgery = kb.guideline("demo.selection")              # approved, in force today; or version=, as_of=
>>> result = surgery.evaluate({"lesion_count": 2, "organ_count": 1, "treatment_completed": "2024-01-10"})
>>> result["surgery"].status, result["surgery"].missing
('unknown', ('recurrence_detected',))
>>> eligo.to_sql(surgery, "duckdb").startswith("WITH ")
True

Everything importable from `eligo` is public: `load`, `KnowledgeBase`, `Guideline`, `Result`,
`DecisionResult`, `Step`, `ExampleRun`, `CaseError` and `CaseProblem`, `read_case`, `check_source`,
`Diagnostic` and `EligoError`, `to_sql`, `decide` (a cohort in DuckDB or Spark), `explain` (a result in
prose, as the docs site and `eligo eval --explain` word it), and the language front end `eligo.dsl`. The modules under `eligo.*`
are the stages (`kb`, `semantic`, `ir`, `python`, `sql`, `compiled`, `verify`, `docs`, `tools`, `cli`, …):
they are internal and may change between releases.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from eligo.version import __version__

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eligo.case_files import read_case
    from eligo.cases import CaseError, CaseProblem
    from eligo.compiled.guideline import ExampleRun, Guideline
    from eligo.compiled.result import DecisionResult, Result, Step
    from eligo.dsl.diagnostics import Diagnostic, EligoError
    from eligo.pipeline import KnowledgeBase, check_source, load

# Each name is imported from its stage on first use (PEP 562), so that `import eligo` costs next to nothing and a
# command pays only for the stages it runs (`eligo eval` from the compiled cache never imports the parser).
_LAZY = {
    "read_case": "eligo.case_files", "CaseError": "eligo.cases", "CaseProblem": "eligo.cases",
    "ExampleRun": "eligo.compiled.guideline", "Guideline": "eligo.compiled.guideline",
    "DecisionResult": "eligo.compiled.result", "Result": "eligo.compiled.result", "Step": "eligo.compiled.result",
    "Diagnostic": "eligo.dsl.diagnostics", "EligoError": "eligo.dsl.diagnostics",
    "KnowledgeBase": "eligo.pipeline", "check_source": "eligo.pipeline", "load": "eligo.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    try:  # a stage as an attribute, as after `import eligo.dsl`: `eligo.dsl.parse`
        return importlib.import_module(f"eligo.{name}")
    except ModuleNotFoundError as missing:
        if missing.name != f"eligo.{name}":
            raise
        raise AttributeError(f"module 'eligo' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

__all__ = [
    "CaseError",
    "CaseProblem",
    "DecisionResult",
    "Diagnostic",
    "EligoError",
    "ExampleRun",
    "Guideline",
    "KnowledgeBase",
    "Result",
    "Step",
    "__version__",
    "check_source",
    "decide",
    "explain",
    "load",
    "read_case",
    "to_sql",
]


def to_sql(guideline: Guideline, dialect: str = "duckdb", source: str = "cases", pretty: bool = True) -> str:
    """The guideline as one SQL query over the table `source`, in `dialect` (duckdb, spark, postgres or bigquery).

    Per decision D it gives D, D_status, D_rule, D_possible and D_missing, three-valued; `eligo cohort` and the
    cohort API also refine the rows it leaves unknown (eligo.sql.exact). The SQL back end is imported on first use.
    """
    from eligo.sql.query import to_sql as write

    return write(guideline, dialect, source, pretty)


def decide(guideline: Guideline, frame: Any, *, criteria: bool = False, against: Guideline | None = None,
           changed_only: bool = True, validate: bool = True, exact: bool = False, connection: Any = None) -> Any:
    """A guideline's decisions over a whole cohort in its engine: a DuckDB relation or a PySpark DataFrame in, the
    same kind out (lazy, to compose with further queries), with per decision D the columns D, D_status, D_rule,
    D_possible and D_missing (three-valued, as `eligo.to_sql`; with `exact`, the unknown rows refined as
    `Guideline.evaluate` refines them, by functions registered on the engine: a DuckDB relation needs its
    `connection` unless it is the default one); `criteria` adds a column per rule and definition, `against` an
    earlier version's answers and which patients change. With `validate` the rows are checked first and bad values
    raise `eligo.sql.plan.CohortError` naming their rows."""
    from eligo.sql.frames import decide as run

    options: dict[str, Any] = {"connection": connection} if connection is not None else {}
    return run(guideline, frame, criteria=criteria, against=against, changed_only=changed_only, validate=validate,
               exact=exact, **options)


def explain(guideline: Guideline, result: Result, *, case: Mapping[str, Any] | None = None, colour: bool = False,
            width: int = 100) -> str:
    """A result in prose, as the docs site and `eligo eval --explain` word it (only the rules that decided, values
    in the author's units); with `case`, the yes/no facts it was given are shown too. Coloured for a terminal
    with `colour`."""
    from eligo.docs.explain import explain as write

    return write(guideline, result, case=case, colour=colour, width=width)
