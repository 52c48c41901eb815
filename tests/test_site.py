"""The documentation site: a strict MkDocs build of the shipped knowledge base, checked page by page."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError

import eligo
from eligo import dsl
from eligo.cli.main import app as cli_app
from eligo.docs import library, plugin, prose, reference
from eligo.docs.render import eligo_html
from eligo.dsl import ast
from eligo.dsl.codes import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
MKDOCS_YML = ROOT / "site" / "mkdocs.yml"
KNOWLEDGE = ROOT / "knowledge"
SKETCH = ROOT / "tests" / "fixtures" / "valid" / "sketch.eligo"
ELIGO_FENCE = re.compile(r"^```eligo[^\n]*\n(.*?)^```", re.S | re.M)


def build_site(knowledge: Path, site_dir: Path) -> None:
    """`mkdocs build --strict -f site/mkdocs.yml` with the plugin pointed at `knowledge`."""
    config = load_config(str(MKDOCS_YML), site_dir=str(site_dir), strict=True)
    config.plugins["eligo"].config["knowledge"] = str(knowledge)
    build(config)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(KNOWLEDGE, out)
    return out


@pytest.fixture(scope="module")
def kb() -> eligo.KnowledgeBase:
    return eligo.load(KNOWLEDGE)


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the build and its pages


def test_every_guideline_and_version_has_its_page(site: Path, kb: eligo.KnowledgeBase) -> None:
    assert kb.ids(), "the shipped knowledge base has guidelines"
    home = page(site, "")
    for gid in kb.ids():
        overview = page(site, f"guidelines/{gid}")
        assert f'href="guidelines/{gid}/"' in home
        for module in kb.versions(gid):
            version = module.header.version
            html = page(site, f"guidelines/{gid}/{version}")
            assert f"<code>{gid}</code>" in html
            assert f'href="{version}/"' in overview


def test_every_rule_appears_with_its_prose_and_source(site: Path, kb: eligo.KnowledgeBase) -> None:
    for gid in kb.ids():
        for module in kb.versions(gid):
            html = page(site, f"guidelines/{gid}/{module.header.version}")
            for decision in module.decisions:
                assert f'id="decision-{decision.name}"' in html
                for rule in decision.rules:
                    assert f'id="rule-{decision.name}-{rule.name}"' in html, (gid, rule.name)
                    assert f"<code>{rule.name}</code>" in html
                    for because in rule.notes.because:
                        assert all(word in html for word in re.findall(r"[A-Za-z]{5,}", because)[:4]), because


def test_each_version_page_shows_its_dependency_graph(site: Path, kb: eligo.KnowledgeBase) -> None:
    """An inline SVG whose boxes link to their sections (a separate matplotlib .svg before issue 15)."""
    for gid in kb.ids():
        for module in kb.versions(gid):
            version = module.header.version
            html = page(site, f"guidelines/{gid}/{version}")
            svg = html[html.index('<svg class="eligo-graph-svg"'):]
            svg = svg[:svg.index("</svg>")]
            assert 'data-layout="elk"' in svg, "laid out by elkjs (npm ci)"
            for decision in module.decisions:
                assert f'href="#decision-{decision.name}"' in svg
                assert f"<title>{prose.humanize(decision.name).capitalize()}</title>" in svg
                for number, rule in enumerate(decision.rules, start=1):
                    assert f'href="#rule-{decision.name}-{rule.name}"' in svg
                    assert f"<title>Rule {number}: {prose.humanize(rule.name)}</title>" in svg
            for anchor in re.findall(r'href="#([^"]+)"', svg):
                assert f'id="{anchor}"' in html, (gid, version, anchor)


def test_the_source_is_highlighted_with_line_anchors(site: Path) -> None:
    html = page(site, "guidelines/colorectal.liver_metastasectomy/1.0.0")
    source = html[html.index('class="eligo-source"'):]
    assert '<a id="src-1" name="src-1"></a>' in source
    assert re.search(r'<span class="k[a-z]*">guideline</span>', source), "keywords carry Pygments classes"
    assert "liver_metastasectomy" in source
    assert "eligo:source" not in html  # the marker is replaced after Markdown conversion


def test_the_colorectal_decision_reads_as_plain_english(site: Path, kb: eligo.KnowledgeBase) -> None:
    module = kb.versions("colorectal.liver_metastasectomy")[-1]
    html = page(site, f"guidelines/colorectal.liver_metastasectomy/{module.header.version}")
    decision = module.decisions[0]
    topic = prose.humanize(decision.name)
    assert f"A patient is <strong>a candidate</strong> for {topic} when all of the following hold:" in html
    assert f"A patient is <strong>not a candidate</strong> for {topic} when" in html
    # a name from a used module links to its definition on that module's page
    assert re.search(r'<a href="\.\./\.\./core\.oligometastatic/2\.0\.0/#define-oligometastatic">', html)


def test_every_page_has_its_inputs_tables_examples_properties_and_references(
        site: Path, kb: eligo.KnowledgeBase) -> None:
    for gid in kb.ids():
        for module in kb.versions(gid):
            version = module.header.version
            html = page(site, f"guidelines/{gid}/{version}")
            guideline = kb.guideline(gid, version=version, allow_draft=True)
            for name in guideline.inputs:  # its own inputs and those of the modules it uses
                assert f'<span id="input-{name}"></span>' in html, (gid, name)
            for table in module.tables:
                assert f'id="table-{table.name}"' in html
            for example in module.examples:  # anchors from titles, not positions (changed deliberately)
                slug = re.sub(r"[^a-z0-9]+", "-", example.title.lower()).strip("-")[:60].rstrip("-")
                assert f'id="example-{slug}' in html, example.title
            assert html.count("The guideline gives the expected answer") == sum(
                run.passed for run in guideline.run_examples())
            for prop in module.properties:
                assert all(word in html for word in re.findall(r"[A-Za-z]{5,}", prop.title)[:4]), prop.title
            assert "Not yet verified." not in html and "Does not hold." not in html
            assert html.count("<em>Proved</em>") + html.count("<em>Checked, no counterexample found</em>") == len(
                module.properties)
            for ref in module.references:
                assert f'<span id="ref-{ref.key}"></span>' in html
                if ref.doi:
                    assert f'href="https://doi.org/{ref.doi}"' in html
                if ref.pmid:
                    assert f'href="https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"' in html


def test_every_version_page_says_where_it_stands(site: Path) -> None:
    old = page(site, "guidelines/sarcoma.pulmonary_metastasectomy/1.0.0")
    assert "version 1.0.0 · superseded</small>" in old
    assert 'Version 1.0.0 was superseded by <strong><a href="../3.0.0/">version 3.0.0</a></strong>, in force since ' \
           "2026-12-01. What changed: " in old
    banner = old[old.index("Superseded: this is not the version in force"):old.index("Use version 3.0.0 for patients")]
    assert "12 months → 24 months" in banner
    middle = page(site, "guidelines/sarcoma.pulmonary_metastasectomy/2.0.0")
    assert "version 2.0.0 · superseded</small>" in middle
    current = page(site, "guidelines/sarcoma.pulmonary_metastasectomy/3.0.0")
    assert "version 3.0.0 · in force</small>" in current and "superseded by" not in current
    draft = page(site, "guidelines/pancreas.liver_metastases/1.0.0")
    assert "version 1.0.0 · draft</small>" in draft and "Draft: not approved" in draft
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    boost = {d["location"]: d.get("boost", 1.0) for d in index["docs"] if "#" not in d["location"]}
    assert boost["guidelines/sarcoma.pulmonary_metastasectomy/3.0.0/"] > boost["guidelines/sarcoma.pulmonary_metastasectomy/"]
    assert boost["guidelines/sarcoma.pulmonary_metastasectomy/1.0.0/"] < 1 and boost["api/eligo/"] < 1


def test_worked_examples_show_how_the_answer_was_reached(site: Path) -> None:
    html = page(site, "guidelines/colorectal.liver_metastasectomy/1.0.0")
    assert "how the answer was reached" in html  # as prose, no longer a dump ("checked:" changed deliberately)
    assert "Rule 6, <em>DFI not favourable</em> (discuss at tumour board), does not apply" in html
    assert "is 17.4 months, more than 12 months" in html  # a threshold of a shared module, shown in place
    assert "<p><strong>Liver metastasectomy: candidate</strong> (no rule applies" in html  # its own paragraph
    explanation = html[html.index("how the answer was reached"):]
    explanation = explanation[:explanation.index("</details>")]
    assert "not oligo.oligometastatic" not in explanation and "→ no" not in explanation


def test_version_history_shows_the_threshold_change_and_affected_cases(site: Path) -> None:
    html = page(site, "guidelines/sarcoma.pulmonary_metastasectomy")
    assert "1.0.0 → 2.0.0" in html
    assert "12 months → 24 months" in html
    assert "Cases whose decision changes" in html
    assert "discuss_at_tumour_board" in html
    newest = html[html.index("<details"):html.index("</details>")]  # newest first: 2.0.0 → 3.0.0, the lesion list
    assert "use core.oligometastatic" in newest
    start = html.index("<details", html.rindex("1.0.0 → 2.0.0"))
    details = html[start:html.index("</details>", start)]
    assert "Source before and after each change" in details
    assert details.count('<div class="highlight"><pre>') >= 2 and "favourable_sarcoma_over_24" in details


class _Loads(HTMLParser):
    """Collects every URL a page would load: src/href of script, link, img, iframe and media tags."""

    TAGS = frozenset({"script", "link", "img", "iframe", "source", "video", "audio", "embed", "object", "image"})

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.TAGS:
            for name, value in attrs:
                if name in ("src", "href", "data", "srcset", "xlink:href") and value:
                    self.urls.append((tag, value))
        for name, value in attrs:
            if name == "style" and value and "url(" in value:
                self.urls.append((tag, value))


def test_no_page_loads_anything_from_outside(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    for html_file in pages:
        parser = _Loads()
        parser.feed(html_file.read_text(encoding="utf-8"))
        assert parser.urls, html_file  # every page loads the bundled CSS and JS
        external = [(tag, url) for tag, url in parser.urls if re.search(r"(https?:)?//", url)]
        assert external == [], f"{html_file.relative_to(site)} loads {external}"
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css
        assert "fonts.googleapis" not in css.read_text(encoding="utf-8")


def test_search_index_finds_drug_site_and_threshold_words(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]

    def locations(word: str) -> set[str]:
        return {d["location"].split("#")[0] for d in docs if word.lower() in (d["title"] + d["text"]).lower()}

    assert "guidelines/pancreas.liver_metastases/1.0.0/" in locations("FOLFIRINOX")
    assert "guidelines/pancreas.liver_metastases/1.0.0/" in locations("pancreas")
    assert "guidelines/sarcoma.pulmonary_metastasectomy/2.0.0/" in locations("24 months")


def test_diagnostics_catalogue_has_every_code_with_examples(site: Path) -> None:
    html = page(site, "reference/diagnostics")
    for code in CATALOGUE.values():
        assert f'id="{code.code.lower()}"' in html, code.code
    assert html.count("Wrong (<code>") == sum(1 for c in CATALOGUE.values() if c.wrong)
    assert "more characters" in html  # E001's megabyte line is shortened
    # what Eligo prints for each wrong example, produced by the parser or checker at build time
    assert html.count("Eligo says:") == sum(1 for c in CATALOGUE.values() if c.stage in ("parse", "check"))
    for code in ("E015", "E100"):
        headline = reference.eligo_says(CATALOGUE[code]).splitlines()[0]
        assert headline.startswith(f"knowledge/{CATALOGUE[code].path}:") and f"error[{code}]" in headline
        assert headline in html


def test_cli_reference_lists_every_command(site: Path) -> None:
    html = page(site, "reference/cli")
    for command in reference.cli_commands(cli_app):
        assert f'id="{command["anchor"]}"' in html
        assert command["usage"].split()[0] == "eligo"


def test_cli_reference_shows_what_to_type_not_python_types(site: Path) -> None:
    html = page(site, "reference/cli")
    assert "&lt;list[Path]&gt;" not in html and "&lt;str&gt;" not in html and "&lt;path&gt;" not in html
    assert "<code>--kb PATH</code>" in html and 'id="eligo-init"' in html


def test_api_reference_is_generated_from_docstrings(site: Path) -> None:
    assert "Load a knowledge base from folders or files" in page(site, "api/eligo")
    assert "Parse Eligo source; raise EligoError" in page(site, "api/dsl")


def test_the_api_page_documents_the_public_names_and_its_example_runs(site: Path, capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    html = page(site, "api/eligo")
    documented = set(re.findall(r'id="(eligo\.[A-Za-z_]+)"', html))
    assert documented == {f"eligo.{name}" for name in eligo.__all__ if name != "__version__"}
    example = re.search(r"```python\n(.*?)```", (ROOT / "site" / "docs" / "api" / "eligo.md").read_text("utf-8"), re.S)
    assert example is not None
    monkeypatch.chdir(ROOT)
    exec(compile(example.group(1), "api/eligo.md", "exec"), {})
    assert capsys.readouterr().out.startswith("lesion_cuont: is not an input of this guideline")


def test_nothing_generated_is_written_into_the_docs_folder() -> None:
    docs = ROOT / "site" / "docs"
    assert not (docs / "guidelines").exists()
    assert not (docs / "index.md").exists()
    assert not (docs / "reference" / "cli.md").exists()


# ---------------------------------------------------------------- hand-written pages


def _blocks() -> list[tuple[str, int, str]]:
    out = []
    for path in sorted((ROOT / "site" / "docs").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in ELIGO_FENCE.finditer(text):
            out.append((str(path.relative_to(ROOT)), text[: match.start()].count("\n") + 1, match.group(1)))
    return out


BLOCKS = _blocks()


def test_the_authoring_pages_have_many_eligo_examples() -> None:
    blocks = BLOCKS
    assert len(blocks) >= 15
    for construct in ("use ", "reference ", "kind ", "input ", "define ", "table ", "decision ", "example ",
                      "property ", "unique", "collect", "first known of", "between", " is missing", "otherwise"):
        assert any(construct in source for _, _, source in blocks), construct


@pytest.mark.parametrize(("path", "line", "source"), BLOCKS, ids=[f"{p}:{n}" for p, n, _ in BLOCKS])
def test_every_eligo_block_in_the_docs_parses_and_checks(path: str, line: int, source: str) -> None:
    name = f"{path}:{line}"
    module = dsl.parse(source, name)
    if not module.uses:  # a block that uses another module is checked with it in the knowledge base
        errors = [d for d in eligo.check_source(source, name) if d.is_error]
        assert errors == [], dsl.render_all(errors, {name: source})


# ---------------------------------------------------------------- the plugin on other knowledge bases


CORE = """guideline core.oligometastatic
  version 1.0.0
  status approved
  effective 2025-01-01

