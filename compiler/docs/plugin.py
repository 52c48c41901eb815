"""The `eligo` MkDocs plugin: generates the guideline and reference pages at build time, in memory.

The smallest site of a knowledge base (what `eligo init` writes):

    site_name: Thoracic guidelines
    theme: material
    plugins:
      - search
      - eligo:
          knowledge: .                # the knowledge base, relative to mkdocs.yml

The plugin adds the Markdown extensions and the stylesheet its pages need, and generates the home page
unless `docs/index.md` exists. A nav entry whose target is `guidelines/index.md` is expanded into one
section per guideline (its overview and history page, then every version); without a nav, MkDocs lists
the pages itself. `mkdocs serve` watches the knowledge folder and, while a file has errors, shows them on
the site instead of failing the rebuild.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from eligo import dsl
from eligo.docs import library, links, reference, render

GUIDELINES_INDEX = "guidelines/index.md"
ASSETS = Path(__file__).with_name("assets")
STYLESHEET = "assets/eligo.css"
MARKDOWN_EXTENSIONS = ("admonition", "attr_list", "md_in_html", "tables", "toc", "pymdownx.details",
                       "pymdownx.superfences", "pymdownx.highlight")
log = logging.getLogger("mkdocs.plugins.eligo")


class EligoConfig(Config):  # type: ignore[no-untyped-call]
    knowledge = config_options.Type(str, default="../knowledge")


class EligoPlugin(BasePlugin[EligoConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.root = Path("knowledge")
        self.library: library.Library | None = None
        self.sources: dict[str, str] = {}
        self.graphs: dict[str, str] = {}
        self.tries: dict[str, str] = {}
        self.serving = False
        self.errors: str | None = None  # while serving: the diagnostics of a knowledge base that does not check

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        for extension in MARKDOWN_EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        if STYLESHEET not in [str(css) for css in config.extra_css]:
            config.extra_css.append(STYLESHEET)
        base = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        self.root = (base / self.config.knowledge).resolve()
        if not self.root.is_dir():
            raise PluginError(f"eligo: the knowledge folder {self.root} does not exist "
                              f"(set `knowledge:` under the eligo plugin in {config.config_file_path})")
        self.errors = None
        try:
            self.library = library.load(self.root)
        except dsl.EligoError as exc:
            sources = {d.span.path: Path(d.span.path).read_text(encoding="utf-8") for d in exc.diagnostics
                       if Path(d.span.path).is_file()}
            report = dsl.render_all(exc.diagnostics, sources)
            if not self.serving or self.library is None:
                raise PluginError(f"eligo: the knowledge base has errors:\n{report}") from None
            # `mkdocs serve` keeps this plugin between rebuilds (it has on_startup): the pages of the last
            # knowledge base that checked stay, each with the errors on top, so the browser shows them.
            log.info("eligo: the knowledge base has errors (shown on every page until they are fixed):\n%s", report)
            self.errors = report
        if config.nav is not None:
            config.nav = expand_nav(config.nav, self.library)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.library is not None, "on_config runs before on_files"
        try:
            generated = generate(self.library, config.use_directory_urls, config.site_name,
                                 {f.src_uri for f in files.documentation_pages()})
        except render.RenderError as exc:
            raise PluginError(f"eligo: {exc}") from exc
        self.sources, self.graphs, self.tries = generated.sources, generated.graphs, generated.tries
        for path, content in generated.files.items():
            if files.get_file_from_path(path) is not None:
                raise PluginError(f"eligo: {config.docs_dir}/{path} exists, but the plugin generates that page; "
                                  "remove the file")
            files.append(File.generated(config, path, content=content))
        return files

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        html = links.neutralise(html)
        if self.errors is not None:
            html = render.errors_banner(self.errors) + html
        for marker, inserts in ((render.SOURCE_MARKER, self.sources), (render.GRAPH_MARKER, self.graphs),
                                (render.TRY_MARKER, self.tries)):
            insert = inserts.get(page.file.src_uri)
            if insert is None:
                continue
            if marker not in html:
                raise PluginError(f"eligo: {page.file.src_uri} lost its marker {marker} in Markdown conversion")
            html = html.replace(marker, insert, 1)
        return html

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        server.watch(str(self.root))
        return server


def generate(lib: library.Library, directory_urls: bool = True, site_name: str = "Eligo guidelines",
             pages: set[str] | frozenset[str] = frozenset()) -> render.Generated:
    """Every generated file of the site, by path under docs_dir; `pages` are the site's own Markdown pages
    (its own `index.md` replaces the generated home page; the home links only to pages that exist)."""
    from eligo.cli.main import app as cli_app
    from eligo.dsl.codes import CATALOGUE

    site = render.pages(lib, directory_urls, site_name, pages)
    for asset in sorted(ASSETS.iterdir()):
        site.files[f"assets/{asset.name}"] = asset.read_bytes()
    site.files["reference/cli.md"] = reference.cli_page(cli_app)
    site.files["reference/diagnostics.md"] = reference.diagnostics_page(CATALOGUE)
    return site


def expand_nav(nav: list[Any], lib: library.Library) -> list[Any]:
    """Replace the `guidelines/index.md` entry with a section per guideline and its versions."""
    def entry(g: library.GuidelineDoc) -> dict[str, list[Any]]:
        versions: list[Any] = [f"guidelines/{g.id}/index.md"]
        for doc in reversed(g.versions):
            state = g.state(doc)
            versions.append({f"Version {doc.version} ({state})": f"guidelines/{g.id}/{doc.version}.md"})
        return {g.current.title: versions}

    def section() -> list[Any]:
        ordered = sorted(lib.guidelines, key=lambda g: g.current.title.lower())
        shared = [entry(g) for g in ordered if g.area == render.SHARED_AREA]
        items: list[Any] = [GUIDELINES_INDEX, *(entry(g) for g in ordered if g.area != render.SHARED_AREA)]
        return items + ([{"Shared modules": shared}] if shared else [])

    out: list[Any] = []
    for item in nav:
        if isinstance(item, dict) and len(item) == 1:
            (title, target), = item.items()
            if target == GUIDELINES_INDEX:
                out.append({title: section()})
            elif isinstance(target, list):
                out.append({title: expand_nav(target, lib)})
            else:
                out.append(item)
        else:
            out.append(item)
    return out
