"""`eligo init`: a knowledge base that checks, tests and builds its site with the documented minimal mkdocs.yml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from typer.testing import CliRunner

import eligo
from eligo.cli.main import app

FILES = ("eligo.toml", "thoracic/lung_metastasectomy/1.0.0.eligo", "mkdocs.yml", "docs/about.md",
         ".github/workflows/eligo.yml", ".gitignore")


def init(root: Path, *extra: str) -> tuple[int, str]:
    run = CliRunner().invoke(app, ["init", str(root), "--guideline", "thoracic.lung_metastasectomy",
                                   "--committee", "Thoracic tumour board", *extra])
    return run.exit_code, run.output


def build_site(root: Path) -> Path:
    config = load_config(str(root / "mkdocs.yml"), strict=True)
    build(config)
    return root / "site"


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    code, output = init(tmp_path / "kb")
    assert code == 0, output
    return tmp_path / "kb"


def test_init_writes_a_knowledge_base_that_checks_and_passes_its_examples(scaffolded: Path) -> None:
    assert sorted(str(p.relative_to(scaffolded)) for p in scaffolded.rglob("*") if p.is_file()) == sorted(FILES)
    kb = eligo.load(scaffolded)
    assert [d for d in kb.check() if d.is_error or d.severity == "warning"] == []
    guideline = kb.guideline("thoracic.lung_metastasectomy", allow_draft=True)
    runs = guideline.run_examples()
    assert len(runs) == 3 and all(run.passed for run in runs), [run.problems for run in runs]
    workflow = (scaffolded / ".github" / "workflows" / "eligo.yml").read_text(encoding="utf-8")
    assert "eligo check . && eligo test ." in workflow and "mkdocs build --strict" in workflow


def test_the_minimal_site_of_a_new_knowledge_base_builds_strictly(scaffolded: Path) -> None:
    site = build_site(scaffolded)
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>Home - Thoracic tumour board guidelines</title>" in home and ">Thoracic tumour board guidelines<" in home
    assert "authoring/" not in home and "FOLFIRINOX" not in home  # only links and words of this knowledge base
    assert "for example\n<em>thoracic</em>" in home
    page = (site / "guidelines" / "thoracic.lung_metastasectomy" / "1.0.0" / "index.html").read_text(encoding="utf-8")
    assert "Draft: not approved" in page and 'class="eligo-graph-svg"' in page and "assets/eligo.css" in page
    assert 'class="admonition warning"' in page  # the plugin added the Markdown extensions it needs


def test_a_site_with_its_own_home_page_keeps_it(scaffolded: Path) -> None:
    (scaffolded / "docs" / "index.md").write_text("# Our committee\n\nSee [the guidelines](guidelines/index.md).\n",
                                                  encoding="utf-8")
    home = (build_site(scaffolded) / "index.html").read_text(encoding="utf-8")
    assert ">Our committee<" in home and 'href="guidelines/"' in home


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "mkdocs.yml").write_text("site_name: ours\n", encoding="utf-8")
    code, output = init(root)
    assert code == 2
    assert "nothing written: these files exist already: " in output and str(root / "mkdocs.yml") in output
    assert sorted(os.listdir(root)) == ["mkdocs.yml"]
    assert (root / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: ours\n"


def test_init_refuses_a_guideline_id_that_is_not_area_dot_name(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["init", str(tmp_path / "kb"), "--guideline", "Thoracic"])
    assert run.exit_code == 2 and "write it as area.name in lower case" in run.output
    assert not (tmp_path / "kb").exists()
