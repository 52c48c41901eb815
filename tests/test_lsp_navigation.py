"""`eligo lsp` end to end: hover, completion, definition and references across modules, rename (and its
refusals), semantic tokens, document symbols and folding, through a real client over stdio."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from test_lsp import LIVER, OLIGO, Editor, apply, client, kb

import eligo
from eligo.lsp.outline import TOKEN_MODIFIERS, TOKEN_TYPES

__all__ = ["client", "kb"]  # the module-scoped server and knowledge base of test_lsp, one of each for this module

pytestmark = pytest.mark.asyncio(loop_scope="module")
DFI = "core/disease_free_interval/1.0.0.eligo"
RESECTION = "core/resection/1.0.0.eligo"
OLIGO_LISTS = "core/oligometastatic/2.0.0.eligo"


def renamed_sources(kb: Path, changes: dict[str, list[lsp.TextEdit]]) -> dict[str, str]:
    """Every source of the knowledge base with a rename's edits applied."""
    sources = {str(p): p.read_text(encoding="utf-8") for p in kb.rglob("*.eligo")}
    for uri, edits in changes.items():
        path = uri.removeprefix("file://")
        sources[path] = apply(sources[path], edits)
    return sources


def errors(sources: dict[str, str]) -> list[str]:
    return [d.headline() for d in eligo.KnowledgeBase.from_texts(sources).check() if d.is_error]


async def hover_text(client: LanguageClient, editor: Editor, position: lsp.Position) -> str:
    hover = await client.text_document_hover_async(lsp.HoverParams(editor.document, position))
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    return hover.contents.value


async def labels(client: LanguageClient, editor: Editor, position: lsp.Position) -> list[str]:
    found = await client.text_document_completion_async(lsp.CompletionParams(editor.document, position))
    items = found.items if isinstance(found, lsp.CompletionList) else found or []
    return [item.label for item in items]


