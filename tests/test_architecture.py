"""The compiler's shape, pinned: no import cycles (imports inside functions included), one handler per IR kind
in every back end, one public import name, and every module a reasonable size with a docstring saying what it
owns."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import networkx as nx

from eligo import ir
from eligo.js.codegen import HANDLERS as JS_HANDLERS
from eligo.python.codegen import HANDLERS
from eligo.sql.expr import HANDLERS as SQL_HANDLERS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compiler"
CATALOGUES = {"dsl/codes.py", "dsl/mistakes.py", "dsl/ast.py"}  # data: the codes, the mistake shapes, the AST nodes


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "dsl").rglob("*.py")]):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(ROOT / "dsl" if path.is_relative_to(ROOT / "dsl") else PACKAGE)
        parts = ["eligo", *(["dsl"] if path.is_relative_to(ROOT / "dsl") else []), *relative.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _annotation_only(tree: ast.Module) -> set[ast.AST]:
    """The statements under `if TYPE_CHECKING:`: names for annotations, never imported when the module runs."""
    blocks = [n for n in ast.walk(tree) if isinstance(n, ast.If) and isinstance(n.test, ast.Name)
              and n.test.id == "TYPE_CHECKING"]
    return {inner for block in blocks for statement in block.body for inner in ast.walk(statement)}


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Every eligo module this one imports when it runs, wherever the import statement stands (functions
    included; not the annotation-only imports under `if TYPE_CHECKING:`, which never run)."""
    out: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _annotation_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        out.update(n for n in names if n in known and n != module)
    return out


def test_no_module_imports_another_that_imports_it_back() -> None:
    modules = _modules()
    graph: nx.DiGraph[str] = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(name, path, set(modules)):
            graph.add_edge(name, target)
    # a package's __init__ re-exporting its own submodules is not a cycle of stages
    facades = [(a, b) for a, b in graph.edges if b.startswith(a + ".")]
    graph.remove_edges_from(facades)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], "\n".join(" → ".join([*c, c[0]]) for c in cycles[:10])


STAGES = ("eligo.dsl", "eligo.kb", "eligo.semantic", "eligo.ir", "eligo.python", "eligo.sql", "eligo.compiled",
          "eligo.pipeline", "eligo.cases", "eligo.verify")


def test_no_stage_imports_the_public_facade() -> None:
    """The stages sit below `eligo` (which re-exports them); interfaces above it (cli, docs, serve, lsp) may use it."""
    modules = _modules()
    offenders = [name for name, path in modules.items()
                 if name.startswith(STAGES) and "eligo" in _imports(name, path, set(modules))]
    assert offenders == []


def test_every_ir_kind_has_a_python_an_sql_and_a_javascript_handler() -> None:
    kinds = set(typing.get_args(ir.Node))
    assert kinds == set(HANDLERS), kinds ^ set(HANDLERS)
    assert kinds == set(SQL_HANDLERS), kinds ^ set(SQL_HANDLERS)
    assert kinds == set(JS_HANDLERS), kinds ^ set(JS_HANDLERS)


def test_every_ir_node_is_typed() -> None:
    for kind in typing.get_args(ir.Node):
        assert hasattr(kind, "type"), kind.__name__


def test_modules_are_small_and_say_what_they_own() -> None:
    too_long, undocumented = [], []
    for path in _modules().values():
        text = path.read_text(encoding="utf-8")
        relative = str(path.relative_to(ROOT))
        if ast.get_docstring(ast.parse(text)) is None:
            undocumented.append(relative)
        if len(text.splitlines()) > 520 and relative not in CATALOGUES:
            too_long.append(f"{relative}: {len(text.splitlines())} lines")
    assert undocumented == []
    assert too_long == []


def test_the_wheel_installs_one_import_name() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"] == {"eligo": "compiler"}
    assert {p.split(".")[0] for p in config["packages"]} == {"eligo"}
    listed = set(config["packages"])
    on_disk = {name for name, path in _modules().items() if path.name == "__init__.py"}
    assert on_disk <= listed, on_disk - listed


def test_a_wheel_installs_only_eligo_and_works_outside_the_repository(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("eligo-*.whl"))
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"eligo"}
    target = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                                str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr
    script = (
        "import eligo, eligo.dsl\n"
        f"assert eligo.__file__.startswith({str(target)!r}) and eligo.dsl.__file__.startswith({str(target)!r})\n"
        f"kb = eligo.load({str(ROOT / 'tests' / 'fixtures' / 'kb')!r})\n"
        "g = kb.guideline('demo.selection')\n"
        "r = g.evaluate({'lesion_count': 2, 'organ_count': 1, 'treatment_completed': '2024-01-10'})\n"
        "print(r['surgery'].status, ','.join(r['surgery'].missing))\n"
        "from eligo.js.module import to_js\n"  # the JavaScript runtime ships as package data
        "print('export function evaluate' in to_js(g))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["unknown", "recurrence_detected", "True"]
