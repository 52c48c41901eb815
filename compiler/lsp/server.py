"""The `eligo lsp` server: pygls wiring, one handler per protocol feature, each delegating to its module.

Every handler answers from the latest analysis of the document's knowledge base (`workspace.Store`),
which keeps the last good parse of a file that no longer parses; a handler that fails logs the error
and answers nothing rather than take the server down.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from eligo.kb import discover
from eligo.lsp import actions, completion, hover, lenses, navigation, outline
from eligo.lsp.convert import path_of, to_diagnostic, uri_of
from eligo.lsp.positions import Columns, from_client, to_client
from eligo.lsp.workspace import Analysis, Store
from eligo.version import __version__

log = logging.getLogger("eligo.lsp")
T = TypeVar("T")
CASE_SUFFIXES = (".json", ".yaml", ".yml")
BINDINGS = ".fhir.yaml"


class EligoServer(LanguageServer):
    """A language server holding one `Store` of knowledge bases."""

    def __init__(self) -> None:
        super().__init__("eligo", __version__)
        self.store = Store()
        self.versions: dict[str, int] = {}  # path -> version of each open document, sent with its diagnostics

    def document(self, uri: str) -> tuple[str, str]:
        """The path and current text of an open document (the disk's text when it is not open)."""
        path = path_of(uri)
        text = self.store.open.get(path)
        if text is None:
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
        return path, text

    def columns(self, uri: str) -> Columns:
        """The column converter of a document as the server has it (open, or on disk)."""
        return Columns(self.document(uri)[1])

    def analysis(self, uri: str) -> tuple[str, Analysis]:
        path = path_of(uri)
        return path, self.store.analysis_of(path)

    def refresh(self, path: str) -> None:
        """Analyse the knowledge base holding `path` and publish diagnostics for its open files (a FHIR
        bindings file, `<version>.fhir.yaml`, is checked with it as saved)."""
        bindings = path.endswith(BINDINGS)
        if path.endswith(CASE_SUFFIXES) and not bindings:
            self._refresh_lenses()
            return
        if not path.endswith(".eligo") and not bindings:
            return
        root = self.store.root_of(path)
        analysis = self.store.analyse(root)
        for open_path in list(self.store.open):
            if open_path in analysis.diagnostics or (open_path.endswith(BINDINGS) and self.store.root_of(open_path) == root):
                uri = uri_of(open_path)
                found = [to_diagnostic(d) for d in analysis.diagnostics.get(open_path, [])]
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                    uri=uri, version=self.versions.get(open_path), diagnostics=to_client(found, uri, self.columns)))

    def _refresh_lenses(self) -> None:
        """Ask the client to request code lenses again (a case file changed beside a guideline)."""
        workspace = self.client_capabilities.workspace
        if workspace is not None and workspace.code_lens is not None and workspace.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)