async def test_hover_says_in_prose_what_a_name_is_with_its_threshold_citation_and_module(
        client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    used = await hover_text(client, editor, editor.position("dfi.favourable_colorectal_liver", 6))
    assert used.startswith("**favourable colorectal liver** holds when disease free interval is more than colorectal "
                           "liver threshold.")
    assert "- colorectal liver threshold: 12 months" in used
    assert "*from core.disease_free_interval 1.0.0*" in used
    own = await hover_text(client, editor, editor.position("define therapy_effect", 8))
    assert own.startswith("**therapy effect** is Small beta: potent systemic therapy")  # a kind value reads as its label
    assert "> In colorectal liver metastasis modern chemotherapy is potent" in own
    assert "- `seed_principles`: Surgery for limited metastatic or recurrent disease" in own
    await editor.close()


async def test_hover_on_an_input_gives_its_type_range_and_description(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    text = await hover_text(client, editor, editor.position("given metastatic_lesions", 8))
    assert text.splitlines()[0] == "**input** `metastatic_lesions`: count"
    assert "Number of metastatic lesions seen on current staging imaging" in text
    assert text.endswith("*from core.oligometastatic 1.0.0*")
    decision = await hover_text(client, editor, editor.position("decision liver_metastasectomy", 12))
    assert "The rules are read in order and the first rule that applies decides." in decision
    assert "A patient is **not a candidate** for liver metastasectomy when" in decision
    await editor.close()


async def test_hover_on_a_module_a_rule_and_an_outcome(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    module = await hover_text(client, editor, editor.position("use core.resection", len("use core.")))
    assert module.startswith("**Resection classes and curative intent**")
    assert "core.resection 1.0.0, approved, effective 2025-01-01" in module
    rule = await hover_text(client, editor, editor.position("by rule beyond_oligometastatic", len("by rule ")))
    assert rule.startswith("A patient is **not a candidate** for liver metastasectomy when")
    assert "*rule `beyond_oligometastatic` of `liver_metastasectomy`*" in rule
    table = await hover_text(client, editor, editor.position("resection.consequence_of", len("resection.")))
    assert table.startswith("**table** `consequence_of`")
    assert "| residual cells | site aggressiveness | therapy effect | margin consequence |" in table
    assert "| Large N_res: visible tumour left (R2) | any | any | R2: macroscopic tumour remains |" in table
    outcome = await hover_text(client, editor, editor.position("otherwise candidate", len("otherwise ")))
    assert outcome.startswith("`candidate`: an outcome of `liver_metastasectomy`")
    await editor.close()


async def test_completion_offers_what_may_be_written_where_the_cursor_is(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    after_alias = await labels(client, editor, editor.position("oligo.oligometastatic", len("oligo.")))
    assert "oligometastatic" in after_alias and "metastatic_lesions" in after_alias
    after_cite = await labels(client, editor, editor.position("cite seed_principles", len("cite ")))
    assert {"seed_principles", "hellman1995", "paget1889"} <= set(after_cite)
    after_then = await labels(client, editor, editor.position("then not_candidate", len("then ")))
    assert after_then == ["candidate", "discuss_at_tumour_board", "not_candidate", "open"]  # open: an open question
    expect_value = editor.position("expect liver_metastasectomy = candidate", len("expect liver_metastasectomy = "))
    assert await labels(client, editor, expect_value) == ["candidate", "discuss_at_tumour_board", "not_candidate"]
    in_rule = await labels(client, editor, editor.position("when board.judged_unfit", len("when ")))
    assert {"effective_chemotherapy", "therapy_effect", "oligo", "board", "not", "first known of"} <= set(in_rule)
    modules = await labels(client, editor, editor.position("use core.oligometastatic", len("use core.")))
    assert {"core.oligometastatic", "core.resection", "sarcoma.pulmonary_metastasectomy"} <= set(modules)
    assert "colorectal.liver_metastasectomy" not in modules  # not itself
    top = await labels(client, editor, lsp.Position(editor.position("decision liver").line, 0))
    assert top == ["use", "reference", "kind", "record", "input", "define", "table", "decision", "example", "property"]
    await editor.close()
    dfi = Editor(client, kb / DFI)
    await dfi.diagnostics()
    assert "months" in await labels(client, dfi, dfi.position("threshold: 12 months", len("threshold: 12 ")))
    await dfi.close()
    resection = Editor(client, kb / RESECTION)
    await resection.diagnostics()
    resection.replace(resection.text.replace("resection_margin = R0", "resection_margin = ", 1))
    await resection.diagnostics()
    values = await labels(client, resection, resection.position("resection_margin = ", len("resection_margin = ")))
    assert values == ["R0", "R1", "R2"]
    resection.replace((kb / RESECTION).read_text(encoding="utf-8"))
    await resection.close()


async def test_definition_and_references_cross_modules(client: LanguageClient, kb: Path) -> None:
    liver = Editor(client, kb / LIVER)
    await liver.diagnostics()
    locations = await client.text_document_definition_async(lsp.DefinitionParams(
        liver.document, liver.position("oligo.oligometastatic", len("oligo."))))
    assert isinstance(locations, list) and len(locations) == 1
    oligo_text = (kb / OLIGO).read_text(encoding="utf-8")
    declared = oligo_text[: oligo_text.index("define oligometastatic:")].count("\n")
    assert locations[0].uri == (kb / OLIGO).as_uri()
    assert (locations[0].range.start.line, locations[0].range.start.character) == (declared, len("define "))
    used = await client.text_document_references_async(lsp.ReferenceParams(
        context=lsp.ReferenceContext(include_declaration=True), text_document=liver.document,
        position=liver.position("given metastatic_lesions", 8)))
    files = {location.uri for location in used}
    assert (kb / OLIGO).as_uri() in files and liver.uri in files
    assert len(used) >= liver.text.count("metastatic_lesions ")
    await liver.close()


async def test_highlights_and_workspace_symbols(client: LanguageClient, kb: Path) -> None:
    liver = Editor(client, kb / LIVER)
    await liver.diagnostics()
    marks = await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(
        liver.document, liver.position("define therapy_effect", len("define "))))
    assert marks is not None and len(marks) == liver.text.count("therapy_effect")
    assert [m.kind for m in marks].count(lsp.DocumentHighlightKind.Write) == 1
    symbols = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="favcollive"))
    assert isinstance(symbols, list)
    assert [(s.name, s.container_name) for s in symbols] == [
        ("favourable_colorectal_liver", "core.disease_free_interval 1.0.0")]
    location = symbols[0].location
    assert isinstance(location, lsp.Location) and location.uri == (kb / DFI).as_uri()
    await liver.close()


async def test_rename_changes_every_module_and_refuses_a_clash(client: LanguageClient, kb: Path) -> None:
    oligo = Editor(client, kb / OLIGO)
    await oligo.diagnostics()
    at = oligo.position("define oligometastatic:", len("define "))
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(oligo.document, at))
    assert isinstance(prepared, lsp.Range) and prepared.end.character - prepared.start.character == len("oligometastatic")
    edit = await client.text_document_rename_async(lsp.RenameParams(oligo.document, at, "limited_disease"))
    assert edit is not None and edit.changes is not None
    users = [uri for uri in edit.changes if uri != oligo.uri]
    assert len(users) >= 4  # every guideline that uses core.oligometastatic
    renamed = renamed_sources(kb, edit.changes)
    assert "define limited_disease:" in renamed[str(kb / OLIGO)]
    assert "when not oligo.limited_disease then not_candidate" in renamed[str(kb / LIVER)]
    assert errors(renamed) == []
    with pytest.raises(JsonRpcException, match="would clash with the input `metastatic_lesions`"):
        await client.text_document_rename_async(lsp.RenameParams(oligo.document, at, "metastatic_lesions"))
    with pytest.raises(JsonRpcException, match="is a word of the Eligo language"):
        await client.text_document_rename_async(lsp.RenameParams(oligo.document, at, "between"))
    with pytest.raises(JsonRpcException, match="is not a name"):
        await client.text_document_rename_async(lsp.RenameParams(oligo.document, at, "2fast"))
    await oligo.close()


