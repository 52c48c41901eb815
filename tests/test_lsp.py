"""`eligo lsp` end to end, through a real client over stdio (pytest-lsp): diagnostics as you type, quick fixes,
formatting, example and case lenses, and broken input (truncated, binary, huge lines) that never crashes it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

import eligo
from eligo.dsl.formatter import format_module
from eligo.dsl.parser import parse

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
LIVER = "colorectal/liver_metastasectomy/1.0.0.eligo"
LIVER_NEWEST = "colorectal/liver_metastasectomy/2.0.0.eligo"
OLIGO = "core/oligometastatic/1.0.0.eligo"

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shipped knowledge base (the tests open and edit its files)."""
    root = tmp_path_factory.mktemp("lsp") / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


def recording_client() -> LanguageClient:
    """pytest-lsp's client, also recording every publication of diagnostics in order, with its version."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = defaultdict(list)

    def publish(client: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published[params.uri].append((params.version, params.diagnostics))

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish})
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "eligo", "lsp"], client_factory=recording_client)


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, kb: Path) -> Any:
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=kb.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(kb.as_uri(), "knowledge")]))

    @lsp_client.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)
    def refresh_lenses(params: None) -> None:
        lsp_client.lens_refreshes += 1

    lsp_client.lens_refreshes = 0
    yield
    await lsp_client.shutdown_session()


class Editor:
    """One document open in the client: its text, versions and the diagnostics last published for it."""

    def __init__(self, client: LanguageClient, path: Path, text: str | None = None) -> None:
        self.client, self.uri, self.version = client, path.as_uri(), 1
        self.text = path.read_text(encoding="utf-8") if text is None else text
        self.forget()
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=self.uri, language_id="eligo" if path.suffix == ".eligo" else "json", version=1,
                                 text=self.text)))

    def replace(self, text: str) -> None:
        self.version += 1
        lines = self.text.split("\n")
        whole = lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines) - 1, len(lines[-1])))
        self.text = text
        self.forget()
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            [lsp.TextDocumentContentChangePartial(range=whole, text=text)]))

    async def diagnostics(self) -> list[lsp.Diagnostic]:
        """The first diagnostics published for the document's current version since the latest change (or
        the latest `forget`)."""
        return await self._published(lambda version, _: version == self.version)

    def forget(self) -> None:
        """Wait only for diagnostics published from now on."""
        self.mark = len(self.client.published[self.uri])

    async def close(self) -> None:
        """Close the document and wait for the server to clear its diagnostics."""
        self.forget()
        self.client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(self.uri)))
        if self.uri.endswith(".eligo"):
            assert not await self._published(lambda version, found: version is None)

    async def _published(self, wanted: Callable[[int | None, list[lsp.Diagnostic]], bool]) -> list[lsp.Diagnostic]:
        async with asyncio.timeout(60):  # a server that never publishes fails the test instead of hanging it
            while True:
                for version, found in self.client.published[self.uri][self.mark:]:
                    if wanted(version, list(found)):
                        return list(found)
                await asyncio.sleep(0.005)

    def position(self, needle: str, offset: int = 0, nth: int = 0) -> lsp.Position:
        index = -1
        for _ in range(nth + 1):
            index = self.text.index(needle, index + 1)
        index += offset
        line = self.text.count("\n", 0, index)
        return lsp.Position(line, index - (self.text.rfind("\n", 0, index) + 1))

    @property
    def document(self) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(self.uri)


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """`text` with non-overlapping `edits` applied, as a client applies them."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p: lsp.Position) -> int:
        return starts[p.line] + p.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


async def test_eligo_lsp_is_a_command() -> None:
    async def run(*args: str) -> tuple[int | None, str, str]:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "eligo", *args, stdin=subprocess.DEVNULL,
                                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode, out.decode(), err.decode()

    code, listed, _ = await run("--help")
    assert code == 0 and " lsp " in listed
    code, _, err = await run("lsp", "--stdio")
    assert code == 0, err  # the client went away (end of input): the server ends cleanly


