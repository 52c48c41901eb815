"""`eligo lsp` on records and lists, through a real client over stdio: hover and go to definition on `record
lesion:`, its fields where they are declared, where list operations read them (`organ of lesions`, `lesions have
treatable`, `count(lesions where organ = liver)`) and where examples give them, across a `use`; references; completion
of fields, of a field's values and of the list operations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from test_lsp import KNOWLEDGE, Editor, apply, client
from test_lsp_navigation import hover_text, labels

import eligo
from eligo.lsp.outline import TOKEN_TYPES

__all__ = ["client"]  # the module-scoped server of test_lsp, over this module's knowledge base

pytestmark = pytest.mark.asyncio(loop_scope="module")

LESIONS = "test/lesions/1.0.0.eligo"
READER = "test/reader/1.0.0.eligo"
LESIONS_SOURCE = """\
guideline test.lesions
  version 1.0.0
  status approved
  effective 2025-01-01

kind organ: liver | lung | bone "Bone"

record lesion:
  organ: organ "The organ the lesion is in"
  size: quantity in mm from 0 to 300 "Largest diameter"
  treatable: yes/no, optional "Amenable to local treatment"

input lesions: list of lesion "Every lesion on staging imaging"

define organs: distinct(organ of lesions)
define all_treatable: all(lesions have treatable)
define liver_lesions: count(lesions where organ = liver)
define largest_liver: largest(size of lesions where organ = liver and treatable)

decision plan: operate | other
  rule few: when liver_lesions <= 3 and organs <= 2 and all_treatable and largest_liver < 5 cm then operate
  otherwise other

example "Two liver lesions":
  given lesions [{organ liver, size 2 cm, treatable yes}, {organ liver, size 8 mm, treatable yes}]
  expect plan = operate by rule few

property "Another lesion never lowers the count of liver lesions":
  liver_lesions never decreases as a lesion is added to lesions
"""
READER_SOURCE = """\
guideline test.reader
  version 1.0.0
  status approved
  effective 2025-01-01

use test.lesions ^1.0 as lesion_list

define lung_lesions: count(lesions where organ = lung)

decision lung_burden: many | few
  rule many: when lung_lesions > 2 then many
  otherwise few