async def test_rename_of_an_input_renames_its_key_in_the_case_files_too(client: LanguageClient, kb: Path) -> None:
    oligo = Editor(client, kb / OLIGO_LISTS)  # the case files give the lesion list of core.oligometastatic 2.0.0
    await oligo.diagnostics()
    at = oligo.position("input lesions", len("input "))
    edit = await client.text_document_rename_async(lsp.RenameParams(oligo.document, at, "metastases"))
    assert edit is not None and edit.changes is not None
    case = kb / "cases" / "colorectal.liver_metastasectomy" / "dfi_exactly_12_months.json"
    renamed_case = apply(case.read_text(encoding="utf-8"), edit.changes[case.as_uri()])
    assert '"metastases": [' in renamed_case and '"lesions"' not in renamed_case
    sources = {str(p): t for p, t in renamed_sources(kb, {u: e for u, e in edit.changes.items()
                                                           if u.endswith(".eligo")}).items()}
    before = eligo.load(kb).guideline("colorectal.liver_metastasectomy").evaluate(eligo.read_case(case))
    after = eligo.KnowledgeBase.from_texts(sources).guideline("colorectal.liver_metastasectomy").evaluate(
        eligo.read_case(case, renamed_case))
    assert after.to_json()["decisions"] == before.to_json()["decisions"]
    await oligo.close()


async def test_rename_of_a_kind_value_reaches_tables_and_examples_of_every_module(client: LanguageClient,
                                                                                   kb: Path) -> None:
    resection = Editor(client, kb / RESECTION)
    await resection.diagnostics()
    at = resection.position("  R1 \"Microscopic", 2)
    edit = await client.text_document_rename_async(lsp.RenameParams(resection.document, at, "R1_margin"))
    assert edit is not None and edit.changes is not None
    assert {(kb / RESECTION).as_uri(), (kb / LIVER).as_uri(), (kb / "core/endpoints/1.0.0.eligo").as_uri()} <= set(
        edit.changes)
    renamed = renamed_sources(kb, edit.changes)
    assert "an R1 means" in renamed[str(kb / LIVER)]  # comments and strings keep their words
    assert "given resection_margin R1_margin" in renamed[str(kb / LIVER)]
    assert "\n  R1_margin   few_residual_cells" in renamed[str(kb / RESECTION)]
    assert errors(renamed) == []
    with pytest.raises(JsonRpcException, match="would clash with the value `R2`"):
        await client.text_document_rename_async(lsp.RenameParams(resection.document, at, "R2"))
    await resection.close()


