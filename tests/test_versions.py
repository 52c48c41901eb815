"""Versions: semver constraints, `use` resolution, and which version evaluates a case."""

from __future__ import annotations

import datetime as dt

import pytest

import eligo
from eligo.kb.semver import Constraint, Version
from tests.eligo_helpers import kb, module


@pytest.mark.parametrize(("constraint", "admitted", "refused"), [
    ("^1.0", ["1.0.0", "1.4.2"], ["0.9.9", "2.0.0"]),
    ("^0.3", ["0.3.0", "0.3.9"], ["0.4.0", "0.2.9"]),
    ("~1.2", ["1.2.0", "1.2.7"], ["1.3.0", "1.1.9"]),
    (">=1.5", ["1.5.0", "3.0.0"], ["1.4.9"]),
    ("<2.0", ["1.9.9"], ["2.0.0"]),
    ("=1.2.3", ["1.2.3"], ["1.2.4", "1.2.2"]),
    ("1.2", ["1.2.0", "1.9.0"], ["2.0.0"]),
])
def test_constraints(constraint: str, admitted: list[str], refused: list[str]) -> None:
    parsed = Constraint.parse(constraint)
    assert all(parsed.admits(Version.parse(v)) for v in admitted)
    assert not any(parsed.admits(Version.parse(v)) for v in refused)


def test_intersection_detects_conflicts() -> None:
    assert Constraint.parse("^1.0").intersect(Constraint.parse("^2.0")) is None
    both = Constraint.parse("^1.0").intersect(Constraint.parse(">=1.3"))
    assert both is not None and both.admits(Version.parse("1.3.0")) and not both.admits(Version.parse("1.2.0"))


CORE_1_0 = module("core.c", "input n: count\ndefine big: n > 5", version="1.0.0")
CORE_1_4 = module("core.c", "input n: count\ndefine big: n > 3", version="1.4.0")
CORE_2_0 = module("core.c", "input n: count\ndefine big: n > 1", version="2.0.0")
SITE = module("site.s", """
    use core.c ^1.0 as c
    decision d: yes_ > no_
      rule big: when c.big then yes_
      otherwise no_
""")


def test_use_resolves_to_highest_matching_version() -> None:
    base = kb(CORE_1_0, CORE_1_4, CORE_2_0, SITE)
    assert not [d for d in base.check() if d.is_error]
    g = base.guideline("site.s")
    assert g.evaluate({"n": 4})["d"].value == "yes_"  # 1.4.0: n > 3
    assert g.evaluate({"n": 2})["d"].value == "no_"


def _errors(base: eligo.KnowledgeBase) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in base.check() if d.is_error]


def test_missing_module_is_named() -> None:
    base = kb(SITE)
    assert ("E120", "there is no module `core.c`") in _errors(base)


def test_unsatisfiable_constraint() -> None:
    errors = _errors(kb(CORE_2_0, SITE))
    assert errors[0][0] == "E121"
    assert "no version of `core.c` satisfies ^1.0 (asked by site.s@1.0.0); it has 2.0.0 approved" in errors[0][1]


def test_conflicting_constraints_name_the_chain() -> None:
    other = module("core.o", "use core.c ^2.0 as c\ndefine x: c.big", version="1.0.0")
    site = module("site.t", """
        use core.c ^1.0 as c
        use core.o ^1.0 as o
        decision d: yes_ > no_
          rule big: when c.big and o.x then yes_
          otherwise no_
    """)
    errors = _errors(kb(CORE_1_0, CORE_2_0, other, site))
    assert ("E123", "conflicting versions of `core.c`: site.t@1.0.0 needs ^1.0, core.o@1.0.0 needs ^2.0") in errors


def test_import_cycle_names_the_chain() -> None:
    a = module("cyc.a", "use cyc.b ^1.0 as b\ninput n: count\ndefine x: n > 1", version="1.0.0")
    b = module("cyc.b", "use cyc.a ^1.0 as a\ndefine y: a.x", version="1.0.0")
    codes = _errors(kb(a, b))
    assert ("E122", "these modules use each other in a cycle: cyc.a@1.0.0 → cyc.b@1.0.0 → cyc.a@1.0.0") in codes


def test_path_must_agree_with_header(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    (root / "core" / "c").mkdir(parents=True)
    (root / "core" / "c" / "1.0.1.eligo").write_text(CORE_1_0)
    diagnostics = eligo.load(root).check()
    assert [(d.code, d.span.line) for d in diagnostics if d.code == "E124"] == [("E124", 1)]
    assert "belongs at core/c/1.0.0.eligo" in next(d.message for d in diagnostics if d.code == "E124")


LIFECYCLE = [
    module("g.x", "input n: count\ndecision d: a > b\n  rule r: when n > 1 then a\n  otherwise b",
           version="1.0.0", effective="2020-01-01"),
    module("g.x", "input n: count\ndecision d: a > b\n  rule r: when n > 2 then a\n  otherwise b",
           version="2.0.0", effective="2023-06-01"),
    module("g.x", "input n: count\ndecision d: a > b\n  rule r: when n > 3 then a\n  otherwise b",
           version="3.0.0", status="draft", effective=None),
    module("g.x", "input n: count\ndecision d: a > b\n  rule r: when n > 0 then a\n  otherwise b",
           version="0.9.0", status="retired", effective="2018-01-01"),
]


def test_latest_approved_by_default() -> None:
    assert kb(*LIFECYCLE).guideline("g.x").version == "2.0.0"


def test_an_approved_version_not_yet_in_force_is_not_the_default() -> None:
    later = module("g.x", "input n: count\ndecision d: a > b\n  rule r: when n > 4 then a\n  otherwise b",
                   version="2.1.0", effective=(dt.date.today() + dt.timedelta(days=30)).isoformat())
    base = kb(*LIFECYCLE, later)
    assert base.guideline("g.x").version == "2.0.0"
    assert base.guideline("g.x", version="2.1.0").version == "2.1.0"
    assert base.guideline("g.x", as_of=dt.date.today() + dt.timedelta(days=30)).version == "2.1.0"
    assert base.guideline("g.x", allow_draft=True).version == "3.0.0"
    only_later = kb(later)  # none in force yet: the latest approved, as before
    assert only_later.guideline("g.x").version == "2.1.0"


def test_as_of_selects_the_version_in_force() -> None:
    base = kb(*LIFECYCLE)
    assert base.guideline("g.x", as_of=dt.date(2022, 1, 1)).version == "1.0.0"
    assert base.guideline("g.x", as_of=dt.date(2023, 6, 1)).version == "2.0.0"
    with pytest.raises(LookupError, match=r"no approved version of g\.x was in force on 2019-01-01"):
        base.guideline("g.x", as_of=dt.date(2019, 1, 1))


def test_drafts_only_when_asked_and_retired_only_by_exact_version() -> None:
    base = kb(*LIFECYCLE)
    assert base.guideline("g.x", allow_draft=True).version == "3.0.0"
    assert base.guideline("g.x", version="0.9.0").version == "0.9.0"
    with pytest.raises(LookupError, match=r"has no version 4\.0\.0"):
        base.guideline("g.x", version="4.0.0")


def test_compiled_guideline_carries_hash_and_compiler_version() -> None:
    g = kb(*LIFECYCLE).guideline("g.x")
    assert len(g.sha256) == 64 and int(g.sha256, 16) >= 0
    assert g.compiler_version == eligo.__version__
    assert g.evaluate({"n": 3}).to_json()["sha256"] == g.sha256
    other = kb(*LIFECYCLE).guideline("g.x", version="1.0.0")
    assert other.sha256 != g.sha256
