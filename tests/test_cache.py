"""The compiled-guideline cache (eligo.kb.cache) and `eligo eval` through it: an entry is reused only while
nothing the guideline depends on has changed, survives concurrent runs and corruption, and the quick path
prints what the Typer command prints."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import eligo
from eligo.cli.app import cached_guideline
from eligo.dsl.ast import Span
from eligo.kb import cache
from tests.cohorts import EVERYTHING, knowledge_guidelines, sample

FIXTURE = Path(__file__).parent / "fixtures" / "kb"
GUIDELINE = "demo.selection"
CASE = {"lesion_count": 2, "organ_count": 1, "treatment_completed": "2024-01-10", "recurrence_detected": "2025-07-10"}


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, target)
    (target / "eligo.toml").write_text("")
    (target / "case.json").write_text(json.dumps(CASE))
    return target


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(folder))
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    return folder


def entry(store: Path) -> Path:
    entries = list(store.glob("*.entry"))
    assert len(entries) == 1, entries
    return entries[0]


def written(store: Path) -> tuple[int, int]:
    """Which file holds the entry now (a compile writes a new file and renames it into place)."""
    stat = entry(store).stat()
    return stat.st_ino, stat.st_mtime_ns


def decide(kb: Path) -> str:
    result = cached_guideline(kb, GUIDELINE, None, None, False).evaluate(CASE)
    return f"{result['surgery'].value} {result['surgery'].rule}"


def test_an_entry_is_written_once_and_then_read(kb: Path, store: Path) -> None:
    assert decide(kb) == "candidate favourable"
    first = written(store)
    assert decide(kb) == "candidate favourable"
    assert written(store) == first
    assert cache.lookup(kb, GUIDELINE, None, None, False) is not None


def test_an_edit_of_a_used_module_recompiles(kb: Path, store: Path) -> None:
    decide(kb)
    first = written(store)
    used = kb / "core" / "lesions" / "1.0.0.eligo"
    used.write_text(used.read_text().replace("lesion_count <= 5", "lesion_count <= 1"))
    assert cache.lookup(kb, GUIDELINE, None, None, False) is None
    assert decide(kb) == "not_candidate too_many"  # the edit is seen: 2 lesions are now too many
    assert written(store) != first


def test_an_edit_of_the_guideline_itself_recompiles(kb: Path, store: Path) -> None:
    decide(kb)
    own = kb / "demo" / "selection" / "1.0.0.eligo"
    own.write_text(own.read_text().replace("dfi > 12 months", "dfi > 30 months"))
    assert decide(kb) == "discuss otherwise"


def test_an_unrelated_file_changed_or_added_reuses_the_entry(kb: Path, store: Path) -> None:
    decide(kb)
    first = written(store)
    other = kb / "other" / "thing" / "1.0.0.eligo"
    other.parent.mkdir(parents=True)
    other.write_text("guideline other.thing\n  version 1.0.0\n  status approved\n\ninput x: yes/no\n")
    assert cache.lookup(kb, GUIDELINE, None, None, False) is not None
    other.write_text(other.read_text() + "input y: yes/no\n")
    assert decide(kb) == "candidate favourable"
    assert written(store) == first


def test_a_new_version_of_a_used_module_recompiles(kb: Path, store: Path) -> None:
    """`use core.lesions ^1.0` would now choose 1.1.0: what is compiled changes though no old file did."""
    decide(kb)
    newer = kb / "core" / "lesions" / "1.1.0.eligo"
    newer.write_text((kb / "core" / "lesions" / "1.0.0.eligo").read_text()
                     .replace("version 1.0.0", "version 1.1.0").replace("lesion_count <= 5", "lesion_count <= 1"))
    assert cache.lookup(kb, GUIDELINE, None, None, False) is None
    assert decide(kb) == "not_candidate too_many"


def test_a_file_whose_header_cannot_be_read_without_parsing_counts_as_a_dependency(kb: Path, store: Path) -> None:
    decide(kb)
    odd = kb / "odd.eligo"
    odd.write_text("this is not a guideline\n")
    assert cache.lookup(kb, GUIDELINE, None, None, False) is None


def test_a_removed_dependency_is_not_served_from_the_cache(kb: Path, store: Path) -> None:
    decide(kb)
    (kb / "core" / "lesions" / "1.0.0.eligo").unlink()
    assert cache.lookup(kb, GUIDELINE, None, None, False) is None


def test_another_compiler_version_does_not_read_the_entry(kb: Path, store: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    decide(kb)
    with monkeypatch.context() as patched:
        patched.setattr(cache, "__version__", "999.0.0")
        assert cache.lookup(kb, GUIDELINE, None, None, False) is None
        assert decide(kb) == "candidate favourable"
        assert len(list(store.glob("*.entry"))) == 2  # its own entry, beside the other version's
    assert cache.lookup(kb, GUIDELINE, None, None, False) is not None  # this version's entry is untouched


def test_the_folder_as_given_is_part_of_the_key(kb: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in the guideline (its spans, `path`) are written as the knowledge base was named."""
    monkeypatch.chdir(kb.parent)
    relative = cached_guideline(Path(kb.name), GUIDELINE, None, None, False)
    absolute = cached_guideline(kb, GUIDELINE, None, None, False)
    assert len(list(store.glob("*.entry"))) == 2
    assert (relative.path, absolute.path) == (f"{kb.name}/demo/selection/1.0.0.eligo",
                                              str(kb / "demo" / "selection" / "1.0.0.eligo"))
    assert cache.lookup(Path(kb.name), GUIDELINE, None, None, False).path == relative.path  # type: ignore[union-attr]