example "No lung lesion":
  given lesions []
  expect lung_burden = few by rule otherwise
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shipped knowledge base with a module of lesions and one that uses it."""
    root = tmp_path_factory.mktemp("lsp-lists") / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    for path, text in ((LESIONS, LESIONS_SOURCE), (READER, READER_SOURCE)):
        (root / path).parent.mkdir(parents=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


async def definition(client: LanguageClient, editor: Editor, position: lsp.Position) -> list[tuple[str, int, int]]:
    """Where go-to-definition leads: (file name relative to the knowledge base, 1-based line, 1-based column)."""
    found = await client.text_document_definition_async(lsp.DefinitionParams(editor.document, position))
    locations = found if isinstance(found, list) else [found] if found is not None else []
    out = []
    for location in locations:
        assert isinstance(location, lsp.Location)
        out.append((location.uri.rsplit("/knowledge/", 1)[1], location.range.start.line + 1,
                    location.range.start.character + 1))
    return out


def where(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """The 1-based line and column of `needle` (plus `offset`) in `text`."""
    index = text.index(needle) + offset
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


async def test_hover_on_a_record_and_its_fields_where_declared_and_where_read(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LESIONS)
    assert await editor.diagnostics() == []
    record = await hover_text(client, editor, editor.position("record lesion", len("record ")))
    assert record.splitlines()[:5] == [
        "**record** `lesion`: what each element of a `list of lesion` holds", "",
        "- `organ`: organ", "- `size`: quantity in mm, from 0 to 300", "- `treatable`: yes/no, optional"]
    assert record.endswith("*from test.lesions 1.0.0*")
    assert await hover_text(client, editor, editor.position("list of lesion", len("list of "))) == record
    size = await hover_text(client, editor, editor.position("  size: quantity", 2))
    assert size.splitlines() == ["**field** of record `lesion`: `size`: quantity in mm, from 0 to 300", "",
                                 "Largest diameter", "", "*from test.lesions 1.0.0*"]
    organ = "**field** of record `lesion`: `organ`: organ"
    for needle, offset in (("distinct(organ of", len("distinct(")), ("where organ = liver", len("where ")),
                           ("largest(size of", len("largest(")), ("and treatable", len("and "))):
        text = await hover_text(client, editor, editor.position(needle, offset))
        assert text.startswith(organ if "organ" in needle else "**field** of record `lesion`"), (needle, text)
    have = await hover_text(client, editor, editor.position("have treatable", len("have ")))
    assert have.startswith("**field** of record `lesion`: `treatable`: yes/no, optional")
    assert "Amenable to local treatment" in have
    listed = await hover_text(client, editor, editor.position("count(lesions", len("count(")))
    assert listed.startswith("**input** `lesions`: list of lesion")  # the list itself, not a field
    assert "Each element:\n- `organ`: organ\n- `size`: quantity in mm, from 0 to 300\n" in listed
    kind = await hover_text(client, editor, editor.position("organ: organ", len("organ: ")))
    assert kind.startswith("**kind** `organ`")  # a field's type is its kind
    await editor.close()


async def test_go_to_definition_of_a_record_and_of_fields_in_list_operations(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LESIONS)
    await editor.diagnostics()
    record = (LESIONS, *where(LESIONS_SOURCE, "record lesion", len("record ")))
    organ = (LESIONS, *where(LESIONS_SOURCE, "  organ: organ", 2))
    treatable = (LESIONS, *where(LESIONS_SOURCE, "  treatable:", 2))
    size = (LESIONS, *where(LESIONS_SOURCE, "  size:", 2))
    assert await definition(client, editor, editor.position("list of lesion", len("list of "))) == [record]
    assert await definition(client, editor, editor.position("record lesion", len("record "))) == [record]
    assert await definition(client, editor, editor.position("distinct(organ of", len("distinct("))) == [organ]
    assert await definition(client, editor, editor.position("lesions have treatable", len("lesions have "))) == [treatable]
    assert await definition(client, editor, editor.position("where organ = liver", len("where "))) == [organ]
    assert await definition(client, editor, editor.position("largest(size", len("largest("))) == [size]
    assert await definition(client, editor, editor.position("and treatable", len("and "))) == [treatable]
    lesions = (LESIONS, *where(LESIONS_SOURCE, "input lesions", len("input ")))
    assert await definition(client, editor, editor.position("count(lesions", len("count("))) == [lesions]
    liver = (LESIONS, *where(LESIONS_SOURCE, "liver |"))
    assert await definition(client, editor, editor.position("organ = liver", len("organ = "))) == [liver]
    given = editor.position("[{organ liver, size 2 cm", len("[{"))  # an example's list: each field before its value
    assert await definition(client, editor, given) == [organ]
    assert await definition(client, editor, editor.position("size 2 cm")) == [size]
    assert await definition(client, editor, editor.position("{organ liver", len("{organ "))) == [liver]
    assert (await hover_text(client, editor, given)).startswith("**field** of record `lesion`: `organ`: organ")
    await editor.close()


async def test_a_field_read_through_a_used_modules_list_leads_to_its_record(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / READER)
    assert await editor.diagnostics() == []
    organ = (LESIONS, *where(LESIONS_SOURCE, "  organ: organ", 2))
    assert await definition(client, editor, editor.position("where organ = lung", len("where "))) == [organ]
    text = await hover_text(client, editor, editor.position("where organ = lung", len("where ")))
    assert text.startswith("**field** of record `lesion`: `organ`: organ")
    assert text.endswith("*from test.lesions 1.0.0*")
    lesions = (LESIONS, *where(LESIONS_SOURCE, "input lesions", len("input ")))
    assert await definition(client, editor, editor.position("count(lesions", len("count("))) == [lesions]
    await editor.close()


async def test_references_of_a_field_are_every_list_operation_reading_it(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LESIONS)
    await editor.diagnostics()
    found = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=editor.document, position=editor.position("  organ: organ", 2),
        context=lsp.ReferenceContext(include_declaration=True)))
    assert found is not None
    places = sorted((r.uri.rsplit("/knowledge/", 1)[1], r.range.start.line + 1) for r in found)
    lines = [where(LESIONS_SOURCE, needle)[0] for needle in ("  organ: organ", "distinct(organ", "where organ = liver",
                                                              "size of lesions where organ", "given lesions",
                                                              "{organ liver, size 8 mm")]  # the example gives it twice
    assert places == sorted([*((LESIONS, line) for line in lines), (READER, where(READER_SOURCE, "where organ")[0])])
    await editor.close()


async def test_completion_offers_records_fields_and_a_fields_values(client: LanguageClient, kb: Path) -> None:
    text = LESIONS_SOURCE.replace("define liver_lesions: count(lesions where organ = liver)",
                                  "define liver_lesions: count(lesions where organ = liver)\n"
                                  "define probe: count(lesions where \n"
                                  "define probe_value: count(lesions where organ = )\n"
                                  "define probe_field: largest( of lesions)")
    editor = Editor(client, kb / LESIONS, text)
    await editor.diagnostics()
    in_where = await labels(client, editor, editor.position("lesions where \n", len("lesions where ")))
    assert {"organ", "size", "treatable"} <= set(in_where)
    value = await labels(client, editor, editor.position("organ = )", len("organ = ")))
    assert value == ["liver", "lung", "bone"]
    field = await labels(client, editor, editor.position("largest( of", len("largest(")))
    assert {"organ", "size", "treatable"} <= set(field)
    top = await labels(client, editor, lsp.Position(editor.position("record lesion").line, 0))
    assert "record" in top
    expression = await labels(client, editor, editor.position("when liver_lesions", len("when ")))
    assert {"count", "all", "any", "largest", "distinct", "liver_lesions"} <= set(expression)
    assert "organ" not in expression  # a field is a name only inside a list operation
    await editor.close()


async def test_semantic_tokens_and_outline_know_records_and_fields(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LESIONS)
    await editor.diagnostics()
    tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(editor.document))
    assert tokens is not None
    decoded: dict[tuple[int, int], tuple[str, int]] = {}
    line = column = 0
    for index in range(0, len(tokens.data), 5):
        delta_line, delta_column, _, kind, modifiers = tokens.data[index:index + 5]
        line += delta_line
        column = column + delta_column if delta_line == 0 else delta_column
        decoded[(line, column)] = (TOKEN_TYPES[kind], modifiers)

    def at(needle: str, offset: int) -> tuple[str, int]:
        position = editor.position(needle, offset)
        return decoded[(position.line, position.character)]
    assert at("record lesion", len("record ")) == ("type", 1)  # declared
    assert at("  size: quantity", 2) == ("property", 1)
    assert at("where organ = liver", len("where ")) == ("property", 0)
    assert at("have treatable", len("have ")) == ("property", 0)
    assert at("list of lesion", len("list of ")) == ("type", 0)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(editor.document))
    assert symbols is not None
    record = next(s for s in symbols if isinstance(s, lsp.DocumentSymbol) and s.name == "lesion")
    assert record.kind == lsp.SymbolKind.Struct and record.children is not None
    assert [(c.name, c.kind) for c in record.children] == [("organ", lsp.SymbolKind.Field),
                                                           ("size", lsp.SymbolKind.Field),
                                                           ("treatable", lsp.SymbolKind.Field)]
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="treatable"))
    assert found is not None
    assert {(s.name, s.kind, s.container_name) for s in found} >= {("treatable", lsp.SymbolKind.Field,
                                                                    "test.lesions 1.0.0")}
    await editor.close()


async def test_rename_of_a_record_changes_its_declaration_and_every_list_of_it(client: LanguageClient,
                                                                                kb: Path) -> None:
    editor = Editor(client, kb / LESIONS)
    await editor.diagnostics()
    at = editor.position("list of lesion", len("list of "))
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(editor.document, at))
    assert isinstance(prepared, lsp.Range) and prepared.end.character - prepared.start.character == len("lesion")
    edit = await client.text_document_rename_async(lsp.RenameParams(editor.document, at, "nodule"))
    assert edit is not None and edit.changes is not None and list(edit.changes) == [editor.uri]
    renamed = apply(editor.text, edit.changes[editor.uri])
    assert "record nodule:" in renamed and "input lesions: list of nodule" in renamed and "lesion:" not in renamed
    assert "liver_lesions never decreases as a nodule is added to lesions" in renamed  # the property's noun too
    sources = {str(p): p.read_text(encoding="utf-8") for p in kb.rglob("*.eligo")}
    sources[str(kb / LESIONS)] = renamed
    assert [d.headline() for d in eligo.KnowledgeBase.from_texts(sources).check() if d.is_error] == []
    with pytest.raises(JsonRpcException, match="would clash with the kind `organ`"):
        await client.text_document_rename_async(lsp.RenameParams(editor.document, at, "organ"))
    kind = editor.position("kind organ", len("kind "))
    with pytest.raises(JsonRpcException, match="would clash with the record `lesion`"):
        await client.text_document_rename_async(lsp.RenameParams(editor.document, kind, "lesion"))
    field = editor.position("  size:", 2)
    assert await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(editor.document, field)) is None
    await editor.close()
