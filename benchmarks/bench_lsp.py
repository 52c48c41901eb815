"""Diagnostics after a one-line edit in the generated 1,000-rule knowledge base, against a full `eligo check`.

`python benchmarks/bench_lsp.py [--runs N]` prints, from one run, the median of:

- a full check: load the knowledge base from disk and `check()` it (what `eligo check` does after start-up);
- the server's analysis after a one-line edit (`Store.analyse`, what `textDocument/didChange` runs);
- the same end to end: `eligo lsp` in a subprocess, a real client over stdio, from sending `didChange` to
  receiving `publishDiagnostics`;

and the ratio of each edit measure to the full check (the target: at most 0.2).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

import eligo
from eligo.lsp.workspace import Store

sys.path.insert(0, str(Path(__file__).parent))  # large.py, beside this script, generates the knowledge base
import large


def write_kb(folder: Path) -> tuple[Path, str]:
    path = folder / "bench" / "large" / "1.0.0.eligo"
    path.parent.mkdir(parents=True)
    text = large.source()
    path.write_text(text, encoding="utf-8")
    return path, text


def edited_lines(text: str, count: int) -> tuple[int, list[str]]:
    """The index of a line holding a threshold, and `count` successive versions of it (each differs from the
    one before it)."""
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("define d") and "<= " in line)
    head, _, tail = lines[index].partition("<= ")
    number = int(tail.split()[0])
    return index, [f"{head}<= {number + 1 + k % 2}{tail[len(str(number)):]}" for k in range(count)]


def edits(text: str, count: int) -> list[str]:
    """`count` versions of `text`, each differing from the one before it in one line."""
    index, versions = edited_lines(text, count)
    lines = text.split("\n")
    out = []
    for line in versions:
        lines[index] = line
        out.append("\n".join(lines))
    return out


def full_check(root: Path) -> float:
    start = time.perf_counter()
    eligo.load(root).check()
    return time.perf_counter() - start


class Server:
    """`eligo lsp` in a subprocess with a real client over stdio, and one document open in it."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text, self.version = path, text, 1
        self.client = LanguageClient("bench", "1")
        self.published: asyncio.Queue[float] = asyncio.Queue()

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.published.put_nowait(time.perf_counter())

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "eligo", "lsp")
        await self.client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(),
                                                                root_uri=self.path.parents[2].as_uri()))
        self.client.initialized(lsp.InitializedParams())
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(
            uri=self.path.as_uri(), language_id="eligo", version=1, text=self.text)))
        await self.published.get()

    async def edit(self, index: int, previous: str, new: str) -> float:
        """Seconds from sending a change of one line (as an editor sends it) to receiving the diagnostics."""
        self.version += 1
        changed = lsp.Range(lsp.Position(index, 0), lsp.Position(index, len(previous)))
        start = time.perf_counter()
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=self.path.as_uri(), version=self.version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=changed, text=new)]))
        return await self.published.get() - start

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


async def measure(root: Path, path: Path, text: str, runs: int) -> dict[str, list[float]]:
    """The three measures interleaved run by run, so that a busy machine slows them alike."""
    store = Store()
    store.analyse(store.set_text(str(path), text))
    server = Server(path, text)
    await server.start()
    index, lines = edited_lines(text, runs)
    versions = edits(text, runs)
    previous = text.split("\n")[index]
    samples: dict[str, list[float]] = {"full": [], "analysis": [], "server": []}
    full_check(root)  # warm the imports and the parser
    for k in range(runs):
        samples["full"].append(full_check(root))
        start = time.perf_counter()
        store.analyse(store.set_text(str(path), versions[k]))
        samples["analysis"].append(time.perf_counter() - start)
        samples["server"].append(await server.edit(index, previous, lines[k]))
        previous = lines[k]
    await server.stop()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path, text = write_kb(root)
        samples = asyncio.run(measure(root, path, text, runs))
    full, edit, served = (statistics.median(samples[k]) for k in ("full", "analysis", "server"))
    print(f"{large.RULES} rules, {large.DECISIONS} decisions, 200 definitions; medians of {runs} runs")
    print(f"full check (load + check):                      {full * 1000:7.1f} ms")
    print(f"analysis after a one-line edit (Store.analyse): {edit * 1000:7.1f} ms   ratio {edit / full:.3f}")
    print(f"eligo lsp, didChange -> publishDiagnostics:     {served * 1000:7.1f} ms   ratio {served / full:.3f}")
    print(f"target: at most 0.2 of a full check: {'met' if max(edit, served) <= 0.2 * full else 'not met'}")


if __name__ == "__main__":
    main()
