"""W150 per module: an input is used only where its own module, or a module using it, reads it; one kept on
purpose is named in a `does not depend on` property."""

from __future__ import annotations

from eligo_helpers import kb, module

from eligo.semantic.passes import inputs_read

DECISION = """
decision resection: candidate > not_candidate
  rule few: when lesions <= 5 then candidate
  otherwise not_candidate
"""


def _warnings(*sources: str) -> list[tuple[str, str, int]]:
    return [(d.code, d.span.path, d.span.line) for d in kb(*sources).check() if d.code == "W150"]


def test_same_name_in_another_guideline_does_not_hide_the_warning() -> None:
    unused_here = module("a.first", "input lesions: count\ninput ecog: count from 0 to 5\n" + DECISION)
    used_there = module("b.second", "input lesions: count\ninput ecog: count from 0 to 5\n" + DECISION.replace(
        "lesions <= 5", "lesions <= 5 and ecog <= 1"))
    assert _warnings(unused_here, used_there) == [("W150", "a/first/1.0.0.eligo", 7)]


def test_an_input_read_by_a_module_using_it_is_used() -> None:
    core = module("core.facts", "input lesions: count\n")
    site = module("site.rules", "use core.facts ^1.0 as facts\n" + DECISION)
    assert _warnings(core, site) == []
    base = kb(core, site)
    read = inputs_read([base.lowered("core.facts", "1.0.0"), base.lowered("site.rules", "1.0.0")])
    assert read == {"core.facts@1.0.0": {"lesions"}, "site.rules@1.0.0": {"lesions"}}


def test_an_input_kept_on_purpose_does_not_warn() -> None:
    kept = module("a.kept", "input lesions: count\ninput ecog: count from 0 to 5\n" + DECISION
                  + 'property "ECOG is recorded for the registry, not a criterion":\n'
                  "  resection does not depend on ecog\n")
    assert _warnings(kept) == []
    message = next(d for d in kb(module("a.plain", "input lesions: count\ninput ecog: count\n" + DECISION)).check()
                   if d.code == "W150")
    assert message.message == "input `ecog` is never used"
    assert "`DECISION does not depend on ecog`" in message.hints[0]