def test_each_choice_of_version_has_its_own_entry(kb: Path, store: Path) -> None:
    cached_guideline(kb, GUIDELINE, None, None, False)
    cached_guideline(kb, GUIDELINE, "1.0.0", None, False)
    cached_guideline(kb, GUIDELINE, None, "2025-06-01", False)
    assert len(list(store.glob("*.entry"))) == 3


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(kb: Path, store: Path, damage: str) -> None:
    decide(kb)
    path = entry(store)
    raw = path.read_bytes()
    path.write_bytes({"truncate": raw[: len(raw) // 2], "flip": raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:],
                      "garbage": b"eligo-cache\n" + b"0" * 64 + b"not a pickle", "empty": b""}[damage])
    assert cache.lookup(kb, GUIDELINE, None, None, False) is None
    assert decide(kb) == "candidate favourable"
    assert cache.read(store, path.stem) is not None  # rebuilt whole


def test_the_cache_can_be_turned_off(kb: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_OFF, "1")
    assert decide(kb) == "candidate favourable"
    assert not store.exists()
    monkeypatch.delenv(cache.ENV_OFF)
    cached_guideline(kb, GUIDELINE, None, None, False, use_cache=False)
    assert not store.exists()


def test_the_cache_follows_xdg(kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    monkeypatch.delenv(cache.ENV_OFF, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.directory() == tmp_path / "xdg" / "eligo"
    decide(kb)
    assert len(list((tmp_path / "xdg" / "eligo").glob("*.entry"))) == 1


def test_an_unwritable_cache_is_no_failure(kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "cache"))  # under a file: cannot be made
    assert decide(kb) == "candidate favourable"


# ---------------------------------------------------------------- the command, as processes


def run(kb: Path, store: Path, *args: str, typer_only: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, cache.ENV_DIR: str(store)}
    env.pop(cache.ENV_OFF, None)
    command = [sys.executable, "-c", "from eligo.cli.main import app; app()"] if typer_only else \
        [sys.executable, "-m", "eligo"]
    done = subprocess.run([*command, "eval", GUIDELINE, "--kb", str(kb), *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=kb.parent)
    cache.compiler.cache_clear()  # this process's digest of the compiler as the process just run saw it
    return done


@pytest.mark.parametrize("args", [(), ("--json",), ("--version", "1.0.0"), ("--as-of", "2025-06-01"), ("--draft",),
                                  ("--ignore-unknown",), ("--json", "--explain")])
def test_the_quick_path_prints_what_the_command_prints(kb: Path, store: Path, args: tuple[str, ...]) -> None:
    case = ["--case", str(kb / "case.json")]
    cold = run(kb, store, *case, *args)
    assert cold.returncode == 0, cold.stderr
    assert cache.lookup(kb, GUIDELINE, *(("1.0.0",) if "--version" in args else (None,)),
                        "2025-06-01" if "--as-of" in args else None, "--draft" in args) is not None
    warm = run(kb, store, *case, *args)
    typed = run(kb, store, *case, *args, typer_only=True)
    assert (warm.returncode, warm.stdout, warm.stderr) == (typed.returncode, typed.stdout, typed.stderr)
    assert warm.stdout == cold.stdout


def test_a_bad_case_is_refused_by_the_command_as_always(kb: Path, store: Path) -> None:
    bad = kb / "bad.json"
    bad.write_text(json.dumps({**CASE, "lesion_cuont": 2}))
    run(kb, store, "--case", str(kb / "case.json"))  # the entry is there
    refused = run(kb, store, "--case", str(bad))
    assert refused.returncode == 2
    assert "lesion_cuont: is not an input of this guideline" in refused.stderr
    missing = run(kb, store, "--case", str(kb / "nowhere.json"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_concurrent_runs_share_one_sound_entry(kb: Path, store: Path) -> None:
    env = {**os.environ, cache.ENV_DIR: str(store)}
    env.pop(cache.ENV_OFF, None)
    command = [sys.executable, "-m", "eligo", "eval", GUIDELINE, "--kb", str(kb), "--case", str(kb / "case.json")]
    for _ in range(2):  # a cold cache, every process compiling and writing at once; then all reading at once
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                     for _ in range(6)]
        outputs = [p.communicate(timeout=120) for p in processes]
        assert [p.returncode for p in processes] == [0] * 6, outputs
        assert {out for out, _ in outputs} == {"surgery: candidate by rule favourable\n"}
        assert cache.read(store, entry(store).stem) is not None
        assert not list(store.glob(".*.tmp"))  # no temporary left behind


def test_eval_from_the_cache_imports_neither_typer_nor_rich_nor_lark(kb: Path, store: Path) -> None:
    run(kb, store, "--case", str(kb / "case.json"))  # the entry is there
    script = ("import sys\nfrom eligo.cli import quick\n"
              f"done = quick.run([{GUIDELINE!r}, '--kb', {str(kb)!r}, '--case', {str(kb / 'case.json')!r}])\n"
              "heavy = ('typer', 'rich', 'lark', 'duckdb', 'eligo.semantic.lower', 'eligo.semantic.passes', "
              "'eligo.dsl.builder')\n"
              "print(done, sorted(m for m in heavy if m in sys.modules))")
    env = {**os.environ, cache.ENV_DIR: str(store)}
    got = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert got.stdout.splitlines() == ["surgery: candidate by rule favourable", "True []"], got.stderr


# ---------------------------------------------------------------- the parser's tables

PARSE = """
import sys
from pathlib import Path
import dataclasses
from eligo.dsl.parser import read_source

def spans(node):  # every node's position (spans are left out of the nodes' repr)
    if dataclasses.is_dataclass(node):
        return [getattr(node, "span", None), *(s for f in dataclasses.fields(node) for s in spans(getattr(node, f.name)))]
    return [s for item in node for s in spans(item)] if isinstance(node, (tuple, list)) else []

root = Path(sys.argv[1])
for path in [*sorted((root / "valid").glob("*.eligo")), *sorted((root / "invalid").glob("E01*.eligo"))]:
    _, module, diagnostics = read_source(path)
    print(path.name, repr(module), spans(module), [(d.code, d.span, d.message, d.hints) for d in diagnostics])
"""


def test_the_parser_reads_its_tables_and_parses_from_the_cache_and_parses_the_same(store: Path) -> None:
    env = {**os.environ, cache.ENV_DIR: str(store)}
    fixtures = str(Path(__file__).parent / "fixtures")

    def parse() -> str:
        done = subprocess.run([sys.executable, "-c", PARSE, fixtures], capture_output=True, text=True, env=env,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    built = parse()  # the tables built, every file parsed, and both stored
    tables = list(store.glob("lark-*.tables"))
    assert len(tables) == 1 and cache.read_bytes(store, tables[0].name) is not None
    parsed = list(store.glob("parse-*.pickle"))
    assert len(parsed) == len(list((Path(fixtures) / "valid").glob("*.eligo"))) + \
        len(list((Path(fixtures) / "invalid").glob("E01*.eligo")))
    assert parse() == built  # every file read from the cache: the same trees, spans and syntax errors
    parsed[0].write_bytes(parsed[0].read_bytes()[:-5])  # one entry torn: that file parsed again
    assert parse() == built
    for path in store.glob("parse-*.pickle"):
        path.unlink()
    assert parse() == built  # parsed with the tables read from the cache
    tables[0].write_bytes(tables[0].read_bytes()[:1000])  # torn
    for path in store.glob("parse-*.pickle"):
        path.unlink()
    assert parse() == built
    assert cache.read_bytes(store, tables[0].name) is not None  # built again and stored whole
    no_cache = subprocess.run([sys.executable, "-c", PARSE, fixtures], capture_output=True, text=True,
                              env={**env, cache.ENV_OFF: "1"}, timeout=120)
    assert no_cache.stdout == built


def test_an_edited_compiler_does_not_read_entries_written_by_other_code(kb: Path, store: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The key holds a digest of the compiler's files (an editable install changes in place, its version not)."""
    package = tmp_path / "package"
    shutil.copytree(Path(cache.__file__).resolve().parent.parent / "ir", package / "ir")
    before = cache.fingerprint(package)
    assert cache.fingerprint(package) == before
    (package / "ir" / "nodes.py").write_text((package / "ir" / "nodes.py").read_text() + "\n# edited\n")
    assert cache.fingerprint(package) != before
    decide(kb)
    with monkeypatch.context() as edited:
        edited.setattr(cache, "compiler", lambda: cache.fingerprint(package))
        assert cache.lookup(kb, GUIDELINE, None, None, False) is None
    assert cache.lookup(kb, GUIDELINE, None, None, False) is not None


@pytest.mark.parametrize("guideline", [*knowledge_guidelines(), EVERYTHING], ids=lambda g: f"{g.id}@{g.version}")
def test_a_guideline_read_back_decides_as_compiled(guideline: eligo.Guideline, store: Path) -> None:
    """Every guideline of knowledge/, stored and read back, on a cohort with missing values: the same results,
    traces and explanations (the generated evaluators are stored as code; their fallbacks with their own; the
    completion evaluators that refine unknown answers too)."""
    cache._warm(guideline)  # as `cache.guideline` stores it
    assert cache.write(store, "g", cache.Entry(guideline, {}, frozenset()))
    entry = cache.read(store, "g")
    assert entry is not None
    files = sorted((Path(__file__).resolve().parent.parent / "knowledge" / "cases" / guideline.id).glob("*.json"))
    cases = [eligo.read_case(f) for f in files] + [{k: v for k, v in row.items() if v is not None}
                                                   for row in sample(guideline, 150)]
    for case in cases:
        try:
            guideline.prepare(case)
        except eligo.CaseError:
            continue  # a case file of another version
        assert entry.guideline.evaluate(case).to_json() == guideline.evaluate(case).to_json(), case
        for trace, exact in ((False, True), (False, False)):
            assert entry.guideline.evaluate(case, trace=trace, exact=exact).to_json() == \
                guideline.evaluate(case, trace=trace, exact=exact).to_json(), (case, trace, exact)


def broken_evaluator(prepared: object) -> object:
    raise ZeroDivisionError("as if read back wrong")


def test_an_entry_keeps_the_fast_evaluator_so_a_command_reading_it_writes_no_code(kb: Path, store: Path) -> None:
    run(kb, store, "--case", str(kb / "case.json"))
    stored = cache.read(store, entry(store).stem)
    assert stored is not None
    assert "_fast" in vars(stored.guideline.code)  # written before storing, kept across processes
    assert "_traced" not in vars(stored.guideline.code)  # other cached properties are recomputed on first use
    assert stored.guideline.evaluate(CASE)["surgery"].value == "candidate"


def test_an_entry_keeps_what_an_unknown_answer_needs_so_deciding_one_writes_no_code(kb: Path, store: Path) -> None:
    """The completion evaluators and the inputs each rule reads are computed before the entry is written: a
    command refining an unknown answer from the cache neither writes code nor analyses the program."""
    missing = {k: v for k, v in CASE.items() if k != "recurrence_detected"}
    (kb / "unknown.json").write_text(json.dumps(missing))
    run(kb, store, "--case", str(kb / "case.json"))
    stored = cache.read(store, entry(store).stem)
    assert stored is not None
    kept = vars(stored.guideline)
    assert set(kept["_completions"]) == {d.key for d in stored.guideline._own} and "rule_inputs" in kept
    assert "facts" not in kept and "_plan" not in kept  # the rest is recomputed on first use
    script = ("import sys\nfrom eligo.cli import quick\n"
              f"done = quick.run([{GUIDELINE!r}, '--kb', {str(kb)!r}, '--case', {str(kb / 'unknown.json')!r}])\n"
              "heavy = ('eligo.python.codegen', 'eligo.python.completion', 'lark')\n"
              "print(done, sorted(m for m in heavy if m in sys.modules))")
    env = {**os.environ, cache.ENV_DIR: str(store)}
    got = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert got.stdout.splitlines() == ["surgery: unknown (missing: recurrence_detected)", "True []"], got.stderr
    compiled = eligo.load(str(kb)).guideline(GUIDELINE)
    assert stored.guideline.evaluate(missing).to_json() == compiled.evaluate(missing).to_json()


def test_an_entry_that_does_not_run_is_forgotten_and_the_case_decided_afresh(kb: Path, store: Path) -> None:
    run(kb, store, "--case", str(kb / "case.json"))
    path = entry(store)
    stored = cache.read(store, path.stem)
    assert stored is not None
    object.__setattr__(stored.guideline.code, "_fast", (broken_evaluator, ""))  # the evaluator kept in the entry
    assert cache.write(store, path.stem, stored)
    decided = run(kb, store, "--case", str(kb / "case.json"))
    assert (decided.returncode, decided.stdout, decided.stderr) == (0, "surgery: candidate by rule favourable\n", "")
    healed = cache.read(store, path.stem)  # compiled afresh and stored again
    assert healed is not None and healed.guideline.code.fast is not broken_evaluator


def test_nodes_are_stored_as_their_fields_and_read_back_whole() -> None:
    """Eligo's slotted dataclasses (AST and IR nodes) are pickled by their slots, spans included."""
    import pickle

    guideline = eligo.load(str(FIXTURE)).guideline(GUIDELINE)
    for value in (guideline.module, guideline.program):
        stored = cache.dumps(value)
        assert b"_slotted" in stored
        back = pickle.loads(stored)
        assert back == value and repr(back) == repr(value) and node_spans(back) == node_spans(value)
        assert any(isinstance(s, Span) and s.line > 0 for s in node_spans(back))


def node_spans(node: object) -> list[object]:
    """Every span in a tree of nodes, in order (spans are left out of the nodes' equality and repr)."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        fields = dataclasses.fields(node)
        return [getattr(node, "span", None), *(s for f in fields for s in node_spans(getattr(node, f.name)))]
    if isinstance(node, dict):
        return [s for item in node.values() for s in node_spans(item)]
    return [s for item in node for s in node_spans(item)] if isinstance(node, (tuple, list)) else []