input lesion_count: count from 0 to 100
input organ_count: count from 0 to 10

define oligometastatic: lesion_count <= 5 and organ_count <= 3
"""


def _sketch_kb(root: Path) -> Path:
    (root / "core" / "oligometastatic").mkdir(parents=True)
    (root / "core" / "oligometastatic" / "1.0.0.eligo").write_text(CORE, encoding="utf-8")
    target = root / "colorectal" / "liver_metastasectomy"
    target.mkdir(parents=True)
    shutil.copy(SKETCH, target / "2.0.0.eligo")
    older = SKETCH.read_text(encoding="utf-8").replace("version 2.0.0", "version 1.0.0").replace(
        "  supersedes 1.0.0\n", "").replace("renal_cell            24 months", "renal_cell            12 months")
    (target / "1.0.0.eligo").write_text(older, encoding="utf-8")
    return root


def test_a_knowledge_folder_from_the_config_is_built(tmp_path: Path) -> None:
    knowledge = _sketch_kb(tmp_path / "kb")
    build_site(knowledge, tmp_path / "out")
    history = page(tmp_path / "out", "guidelines/colorectal.liver_metastasectomy")
    assert "table favourable_dfi_after row renal_cell" in history and "12 months → 24 months" in history
    html = page(tmp_path / "out", "guidelines/colorectal.liver_metastasectomy/2.0.0")
    table = html[html.index('id="table-favourable_dfi_after"'):html.index('id="inputs"')]
    assert "<td>Colorectal cancer</td>" in table and "<td>renal cell</td>" in table  # kind labels


def test_labels_name_definitions_and_rules_for_readers(tmp_path: Path) -> None:
    knowledge = _sketch_kb(tmp_path / "kb")
    target = knowledge / "colorectal" / "liver_metastasectomy" / "2.0.0.eligo"
    text = target.read_text(encoding="utf-8")
    text = text.replace('  because "A longer DFI implies slower growth."',
                        '  label "DFI long enough for the site"\n  because "A longer DFI implies slower growth."')
    text = text.replace("rule polymetastatic: when not oligo.oligometastatic then not_candidate",
                        'rule polymetastatic: when not oligo.oligometastatic then not_candidate label "SBRT-era polymetastatic"')
    target.write_text(text, encoding="utf-8")
    build_site(knowledge, tmp_path / "out")
    html = page(tmp_path / "out", "guidelines/colorectal.liver_metastasectomy/2.0.0")
    assert '<h3 id="define-favourable_dfi">DFI long enough for the site' in html
    assert '<h4 id="rule-metastasectomy-polymetastatic">Rule 1: SBRT-era polymetastatic → not candidate' in html
    assert ">DFI long enough for the site</a> is yes" in html or ">DFI long enough for the site</a> holds" in html
    assert "<title>Rule 1: SBRT-era polymetastatic</title>" in html and "<title>DFI long enough for the site</title>" in html


def test_without_node_the_graph_falls_back_to_a_layered_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eligo.docs import graph, render

    lib = library.load(_sketch_kb(tmp_path / "kb"))
    doc = lib.guidelines[0].versions[-1]
    diagram = render.diagram(lib, doc)
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    placed, = graph.lay_out([diagram])
    assert placed.engine == "layered" and set(placed.at) == {box.id for box in diagram.boxes}
    svg = graph.svg(placed)
    assert 'data-layout="layered"' in svg and svg.count('<a class="eligo-node') == len(diagram.boxes)
    corners = sorted(placed.at.values())
    assert len(set(corners)) == len(corners), "no two boxes in the same place"


def test_links_in_guideline_text_and_references_cannot_run_script(tmp_path: Path) -> None:
    knowledge = _sketch_kb(tmp_path / "kb")
    target = knowledge / "colorectal" / "liver_metastasectomy" / "2.0.0.eligo"
    text = target.read_text(encoding="utf-8")
    text = text.replace('because "A longer DFI implies slower growth."',
                        'because "A longer DFI [implies](javascript:alert(1)) <a href=\'javascript:alert(2)\'>slower</a> '
                        'growth ![x](data:text/html,boom) <javascript:alert(3)>."')
    text = text.replace('evidence 2b', 'url "javascript:alert(document.cookie)" evidence 2b')
    text = text.replace('pmid "7799047"', 'pmid "7799047" url "https://example.org/a )b("')
    target.write_text(text, encoding="utf-8")
    build_site(knowledge, tmp_path / "out")
    html = page(tmp_path / "out", "guidelines/colorectal.liver_metastasectomy/2.0.0")
    attributes = re.findall(r"""(?:href|src)\s*=\s*["']?\s*([a-zA-Z][\w+.-]*):""", html)
    assert set(attributes) <= {"http", "https", "mailto"}, set(attributes)
    assert "A longer DFI [implies](javascript:alert(1)) &lt;a href=" in html  # shown as the author wrote it
    assert "link not shown (only http, https and mailto links are allowed)" in html
    assert 'href="https://example.org/a%20%29b%28"' in html


