"""The dataclass method code kept per interpreter (eligo.classcode): read back instead of compiled, never stale,
ignored when torn, written only for Eligo's classes, and not at all with the cache off."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from eligo import classcode

ROOT = Path(__file__).resolve().parent.parent

# what a fresh process reports: how many method codes it read and how many it compiled, and how AST nodes behave
PROBE = """
import dataclasses, json, pickle
from eligo.dsl import ast
from eligo import classcode
table = classcode._installed
node = ast.Number(3, span=ast.Span("f", 1, 2, 1, 3))
other = ast.Number(3)
try:
    node.value = 4
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
print(json.dumps({
    "read": len(table.codes) if table else None, "compiled": len(table.added) if table else None,
    "repr": repr(node), "equal": node == other, "hash": hash(node) == hash(other), "frozen": frozen,
    "pickled": pickle.loads(pickle.dumps(node)) == node, "doc": ast.Number.__doc__,
    "fields": [f.name for f in dataclasses.fields(ast.Number)],
    "replaced": repr(dataclasses.replace(node, value=5)),
}))
"""


def probe(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def environment(store: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (classcode.ENV_DIR, classcode.ENV_OFF)}
    if store is None:
        env[classcode.ENV_OFF] = "1"
    else:
        env[classcode.ENV_DIR] = str(store)
    return env


def tables(store: Path) -> list[Path]:
    return sorted(store.glob("dataclasses-*.marshal"))


def test_a_second_process_compiles_none_and_its_classes_behave_the_same(tmp_path: Path) -> None:
    first = probe(environment(tmp_path))
    assert first["read"] == 0 and isinstance(first["compiled"], int) and first["compiled"] > 100
    assert len(tables(tmp_path)) == 1
    second = probe(environment(tmp_path))
    assert second["compiled"] == 0 and second["read"] == first["compiled"]
    off = probe(environment(None))
    assert off["read"] is None  # the cache off: `dataclasses` compiles as always
    for report in (first, second):
        assert {k: v for k, v in report.items() if k not in ("read", "compiled")} == \
            {k: v for k, v in off.items() if k not in ("read", "compiled")}
    assert second["repr"] == "Number(value=3)" and second["equal"] and second["hash"] and second["frozen"]
    assert second["doc"] == off["doc"] and second["pickled"]


def test_the_cache_off_writes_nothing(tmp_path: Path) -> None:
    env = environment(None)
    env[classcode.ENV_DIR] = str(tmp_path)
    probe(env)
    assert not list(tmp_path.iterdir())


def test_a_torn_or_foreign_table_is_ignored_and_rewritten(tmp_path: Path) -> None:
    probe(environment(tmp_path))
    [path] = tables(tmp_path)
    whole = path.read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:-1] + bytes([whole[-1] ^ 1]), b"not a table", b""):
        path.write_bytes(damaged)
        report = probe(environment(tmp_path))
        assert report["read"] == 0 and report["compiled"] == len(classcode.read(str(path)))
        assert report["repr"] == "Number(value=3)"


def test_a_code_is_found_by_its_whole_text(tmp_path: Path) -> None:
    """A changed class (another field, another default) writes other text: compiled afresh, not read."""
    table = classcode.Table(str(tmp_path / "t.marshal"))
    namespace: dict[str, object] = {"__name__": "eligo.example"}
    table.exec("def f():\n return 1\n", namespace, namespace)
    table.exec("def f():\n return 2\n", namespace, namespace)
    assert len(table.added) == 2 and table.save()
    again = classcode.Table(str(tmp_path / "t.marshal"))
    assert len(again.codes) == 2 and not again.added
    again.exec("def f():\n return 2\n", namespace, namespace)
    assert namespace["f"]() == 2 and not again.added  # type: ignore[operator]
    again.exec("def f():\n return 3\n", namespace, namespace)
    assert namespace["f"]() == 3 and len(again.added) == 1  # type: ignore[operator]


def test_other_packages_classes_are_left_to_exec(tmp_path: Path) -> None:
    table = classcode.Table(str(tmp_path / "t.marshal"))
    namespace: dict[str, object] = {"__name__": "somebody.else"}
    table.exec("def f():\n return 1\n", namespace, namespace)
    assert namespace["f"]() == 1 and not table.added and not table.save()  # type: ignore[operator]
    assert not (tmp_path / "t.marshal").exists()


def test_installed_dataclasses_of_eligo_are_real_dataclasses() -> None:
    from eligo.dsl import ast
    from eligo.ir import nodes

    for module in (ast, nodes):
        classes = [c for c in vars(module).values() if isinstance(c, type) and dataclasses.is_dataclass(c)
                   and c.__module__ == module.__name__]
        assert classes
        for cls in classes:
            assert cls.__init__.__code__.co_filename == "<string>"  # as `dataclasses` compiles it


def test_an_unwritable_table_is_no_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    table = classcode.Table(str(blocker / "cache" / "t.marshal"))  # under a file: cannot be made
    namespace: dict[str, object] = {"__name__": "eligo.example"}
    table.exec("def f():\n return 1\n", namespace, namespace)
    assert namespace["f"]() == 1 and not table.save()  # type: ignore[operator]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
