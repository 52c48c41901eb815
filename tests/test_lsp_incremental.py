"""The server's incremental analysis gives exactly what a fresh parse and `eligo check` give, edit after edit."""

from __future__ import annotations

import doctest
import functools
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eligo
from eligo.dsl.parser import parse_with_diagnostics
from eligo.kb.store import SourceFile
from eligo.lsp import convert, incremental, positions
from eligo.lsp.incremental import ChunkParser, split
from eligo.lsp.workspace import Store, find_root

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
SOURCES = {str(p.relative_to(KNOWLEDGE)): p.read_text(encoding="utf-8") for p in sorted(KNOWLEDGE.rglob("*.eligo"))}
SNIPPETS = ("", "  ", "# a comment", "define extra: 3", "input more: count", "  rule x: when yes then candidate",
            "  cite nowhere", "guideline", "example \"e\":", "kind k: a | b", "table t by k -> count", "   version 2",
            "decision d: a > b", "define broken: (1 +", '  because "unterminated', "use core.nothing ^1.0")


def _order(d: eligo.Diagnostic) -> tuple[object, ...]:
    return (*d.sort_key(), d.message)


def _positions(module: eligo.dsl.Module) -> list[object]:
    return [module.span, module.header.span, *(i.span for i in module.items),
            *((c.text, c.span, c.own_line) for c in module.comments)]


@pytest.mark.parametrize("module", [incremental, convert, positions])
def test_the_docstring_examples_hold(module: object) -> None:
    failed, tried = doctest.testmod(module)  # type: ignore[arg-type]
    assert (failed, tried > 0) == (0, True)


def test_the_pieces_of_a_source_are_its_header_and_its_top_level_items() -> None:
    header, items = split("# note\nguideline a.b\n  version 1.0.0\ninput n: count\n# about d\ndefine d: n\n  cite k\n")
    assert (header.start, header.text) == (1, "# note\nguideline a.b\n  version 1.0.0")
    assert [(c.start, c.text) for c in items] == [(4, "input n: count\n# about d"), (6, "define d: n\n  cite k\n")]


@settings(max_examples=15)
@given(st.sampled_from(sorted(SOURCES)), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(SNIPPETS),
                                                               st.booleans()), min_size=1, max_size=4))
def test_parsing_piece_by_piece_equals_parsing_whole(name: str, edits: list[tuple[int, str, bool]]) -> None:
    parser = ChunkParser()
    text = SOURCES[name]
    for line, snippet, insert in [(0, "", False), *edits]:
        lines = text.split("\n")
        index = line % len(lines)
        lines[index:index + (0 if insert else 1)] = [snippet]
        text = "\n".join(lines)
        pieces, whole = parser.parse(text, name), parse_with_diagnostics(text, name)
        assert pieces[0] == whole[0] and pieces[1] == whole[1]
        if whole[0] is not None and pieces[0] is not None:
            assert _positions(pieces[0]) == _positions(whole[0])


def test_an_unchanged_item_is_not_parsed_again() -> None:
    parser = ChunkParser()
    text = SOURCES["core/resection/1.0.0.eligo"]
    parser.parse(text, "r.eligo")
    parser.parse(text.replace("R0 is a failure", "R0 is a real failure"), "r.eligo")
    assert parser.reparsed == 2  # the header, and the one definition whose `because` changed


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the knowledge base on disk (the edits below are made in the editor, never saved)."""
    folder = tmp_path_factory.mktemp("kb")
    shutil.copytree(KNOWLEDGE, folder, dirs_exist_ok=True)
    return folder


@settings(max_examples=8)
@given(st.lists(st.tuples(st.sampled_from(sorted(SOURCES)), st.integers(0, 10_000), st.sampled_from(SNIPPETS)),
                min_size=1, max_size=3))
def test_diagnostics_after_each_edit_are_those_of_eligo_check(root: Path, store: Store,
                                                               edits: list[tuple[str, int, str]]) -> None:
    texts = dict(SOURCES)
    for name, line, snippet in edits:
        lines = texts[name].split("\n")
        lines[line % len(lines)] = snippet
        texts[name] = "\n".join(lines)
        path = str(root / name)
        assert store.set_text(path, texts[name]) == root
        analysis = store.analyse(root)
        got = [d for found in analysis.diagnostics.values() for d in found]
        expected = eligo.KnowledgeBase([_fresh(str(root / n), t) for n, t in sorted(texts.items())], root).check()
        assert sorted(got, key=_order) == sorted(expected, key=_order)
    for name in {name for name, _, _ in edits}:
        store.set_text(str(root / name), None)  # closed unsaved: the next example starts from the disk again


@functools.cache
def _fresh(path: str, text: str) -> SourceFile:
    return SourceFile(path, text, *parse_with_diagnostics(text, path))


@pytest.fixture(scope="module")
def store(root: Path) -> Store:
    """One server store for every example, as one editor session sees many edits."""
    found = Store()
    found.analyse(root)
    return found


def test_a_file_on_disk_that_is_not_utf8_is_refused_as_eligo_check_refuses_it(tmp_path: Path) -> None:
    source = tmp_path / "kb" / "core" / "latin" / "1.0.0.eligo"
    source.parent.mkdir(parents=True)
    source.write_bytes(b'guideline core.latin\n  version 1.0.0\n  title "Caf\xe9"\n')
    root = tmp_path / "kb"
    analysis = Store().analyse(root)
    assert analysis.diagnostics[str(source)] == eligo.load(root).check()
    assert [d.code for d in analysis.diagnostics[str(source)]] == ["E061"]


def test_the_root_follows_from_a_marker_or_the_header_and_path(tmp_path: Path) -> None:
    source = tmp_path / "kb" / "core" / "lesions" / "1.0.0.eligo"
    source.parent.mkdir(parents=True)
    text = "guideline core.lesions\n  version 1.0.0\n"
    assert find_root(source, text) == tmp_path / "kb"
    assert find_root(source, text.replace("1.0.0", "2.0.0")) == source  # misplaced: the file on its own
    (tmp_path / "eligo.toml").write_text("", encoding="utf-8")
    assert find_root(source, text) == tmp_path