def configured(knowledge: Path) -> tuple[plugin.EligoPlugin, SimpleNamespace]:
    """The plugin after `on_config`, as MkDocs runs it for site/mkdocs.yml."""
    eligo = plugin.EligoPlugin()
    eligo.load_config({"knowledge": str(knowledge)})
    config = SimpleNamespace(config_file_path=str(MKDOCS_YML), nav=None, markdown_extensions=[], extra_css=[])
    eligo.on_config(config)
    return eligo, config


def test_a_knowledge_base_with_errors_fails_the_build_naming_the_place(tmp_path: Path) -> None:
    knowledge = _sketch_kb(tmp_path / "kb")
    broken = knowledge / "colorectal" / "liver_metastasectomy" / "2.0.0.eligo"
    broken.write_text(broken.read_text(encoding="utf-8").replace("when favourable_dfi and", "when favourable_df and"),
                      encoding="utf-8")
    with pytest.raises(PluginError) as raised:
        configured(knowledge)
    message = str(raised.value)
    assert f"{broken}:43:25: error[E100]" in message
    assert "error[E100]: `favourable_df` is not defined" in message
    assert "did you mean `favourable_dfi`?" in message


def test_serve_shows_the_diagnostics_of_a_broken_file_instead_of_failing(tmp_path: Path) -> None:
    """`mkdocs serve` keeps the plugin between rebuilds: a broken file puts its errors on the last good pages."""
    knowledge = _sketch_kb(tmp_path / "kb")
    config = load_config(str(MKDOCS_YML), site_dir=str(tmp_path / "out"), strict=True)
    config.plugins["eligo"].config["knowledge"] = str(knowledge)
    config.plugins["eligo"].on_startup(command="serve", dirty=False)
    build(config)
    broken = knowledge / "colorectal" / "liver_metastasectomy" / "2.0.0.eligo"
    good = broken.read_text(encoding="utf-8")
    broken.write_text(good.replace("when favourable_dfi and", "when favourable_df and"), encoding="utf-8")
    build(config)  # the rebuild after the edit must not fail, or the browser waits for ever
    for path in ("", "guidelines/colorectal.liver_metastasectomy/2.0.0", "authoring/tutorial"):
        html = page(tmp_path / "out", path)
        assert "The knowledge base has errors" in html, path
        assert "error[E100]: `favourable_df` is not defined" in html and "did you mean `favourable_dfi`?" in html
    broken.write_text(good, encoding="utf-8")
    build(config)
    assert "The knowledge base has errors" not in page(tmp_path / "out", "guidelines/colorectal.liver_metastasectomy/2.0.0")


