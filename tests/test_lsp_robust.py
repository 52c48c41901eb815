"""Every request of the language server answers, without raising, on any mangling of a guideline: cut short,
lines dropped or repeated, random bytes or characters inserted, at any cursor position."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp

from eligo.lsp import actions, completion, hover, lenses, navigation, outline
from eligo.lsp.workspace import Store

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
NAMES = sorted(str(p.relative_to(KNOWLEDGE)) for p in KNOWLEDGE.rglob("*.eligo"))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kb")
    shutil.copytree(KNOWLEDGE, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def store(root: Path) -> Store:
    found = Store()
    found.analyse(root)
    return found


def mangle(text: str, data: st.DataObject) -> str:
    lines = text.split("\n")
    how = data.draw(st.sampled_from(["cut", "drop", "repeat", "insert"]))
    index = data.draw(st.integers(0, len(lines) - 1))
    if how == "cut":
        return text[: data.draw(st.integers(0, len(text)))]
    if how == "drop":
        return "\n".join(lines[:index] + lines[index + 1:])
    if how == "repeat":
        return "\n".join(lines[:index + 1] + lines[index:])
    noise = data.draw(st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
        ["\x00\x01", "(((((", '"', "\\", "\t", "\r\n", "  rule", ":", "->", "alias.", "cite ", "= ", "12 "]))
    column = data.draw(st.integers(0, len(lines[index])))
    lines[index] = lines[index][:column] + noise + lines[index][column:]
    return "\n".join(lines)


@settings(max_examples=20)
@given(st.sampled_from(NAMES), st.data())
def test_every_request_answers_on_a_mangled_guideline(root: Path, store: Store, name: str, data: st.DataObject) -> None:
    path = str(root / name)
    text = mangle((KNOWLEDGE / name).read_text(encoding="utf-8"), data)
    store.set_text(path, text)
    analysis = store.analyse(store.root_of(path))
    lines = text.split("\n")
    line = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    position = lsp.Position(line, data.draw(st.integers(0, len(lines[line]) if lines else 0)))
    assert isinstance(completion.complete(analysis, path, text, position), list)
    found = hover.hover(analysis, path, position)
    assert found is None or (isinstance(found.contents, lsp.MarkupContent) and found.contents.value)
    assert isinstance(navigation.definition(analysis, path, position), list)
    assert isinstance(navigation.references(analysis, path, position, True), list)
    try:
        navigation.rename(analysis, path, position, "renamed_here")
    except navigation.RenameRefused as refused:
        assert str(refused)
    assert len(outline.semantic_tokens(analysis, path, text).data) % 5 == 0
    assert isinstance(outline.document_symbols(analysis, path), list)
    assert all(f.start_line <= f.end_line for f in outline.folding_ranges(text))
    assert isinstance(actions.format_edits(text, path), list)
    context = lsp.CodeActionContext([lsp.Diagnostic(lsp.Range(position, position), "did you mean `x`?",
                                                    code=code, source="eligo") for code in ("W154", "E109", "E100")])
    assert isinstance(actions.code_actions(analysis, path, text, lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(path), lsp.Range(position, position), context)), list)
    assert isinstance(lenses.example_lenses(store, path), list)
    store.set_text(path, None)