async def test_positions_are_counted_in_utf16_units_after_an_emoji(client: LanguageClient, kb: Path) -> None:
    path = kb.parent / "emoji" / "1.0.0.eligo"
    path.parent.mkdir()
    text = ('guideline scratch.emoji\n  version 0.1.0\n\nkind mood: glad "🙂 glad" | sad "🙁 sad"\n'
            "input feeling: mood\n\ndefine gloomy: feeling = sad\n")
    editor = Editor(client, path, text)
    assert not [d for d in await editor.diagnostics() if d.severity == lsp.DiagnosticSeverity.Error]
    kind_line = text.split("\n")[3]
    units = len(kind_line[: kind_line.index("| sad") + 2].encode("utf-16-le")) // 2  # 🙂 counts two
    locations = await client.text_document_definition_async(lsp.DefinitionParams(
        editor.document, editor.position("= sad", 2)))
    assert isinstance(locations, list) and len(locations) == 1
    assert (locations[0].range.start.line, locations[0].range.start.character) == (3, units)
    assert locations[0].range.end.character == units + 3
    on_value = lsp.Position(3, units + 1)  # the client's position of `sad` in the kind
    edit = await client.text_document_rename_async(lsp.RenameParams(editor.document, on_value, "unhappy"))
    assert edit is not None and edit.changes is not None
    renamed = apply_utf16(text, edit.changes[editor.uri])
    assert 'glad "🙂 glad" | unhappy "🙁 sad"' in renamed and "feeling = unhappy" in renamed
    await editor.close()


def apply_utf16(text: str, edits: list[lsp.TextEdit]) -> str:
    """`apply`, with the edits' columns in UTF-16 units as a client counts them."""
    lines = text.split("\n")

    def characters(p: lsp.Position) -> lsp.Position:
        units = 0
        for index, char in enumerate(lines[p.line]):
            if units >= p.character:
                return lsp.Position(p.line, index)
            units += 2 if ord(char) > 0xFFFF else 1
        return lsp.Position(p.line, len(lines[p.line]))

    return apply(text, [lsp.TextEdit(lsp.Range(characters(e.range.start), characters(e.range.end)), e.new_text)
                        for e in edits])


async def test_semantic_tokens_colour_names_by_what_they_are(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(editor.document))
    assert tokens is not None
    decoded: dict[tuple[int, int], tuple[str, list[str]]] = {}
    line = column = 0
    data = tokens.data
    for index in range(0, len(data), 5):
        delta_line, delta_column, _, kind, modifiers = data[index:index + 5]
        line += delta_line
        column = column + delta_column if delta_line == 0 else delta_column
        decoded[(line, column)] = (TOKEN_TYPES[kind], [m for i, m in enumerate(TOKEN_MODIFIERS) if modifiers >> i & 1])
    def at(needle: str, offset: int) -> tuple[str, list[str]]:
        position = editor.position(needle, offset)
        return decoded[(position.line, position.character)]
    assert at("input effective_chemotherapy", 6) == ("parameter", ["declaration"])
    assert at("given metastatic_lesions", 6) == ("parameter", [])
    assert at("define therapy_effect", 7) == ("variable", ["declaration"])
    assert at("decision liver_metastasectomy", 9) == ("class", ["declaration"])
    assert at("then not_candidate", 5) == ("enumMember", [])
    assert at("# Resection", 0) == ("comment", [])
    await editor.close()


async def test_document_symbols_and_folding_follow_the_items(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(editor.document))
    assert symbols is not None
    names = [s.name for s in symbols]
    assert names[:2] == ["colorectal.liver_metastasectomy", "use core.oligometastatic"]
    decision = next(s for s in symbols if isinstance(s, lsp.DocumentSymbol) and s.name == "liver_metastasectomy")
    assert decision.kind == lsp.SymbolKind.Class and decision.children is not None
    assert [c.name for c in decision.children][:2] == ["beyond_oligometastatic", "r0_not_feasible"]
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(editor.document))
    assert folds is not None
    start = editor.position("decision liver_metastasectomy").line
    fold = next(f for f in folds if f.start_line == start)
    assert editor.text.split("\n")[fold.end_line].strip().startswith("cite seed_principles, paget1889")
    await editor.close()