def test_a_missing_knowledge_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match=r"eligo: the knowledge folder .*nowhere does not exist"):
        configured(tmp_path / "nowhere")


def test_a_broken_link_in_a_page_fails_the_strict_build(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    docs = tmp_path / "site" / "docs"
    shutil.copytree(ROOT / "site" / "docs", docs)
    shutil.copy(MKDOCS_YML, tmp_path / "site" / "mkdocs.yml")
    tutorial = docs / "authoring" / "tutorial.md"
    tutorial.write_text(tutorial.read_text(encoding="utf-8") + "\nSee [nothing](#no-such-anchor).\n", encoding="utf-8")
    config = load_config(str(tmp_path / "site" / "mkdocs.yml"), site_dir=str(tmp_path / "out"), strict=True)
    config.plugins["eligo"].config["knowledge"] = str(_sketch_kb(tmp_path / "kb"))
    config.plugins["mkdocstrings"].config["handlers"]["python"]["paths"] = [str(ROOT)]
    with caplog.at_level("WARNING", logger="mkdocs"), pytest.raises(Abort, match="Aborted with 1 warnings"):
        build(config)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["Doc file 'authoring/tutorial.md' contains a link '#no-such-anchor', but there is no such "
                        "anchor on this page."]


def test_serve_watches_the_knowledge_folder(tmp_path: Path) -> None:
    knowledge = _sketch_kb(tmp_path / "kb")
    eligo, config = configured(knowledge)
    watched: list[str] = []
    eligo.on_serve(SimpleNamespace(watch=watched.append), config=config, builder=None)
    assert watched == [str(knowledge.resolve())]


def test_a_version_approved_for_a_later_date_is_not_yet_in_force(tmp_path: Path) -> None:
    """The site speaks for its build date: an approved version effective later is not the one in force (what
    `eligo eval --as-of` that day would choose), and its page names the version that applies until then."""
    knowledge = _sketch_kb(tmp_path / "kb")
    newer = knowledge / "colorectal" / "liver_metastasectomy" / "2.0.0.eligo"
    newer.write_text(newer.read_text(encoding="utf-8").replace("effective 2026-01-01", "effective 2031-06-01"),
                     encoding="utf-8")
    (guideline,) = [g for g in library.load(knowledge, as_of=dt.date(2030, 1, 1)).guidelines
                    if g.id == "colorectal.liver_metastasectomy"]
    assert guideline.current.version == "1.0.0"
    assert [guideline.state(v) for v in guideline.versions] == ["in force", "not yet in force"]
    (later,) = [g for g in library.load(knowledge, as_of=dt.date(2031, 6, 1)).guidelines
                if g.id == "colorectal.liver_metastasectomy"]
    assert later.current.version == "2.0.0" and [later.state(v) for v in later.versions] == ["superseded", "in force"]
    build_site(knowledge, tmp_path / "out")  # built today, before 2031
    html = page(tmp_path / "out", "guidelines/colorectal.liver_metastasectomy/2.0.0")
    assert "Approved, not yet in force" in html and "comes into force on 2031-06-01" in html
    assert re.search(r'until then <a href="[^"]*1\.0\.0[^"]*">version 1\.0\.0</a> applies', html)
    older = knowledge / "colorectal" / "liver_metastasectomy" / "1.0.0.eligo"
    older.unlink()  # nothing in force yet: the latest approved is current, and says it is not yet in force
    (alone,) = [g for g in library.load(knowledge, as_of=dt.date(2030, 1, 1)).guidelines
                if g.id == "colorectal.liver_metastasectomy"]
    assert alone.current.version == "2.0.0" and alone.state(alone.current) == "not yet in force"


def test_the_nav_entry_expands_into_guidelines_and_versions(tmp_path: Path) -> None:
    lib = library.load(_sketch_kb(tmp_path / "kb"))
    nav = plugin.expand_nav([{"Home": "index.md"}, {"Guidelines": "guidelines/index.md"}, {"X": [{"Y": "y.md"}]}],
                            lib)
    assert nav == [
        {"Home": "index.md"},
        {"Guidelines": [
            "guidelines/index.md",
            {"Resection of colorectal liver metastases": [
                "guidelines/colorectal.liver_metastasectomy/index.md",
                {"Version 2.0.0 (in force)": "guidelines/colorectal.liver_metastasectomy/2.0.0.md"},
                {"Version 1.0.0 (superseded)": "guidelines/colorectal.liver_metastasectomy/1.0.0.md"},
            ]},
            {"Shared modules": [{"core.oligometastatic": [
                "guidelines/core.oligometastatic/index.md",
                {"Version 1.0.0 (in force)": "guidelines/core.oligometastatic/1.0.0.md"},
            ]}]},
        ]},
        {"X": [{"Y": "y.md"}]},
    ]


def test_eligo_html_uses_the_eligo_lexer() -> None:
    html = eligo_html("guideline a.b\n  version 1.0.0\n", anchors="L")
    assert '<a id="L-2" name="L-2"></a>' in html
    assert "highlighttable" in html


# ---------------------------------------------------------------- prose


def _module(body: str) -> ast.Module:
    return dsl.parse("guideline a.b\n  version 1.0.0\n" + body)


def _condition(body: str, define: str) -> list[str]:
    module = _module(body + f"define d: {define}\n")
    return prose.condition_lines(module.defines[-1].expr, prose.Vocabulary.of(module))


@pytest.mark.parametrize(("define", "expected"), [
    ("n > 3", ["[n](#input-n) is more than 3"]),
    ("not (n >= 3)", ["[n](#input-n) is less than 3"]),
    ("x", ["[x](#input-x) is yes"]),
    ("not x", ["[x](#input-x) is no"]),
    ("n is missing", ["[n](#input-n) is missing"]),
    ("not (n is missing)", ["[n](#input-n) is known"]),
    ("n between 1 and 4", ["[n](#input-n) is between 1 and 4 (inclusive)"]),
    ("s in {colorectal, pancreas}", ["[s](#input-s) is one of Colorectal cancer or pancreas"]),
    ("s not in {pancreas}", ["[s](#input-s) is none of pancreas"]),
    ("months between d1 and d2 > 12 months",
     ["the time in months from [D1](#input-d1) to [D2](#input-d2) is more than 12 months"]),  # was "the months between"
    ("first known of (p, q) <= -50%", ["the first known of [p](#input-p) and [q](#input-q) is at most −50%"]),
    ("(n + 1) * 2 > 3", ["([n](#input-n) plus 1) times 2 is more than 3"]),
    ("n > 3 and x", ["[n](#input-n) is more than 3 and [x](#input-x) is yes"]),
    ("n > 3 and x and n < 9", ["all of the following hold:", "- [n](#input-n) is more than 3",
                               "- [x](#input-x) is yes", "- [n](#input-n) is less than 9"]),
    ("not (x or n > 3)", ["none of the following holds:", "- [x](#input-x) is yes",
                          "- [n](#input-n) is more than 3"]),
    ("(n > 3 and x) or n = 0", ["at least one of the following holds:",
                                "- [n](#input-n) is more than 3 and [x](#input-x) is yes", "- [n](#input-n) is 0"]),
    ("(n > 3 and x and n < 9) or n = 0", ["at least one of the following holds:", "- all of the following hold:",
                                          "    - [n](#input-n) is more than 3", "    - [x](#input-x) is yes",
                                          "    - [n](#input-n) is less than 9", "- [n](#input-n) is 0"]),
])
def test_conditions_in_plain_english(define: str, expected: list[str]) -> None:
    body = ('kind site: colorectal "Colorectal cancer" | pancreas\ninput n: count\ninput x: yes/no\n'
            "input s: site\ninput d1: date\ninput d2: date\ninput p: percent\ninput q: percent\n")
    assert _condition(body, define) == expected


def test_rules_outcomes_and_properties_in_plain_english() -> None:
    module = _module("input n: count\ninput x: yes/no\n"
                     "decision resection: candidate > discuss > not_candidate, first match\n"
                     "  rule many: when n > 5 then not_candidate\n"
                     "  rule unsure: when not x then discuss\n"
                     "  otherwise candidate\n"
                     'property "p":\n  resection never decreases as n decreases\n')
    vocab = prose.Vocabulary.of(module)
    decision = module.decisions[0]
    assert prose.rule_prose("resection", "not_candidate", decision.rules[0].condition, vocab) == [
        "A patient is **not a candidate** for resection when [n](#input-n) is more than 5."]
    assert prose.outcome_summary(decision, vocab) == [
        ("candidate", ["A patient is **a candidate** for resection when all of the following hold:", "",
                       "- [n](#input-n) is at most 5", "- [x](#input-x) is yes"]),
        ("discuss", ["The resection decision is **discuss** when [x](#input-x) is no (rule `unsure`).", "",
                     "*(Rules are checked in order: an earlier rule that applies takes precedence.)*"]),
        ("not_candidate", ["A patient is **not a candidate** for resection when [n](#input-n) is more than 5 "
                           "(rule `many`)."]),
    ]
    assert prose.property_prose(module.properties[0].body, vocab) == (
        "When [n](#input-n) decreases and nothing else changes, [resection](#decision-resection) never moves "
        "to a worse outcome.")


def test_thresholds_of_used_modules_are_written_where_they_are_used(site: Path) -> None:
    html = page(site, "guidelines/colorectal.liver_metastasectomy/1.0.0")
    rule = html[html.index('id="rule-liver_metastasectomy-dfi_not_favourable"'):]
    rule = re.sub(r"<[^>]+>", "", rule[:rule.index("Because")])
    assert "favourable colorectal liver does not hold (it holds when disease free interval is more than 12 months)" \
        in rule, rule
    assert [prose.humanize(n) for n in ("sbrt", "sarcoma_threshold_12", "ct_scan")] == [
        "SBRT", "sarcoma threshold 12", "CT scan"]


def test_humanize_names() -> None:
    assert [prose.humanize(n) for n in ("r0_achievable", "ca19_9_change", "oligo.oligometastatic", "dfi")] == [
        "R0 achievable", "CA19-9 change", "oligometastatic", "DFI"]  # abbreviations in capitals (issue 15)