async def test_a_clean_guideline_publishes_no_errors(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    diagnostics = await editor.diagnostics()
    assert [d for d in diagnostics if d.severity == lsp.DiagnosticSeverity.Error] == []
    await editor.close()


async def test_a_misspelt_name_is_reported_as_you_type_with_a_fix(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    original = editor.text
    editor.replace(original.replace("when board.judged_unfit then", "when board.judged_unfti then"))
    diagnostics = await editor.diagnostics()
    wrong = [d for d in diagnostics if "judged_unfti" in d.message]
    assert len(wrong) == 1, diagnostics
    found = wrong[0]
    assert found.severity == lsp.DiagnosticSeverity.Error and found.source == "eligo"
    assert str(found.code).startswith("E1")
    assert "hint: did you mean `judged_unfit`?" in found.message
    assert found.range.start == editor.position("judged_unfti", -len("board."))
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        editor.document, found.range, lsp.CodeActionContext([found])))
    assert actions and actions[0].title == "Change `judged_unfti` to `judged_unfit`"
    fixed = apply(editor.text, actions[0].edit.changes[editor.uri])
    assert fixed == original
    editor.replace(fixed)
    assert [d for d in await editor.diagnostics() if d.severity == lsp.DiagnosticSeverity.Error] == []
    await editor.close()


@pytest.mark.parametrize(("wrong", "right"), [("n > 1 && n < 9", "n > 1 and n < 9"), ("n > 1 // big", "n > 1 # big"),
                                              ("n > 1;", "n > 1")])
async def test_a_syntax_error_whose_hint_spells_the_fix_gets_it(client: LanguageClient, kb: Path, wrong: str,
                                                                right: str) -> None:
    path = kb.parent / "syntax" / f"{wrong.encode().hex()}.eligo"
    path.parent.mkdir(exist_ok=True)
    header = "guideline scratch.syntax\n  version 0.1.0\n\ninput n: count\n\ndefine big: "
    editor = Editor(client, path, header + wrong + "\n")
    (found,) = [d for d in await editor.diagnostics() if d.severity == lsp.DiagnosticSeverity.Error]
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        editor.document, found.range, lsp.CodeActionContext([found])))
    assert actions and actions[0].is_preferred
    fixed = apply(editor.text, actions[0].edit.changes[editor.uri])
    assert fixed.split("\n")[5].rstrip() == "define big: " + right
    editor.replace(fixed)
    assert not [d for d in await editor.diagnostics() if d.severity == lsp.DiagnosticSeverity.Error]
    await editor.close()


async def test_an_edit_in_a_used_module_is_reported_in_the_module_that_uses_it(client: LanguageClient, kb: Path) -> None:
    liver = Editor(client, kb / LIVER)
    await liver.diagnostics()
    oligo = Editor(client, kb / OLIGO)
    await oligo.diagnostics()
    liver.forget()
    oligo.replace(oligo.text.replace("define oligometastatic:", "define oligometastatic_state:"))
    diagnostics = await liver.diagnostics()  # the server publishes for every open file of the knowledge base
    unknown = [d for d in diagnostics if "oligometastatic" in d.message]
    assert unknown and unknown[0].severity == lsp.DiagnosticSeverity.Error, diagnostics
    assert "did you mean `oligometastatic_state`?" in unknown[0].message
    oligo.replace((kb / OLIGO).read_text(encoding="utf-8"))
    await oligo.close()
    await liver.close()


async def test_a_file_outside_any_knowledge_base_is_checked_on_its_own(client: LanguageClient, kb: Path) -> None:
    lone = kb.parent / "scratch" / "draft.eligo"
    lone.parent.mkdir()
    text = ("guideline scratch.idea\n  version 0.1.0\n\ninput lesions: count\n\n"
            "decision resect: yes_resect > no_resect\n  rule few: when lesion <= 3 then yes_resect\n"
            "  otherwise no_resect\n")
    lone.write_text(text, encoding="utf-8")
    editor = Editor(client, lone)
    got = [(d.code, d.range.start.line, d.message.split("\n")[0]) for d in await editor.diagnostics()]
    expected = [(d.code, d.span.line - 1, d.message) for d in eligo.check_source(text, str(lone))]
    assert got == expected and any(code == "E100" for code, _, _ in got)
    await editor.close()