def _guarded(default: Callable[[], Any], sources_only: bool = False) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run a handler; on any exception log it with its traceback and answer `default()`. With `sources_only`,
    a request about another document than an Eligo source (a case file opened beside it) answers `default()`."""
    def wrap(handler: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(handler)
        def run(server: EligoServer, params: Any) -> T:
            document = getattr(params, "text_document", None)
            if sources_only and (document is None or not str(document.uri).endswith(".eligo")):
                answer: T = default()
                return answer
            try:
                if document is None:
                    return handler(server, params)
                converted: T = to_client(handler(server, from_client(params, server.columns(document.uri))),
                                         document.uri, server.columns)
                return converted
            except Exception:  # a request about a broken source answers nothing; the server goes on
                log.error("%s failed:\n%s", handler.__name__, traceback.format_exc())
                server.window_log_message(lsp.LogMessageParams(lsp.MessageType.Error,
                                                               f"eligo: {handler.__name__} failed: "
                                                               f"{traceback.format_exc(limit=3)}"))
                fallback: T = default()
                return fallback
        return run
    return wrap


def _none() -> None:
    return None


def _empty() -> list[Any]:
    return []


def build() -> EligoServer:
    """A server with every feature registered."""
    server = EligoServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @_guarded(_none)
    def did_open(ls: EligoServer, params: lsp.DidOpenTextDocumentParams) -> None:
        path = path_of(params.text_document.uri)
        ls.versions[path] = params.text_document.version
        ls.store.set_text(path, params.text_document.text)
        ls.refresh(path)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @_guarded(_none)
    def did_change(ls: EligoServer, params: lsp.DidChangeTextDocumentParams) -> None:
        document = ls.workspace.get_text_document(params.text_document.uri)
        path = path_of(params.text_document.uri)
        ls.versions[path] = params.text_document.version
        ls.store.set_text(path, document.source)
        if not path.endswith(BINDINGS):  # a bindings file is checked as saved (on open and on save)
            ls.refresh(path)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    @_guarded(_none)
    def did_save(ls: EligoServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.refresh(path_of(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @_guarded(_none)
    def did_close(ls: EligoServer, params: lsp.DidCloseTextDocumentParams) -> None:
        path = path_of(params.text_document.uri)
        ls.versions.pop(path, None)
        ls.store.set_text(path, None)
        ls.store.forget_disk(path)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                           diagnostics=[]))
        for other in list(ls.store.open):
            if other.endswith(".eligo"):
                ls.refresh(other)
                break

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @_guarded(_none)
    def watched(ls: EligoServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = path_of(change.uri)
            if path not in ls.store.open:
                ls.store.forget_disk(path)
                ls.refresh(path)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @_guarded(_none, sources_only=True)
    def on_hover(ls: EligoServer, params: lsp.HoverParams) -> lsp.Hover | None:
        path, analysis = ls.analysis(params.text_document.uri)
        return hover.hover(analysis, path, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=[".", "=", " ", ","]))
    @_guarded(_empty, sources_only=True)
    def on_completion(ls: EligoServer, params: lsp.CompletionParams) -> list[lsp.CompletionItem]:
        path, text = ls.document(params.text_document.uri)
        return completion.complete(ls.store.analysis_of(path), path, text, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    @_guarded(_empty, sources_only=True)
    def on_definition(ls: EligoServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
        path, analysis = ls.analysis(params.text_document.uri)
        return navigation.definition(analysis, path, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    @_guarded(_empty, sources_only=True)
    def on_references(ls: EligoServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
        path, analysis = ls.analysis(params.text_document.uri)
        return navigation.references(analysis, path, params.position, params.context.include_declaration)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    @_guarded(_empty, sources_only=True)
    def on_highlight(ls: EligoServer, params: lsp.DocumentHighlightParams) -> list[lsp.DocumentHighlight]:
        path, analysis = ls.analysis(params.text_document.uri)
        return navigation.highlights(analysis, path, params.position)

    @server.feature(lsp.WORKSPACE_SYMBOL)
    @_guarded(_empty)
    def on_workspace_symbol(ls: EligoServer, params: lsp.WorkspaceSymbolParams) -> list[lsp.WorkspaceSymbol]:
        for folder in ls.workspace.folders.values():  # the knowledge bases marked at, above or just below them
            here = Path(path_of(folder.uri))
            marked = discover.find_root(here) if here.is_dir() else None
            roots = [marked] if marked else [m.parent for pattern in ("*/eligo.toml", "*/*/eligo.toml")
                                             for m in sorted(here.glob(pattern))] if here.is_dir() else []
            for root in roots:
                if root not in ls.store.analyses:
                    ls.store.analyse(root)
        found = navigation.workspace_symbols(list(ls.store.analyses.values()), params.query)
        return [to_client(symbol, symbol.location.uri, ls.columns) for symbol in found]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    @_guarded(_none, sources_only=True)
    def on_prepare_rename(ls: EligoServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
        path, analysis = ls.analysis(params.text_document.uri)
        return navigation.prepare_rename(analysis, path, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def on_rename(ls: EligoServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        if not params.text_document.uri.endswith(".eligo"):
            return None
        path, analysis = ls.analysis(params.text_document.uri)
        position = ls.columns(params.text_document.uri).from_client(params.position)
        try:
            edit = navigation.rename(analysis, path, position, params.new_name)
            return to_client(edit, params.text_document.uri, ls.columns) if edit is not None else None
        except navigation.RenameRefused as refused:  # the client shows the reason to the author
            raise JsonRpcInvalidParams(str(refused)) from refused

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    @_guarded(_empty, sources_only=True)
    def on_formatting(ls: EligoServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
        path, text = ls.document(params.text_document.uri)
        return actions.format_edits(text, path)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    @_guarded(_empty, sources_only=True)
    def on_code_action(ls: EligoServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        path, text = ls.document(params.text_document.uri)
        return actions.code_actions(ls.store.analysis_of(path), path, text, params)

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, outline.LEGEND)
    @_guarded(lambda: lsp.SemanticTokens(data=[]), sources_only=True)
    def on_semantic_tokens(ls: EligoServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
        path, text = ls.document(params.text_document.uri)
        return outline.semantic_tokens(ls.store.analysis_of(path), path, text)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @_guarded(_empty, sources_only=True)
    def on_document_symbol(ls: EligoServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        path, analysis = ls.analysis(params.text_document.uri)
        return outline.document_symbols(analysis, path)

    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    @_guarded(_empty, sources_only=True)
    def on_folding(ls: EligoServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
        _, text = ls.document(params.text_document.uri)
        return outline.folding_ranges(text)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
    @_guarded(_empty)
    def on_code_lens(ls: EligoServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
        path, text = ls.document(params.text_document.uri)
        if path.endswith(CASE_SUFFIXES):
            return lenses.case_lenses(ls.store, path, text)
        return lenses.example_lenses(ls.store, path)

    return server


def main() -> None:
    """Serve over stdin and stdout until the client exits."""
    logging.basicConfig(level=logging.WARNING, format="eligo lsp: %(message)s")
    build().start_io()
