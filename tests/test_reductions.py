"""The AST built as the LALR parser reduces each rule (eligo.dsl.reductions) is built from what Lark's own tree
would give it: every builder method receives, in the same order, the position `propagate_positions` gives the
tree of its rule, and the nesting limit counts the height of that tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lark import Tree

from eligo.dsl import lalr, parse_with_diagnostics
from eligo.dsl.builder import Builder
from eligo.dsl.parser import MAX_NESTING

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted({*ROOT.glob("knowledge/**/*.eligo"), *ROOT.glob("tests/fixtures/**/*.eligo")})
HEADER = "guideline demo.nesting\n  version 1.0.0\n\ninput x: count from 0 to 100\ninput flag: yes/no\n"
NESTED = ["(" * 30 + "x" + ")" * 30 + " > 1", "not " * 40 + "flag", "- " * 40 + "x > 1",
          "if flag then " * 20 + "1" + " else 2" * 20 + " > 0", " and ".join(["flag"] * 50),
          "x + " * 40 + "1 > 2", "x * " * 40 + "1 > 2", "first known of (" * 20 + "x" + ")" * 20 + " > 1"]


class Recording:
    """A builder that records each method called, with the position it is given."""

    def __init__(self, path: str) -> None:
        self.builder = Builder(path)
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.builder, name)

        def record(meta: Any, *children: Any) -> Any:
            self.calls.append((name, meta))
            return method(meta, *children)
        return record


def _trees(tree: Tree[Any]) -> list[tuple[str, Any]]:
    """Each subtree's rule and position, children before their parent, left to right (the order of reduction)."""
    out: list[tuple[str, Any]] = []
    for child in tree.children:
        if isinstance(child, Tree):
            out.extend(_trees(child))
    meta = tree.meta
    out.append((str(tree.data), None if meta.empty else (meta.line, meta.column, meta.end_line, meta.end_column)))
    return out


def _height(tree: Tree[Any]) -> int:
    return 1 + max((_height(c) for c in tree.children if isinstance(c, Tree)), default=0)


def _texts() -> list[tuple[str, str]]:
    found = [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8", errors="replace")) for path in SOURCES]
    found += [(f"nested {i}", HEADER + f"define d: {expression}\n") for i, expression in enumerate(NESTED)]
    return [(name, text if text.endswith("\n") else text + "\n") for name, text in found]


def _parses(text: str) -> bool:
    try:
        lalr.parse_tree(text)
    except Exception:  # a source with a syntax error is parsed the tree's way only (eligo.dsl.parser)
        return False
    return True


VALID = [(name, text) for name, text in _texts() if _parses(text)]


def _parsed_both_ways(text: str) -> tuple[Any, Recording, Tree[Any]]:
    tree, _ = lalr.parse_tree(text)
    recording = Recording("<test>")
    built, _ = lalr.parse_built(text, recording)
    return built, recording, tree


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(SOURCES) > 100 and len(VALID) > 60


@pytest.mark.parametrize(("name", "text"), VALID, ids=[name for name, _ in VALID])
def test_every_builder_method_gets_the_position_lark_gives_its_tree(name: str, text: str) -> None:
    _, recording, tree = _parsed_both_ways(text)
    assert recording.calls == _trees(tree)


@pytest.mark.parametrize(("name", "text"), VALID, ids=[name for name, _ in VALID])
def test_the_height_counted_while_parsing_is_the_trees(name: str, text: str) -> None:
    built, _, tree = _parsed_both_ways(text)
    assert built.height == _height(tree)


def test_the_nesting_limit_is_where_the_tree_puts_it() -> None:
    """`not not … flag`: each `not` is one level of the tree; the limit falls where the tree's depth passes it."""
    refused = []
    for depth in range(MAX_NESTING - 5, MAX_NESTING + 5):
        text = HEADER + "define d: " + "not " * depth + "flag\n"
        tree, _ = lalr.parse_tree(text)
        module, diagnostics = parse_with_diagnostics(text, "deep.eligo")
        too_deep = _height(tree) > MAX_NESTING + 1  # a node below the root deeper than MAX_NESTING
        assert (module is None) == too_deep
        assert [d.code for d in diagnostics] == (["E002"] if too_deep else [])
        refused.append(too_deep)
    assert refused[0] is False and refused[-1] is True  # the limit lies within the depths tried


def test_a_grammar_rule_without_a_builder_method_is_refused_at_the_first_parse() -> None:
    class Partial(Builder):
        define = None  # type: ignore[assignment]

    with pytest.raises(TypeError, match="no method for the grammar rule `define`"):
        lalr.parse_built(HEADER + "define d: flag\n", Partial("<test>"))