async def test_a_bindings_file_is_checked_as_saved(client: LanguageClient, kb: Path) -> None:
    path = kb / "colorectal" / "liver_metastasectomy" / "1.0.0.fhir.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("  primary_diagnosed:", "  primary_diagnosd:"), encoding="utf-8")
    editor = Editor(client, path)
    wrong = [d for d in await editor.diagnostics() if d.code == "E206"]
    assert len(wrong) == 1 and "did you mean `primary_diagnosed`?" in wrong[0].message
    path.write_text(good, encoding="utf-8")
    editor.forget()
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(editor.document))
    assert not [d for d in await editor.diagnostics() if d.code == "E206"]
    await editor.close()


async def test_a_second_declaration_points_at_the_first(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / OLIGO)
    await editor.diagnostics()
    first = editor.position("input metastatic_lesions")
    editor.replace(editor.text + "input metastatic_lesions: count\n")
    twice = next(d for d in await editor.diagnostics() if d.code == "E102")
    assert twice.range.start.line == len(editor.text.split("\n")) - 2
    assert twice.related_information is not None
    related = twice.related_information[0]
    assert (related.location.uri, related.location.range.start.line) == (editor.uri, first.line)
    assert related.message == f"the first declaration is on line {first.line + 1}"
    editor.replace((kb / OLIGO).read_text(encoding="utf-8"))
    await editor.close()


async def test_a_decision_without_otherwise_gets_one_fix_per_outcome(client: LanguageClient, kb: Path) -> None:
    path = kb / "demo" / "gap" / "1.0.0.eligo"
    path.parent.mkdir(parents=True)
    text = ("guideline demo.gap\n  version 1.0.0\n\ninput liver_lesions: count from 0 to 100\n\n"
            "decision resection: candidate > not_candidate\n  rule few: when liver_lesions <= 5 then candidate\n")
    path.write_text(text, encoding="utf-8")
    editor = Editor(client, path)
    gap = next(d for d in await editor.diagnostics() if d.code == "W154")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        editor.document, gap.range, lsp.CodeActionContext([gap])))
    assert [a.title for a in actions] == ["Add `otherwise not_candidate`", "Add `otherwise candidate`"]
    fixed = apply(editor.text, actions[0].edit.changes[editor.uri])
    assert fixed.endswith("then candidate\n  otherwise not_candidate\n")
    editor.replace(fixed)
    assert not [d for d in await editor.diagnostics() if d.code == "W154"]
    await editor.close()
    shutil.rmtree(path.parent.parent)


async def test_a_table_missing_rows_gets_the_rows(client: LanguageClient, kb: Path) -> None:
    path = kb / "demo" / "rows" / "1.0.0.eligo"
    path.parent.mkdir(parents=True)
    text = ("guideline demo.rows\n  version 1.0.0\n\nkind site: colorectal | renal_cell | sarcoma\n"
            "input primary_site: site\n\ntable interval by site -> duration\n  colorectal 12 months\n\n"
            "decision timing: early | late\n  rule short: when interval[primary_site] < 18 months then early\n"
            "  otherwise late\n")
    path.write_text(text, encoding="utf-8")
    editor = Editor(client, path)
    missing = next(d for d in await editor.diagnostics() if d.code == "E109")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        editor.document, missing.range, lsp.CodeActionContext([missing])))
    assert [a.title for a in actions] == ["Add rows for renal_cell, sarcoma (value `none`, to fill in)",
                                          "Add an `otherwise none` row"]
    for action in actions:
        fixed = apply(editor.text, action.edit.changes[editor.uri])
        editor.replace(fixed)
        assert not [d for d in await editor.diagnostics() if d.code == "E109"], fixed
        editor.replace(text)
        await editor.diagnostics()
    await editor.close()
    shutil.rmtree(path.parent.parent)


async def test_formatting_is_eligo_fmt(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / OLIGO)
    messy = editor.text.replace("\ninput ", "\n\n\n\ninput ").replace(": count", ":    count")
    editor.replace(messy)
    await editor.diagnostics()
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        editor.document, lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert edits is not None and len(edits) == 1
    assert apply(messy, edits) == format_module(parse(messy))
    editor.replace("guideline broken\n  version 1.0.0\ninput x: count from\n")
    await editor.diagnostics()
    assert not await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        editor.document, lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    editor.replace((kb / OLIGO).read_text(encoding="utf-8"))
    await editor.close()


async def test_each_example_has_a_lens_saying_whether_it_passes(client: LanguageClient, kb: Path) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(editor.document))
    examples = editor.text.count("\nexample ")
    assert [lens.command.title for lens in lenses] == ["✓ passes"] * examples
    assert lenses[0].range.start.line == editor.position('example "Three').line
    editor.replace(editor.text.replace("expect liver_metastasectomy = candidate",
                                       "expect liver_metastasectomy = not_candidate", 1))
    await editor.diagnostics()
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(editor.document))
    assert lenses[0].command.title.startswith("✗ expected liver_metastasectomy = not_candidate, got decided candidate")
    assert [lens.command.title for lens in lenses[1:]] == ["✓ passes"] * (examples - 1)
    editor.replace((kb / LIVER).read_text(encoding="utf-8"))
    await editor.close()


async def test_a_case_file_opened_beside_the_guideline_is_decided(client: LanguageClient, kb: Path) -> None:
    guideline = Editor(client, kb / LIVER_NEWEST)  # the version the case files are written for
    await guideline.diagnostics()
    case_path = kb / "cases" / "colorectal.liver_metastasectomy" / "dfi_exactly_12_months.json"
    case = Editor(client, case_path)
    expected = ("colorectal.liver_metastasectomy 2.0.0: liver_metastasectomy = discuss_at_tumour_board "
                "(rule dfi_not_favourable); margin_outlook unknown, missing resection_margin, effective_chemotherapy")
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(case.document))
    assert [lens.command.title for lens in lenses] == [expected]
    on_guideline = await client.text_document_code_lens_async(lsp.CodeLensParams(guideline.document))
    header_line = guideline.position("guideline colorectal").line
    header = [lens.command.title for lens in on_guideline if lens.range.start.line == header_line]
    assert header == ["dfi_exactly_12_months.json: " + expected.split(": ", 1)[1]]
    assert not await client.text_document_folding_range_async(lsp.FoldingRangeParams(case.document))  # JSON's own
    refreshes = client.lens_refreshes
    case.replace(case.text.replace('"organ": "liver"', '"organ": "spleen"', 1))
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(case.document))
    assert lenses[0].command.title.startswith("colorectal.liver_metastasectomy 2.0.0: case refused: lesions[0].organ:")
    assert client.lens_refreshes > refreshes  # the guideline's lens is asked for again
    await case.close()
    await guideline.close()


@pytest.mark.parametrize("breakage", ["truncated", "binary", "huge line", "empty", "header only", "unclosed string"])
async def test_broken_input_never_crashes_and_requests_answer_from_the_last_good_parse(
        client: LanguageClient, kb: Path, breakage: str) -> None:
    editor = Editor(client, kb / LIVER)
    await editor.diagnostics()
    good = editor.text
    name = editor.position("effective_chemotherapy", 3)
    broken = {
        "truncated": good[: len(good) // 2],
        "binary": "\x00\x01\xff\ufffd" * 500 + good[:300],
        "huge line": good + "define long: " + " + ".join(["oligo.oligometastatic"] * 20000) + "\n",
        "empty": "",
        "header only": "guideline colorectal.liver_metastasectomy\n",
        "unclosed string": good.replace('because "Anaesthesia judged', 'because "Anaesthesia judged\n', 1),
    }[breakage]
    editor.replace(broken)
    diagnostics = await editor.diagnostics()
    if breakage != "empty":
        assert any(d.severity == lsp.DiagnosticSeverity.Error for d in diagnostics), breakage
    hover = await client.text_document_hover_async(lsp.HoverParams(editor.document, name))
    if breakage in {"truncated", "huge line", "unclosed string"}:
        assert hover is not None and "Effective modern chemotherapy" in hover.contents.value
    top = await client.text_document_completion_async(lsp.CompletionParams(editor.document, lsp.Position(0, 0)))
    assert isinstance(top, list) and "decision" in [item.label for item in top]  # the keywords that start an item
    tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(editor.document))
    assert tokens is not None and len(tokens.data) % 5 == 0
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(editor.document))
    if breakage in {"truncated", "huge line", "unclosed string"}:  # the outline of the last good parse
        assert symbols and symbols[0].name == "colorectal.liver_metastasectomy"
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(editor.document))
    assert folds is not None and all(f.start_line <= f.end_line for f in folds)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(editor.document))
    assert not lenses or all(lens.command is not None for lens in lenses)
    editor.replace(good)
    assert [d for d in await editor.diagnostics() if d.severity == lsp.DiagnosticSeverity.Error] == []
    await editor.close()
