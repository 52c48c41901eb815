"""`eligo init`: scaffold a committee's knowledge base: marker, a guideline with examples, the site, and CI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from eligo.cli.app import app, fail, out
from eligo.kb.discover import MARKER

GUIDELINE = '''\
# A first guideline: replace it with your committee's own. `eligo check` and `eligo test` read it.
guideline {id}
  version 1.0.0
  title "{title}"
  status draft
  effective {today}
  committee "{committee}"
  summary "Few lesions and a long disease-free interval: a candidate for metastasectomy"

reference seed "Replace with the guideline or trial your committee follows" evidence 5

input lesion_count: count from 0 to 100 "Metastatic lesions on current staging imaging"
input treatment_completed: date "Date the treatment of the primary tumour was completed"
input recurrence_detected: date, optional "Date the recurrence was first detected"

define disease_free_interval: months between treatment_completed and recurrence_detected

decision metastasectomy: candidate > discuss_at_tumour_board > not_candidate, first match
  rule too_many_lesions: when lesion_count > 3 then not_candidate
    because "More than three lesions suggest disease beyond what surgery can remove."
    cite seed
  rule short_interval: when disease_free_interval <= 12 months then discuss_at_tumour_board
    because "A recurrence within a year is a prognostic warning for the board to weigh."
    cite seed
  otherwise candidate
    because "Few lesions and a long disease-free interval."
    cite seed

example "Two lesions, 18 months after treatment: candidate":
  given lesion_count 2, treatment_completed 2023-01-10, recurrence_detected 2024-07-10
  expect metastasectomy = candidate

example "Exactly 12 months is not yet favourable":
  given lesion_count 2, treatment_completed 2023-01-10, recurrence_detected 2024-01-10
  expect metastasectomy = discuss_at_tumour_board by rule short_interval

example "Recurrence date not recorded":
  given lesion_count 2, treatment_completed 2023-01-10
  expect metastasectomy is unknown missing recurrence_detected
'''

MARKER_TEXT = '''\
# This folder is an Eligo knowledge base: `eligo` commands run anywhere below it find it by this file.
# Guidelines live in <area>/<name>/<version>.eligo; case files in cases/<guideline id>/.
'''

MKDOCS = '''\
# The documentation site of this knowledge base: `mkdocs build --strict` writes it into site/.
# The eligo plugin generates the home page (unless docs/index.md exists), one section per guideline and
# version, the diagnostics catalogue and the command-line reference; it adds the Markdown extensions it needs.
site_name: {title}
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false
plugins:
  - search
  - eligo:
      knowledge: .
'''

ABOUT = '''\
# About these guidelines

{committee} publishes its patient-selection guidelines here. Each guideline page says when a patient is
a candidate and why, with its sources, worked examples and every earlier version.
'''

CI = '''\
# Checks every guideline, runs every example and builds the site on each push and pull request.
name: eligo
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - uses: actions/setup-node@v4
        with:
          node-version: "20"
      - run: python -m pip install "eligo[docs]"
      - run: npm install --no-save elkjs  # lays out the site's dependency graphs (without it: a simpler layout)
      - run: eligo check . && eligo test .
      - run: mkdocs build --strict
'''

GITIGNORE = "/site/\n"


def scaffold(root: Path, guideline: str, committee: str, today: str) -> dict[Path, str]:
    """The files `eligo init` writes, by path, for a knowledge base at `root`."""
    area, name = guideline.split(".", 1)
    title = f"{committee} guidelines"
    return {
        root / MARKER: MARKER_TEXT,
        root / area / name / "1.0.0.eligo": GUIDELINE.format(id=guideline, title=name.replace("_", " ").capitalize(),
                                                            committee=committee, today=today),
        root / "mkdocs.yml": MKDOCS.format(title=title),
        root / "docs" / "about.md": ABOUT.format(committee=committee),
        root / ".github" / "workflows" / "eligo.yml": CI,
        root / ".gitignore": GITIGNORE,
    }


@app.command("init")
def init(
    path: Annotated[Path, typer.Argument(help="The folder of the new knowledge base (created if needed).")] = Path("."),
    guideline: Annotated[str, typer.Option("--guideline", help="Id of the first guideline, area.name.")]
    = "example.metastasectomy",
    committee: Annotated[str, typer.Option("--committee", help="The committee that maintains the guidelines.")]
    = "The tumour board",
) -> None:
    """Create a knowledge base: eligo.toml, a guideline with examples, the site's mkdocs.yml and a CI workflow."""
    import datetime as dt

    if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", guideline):
        raise fail(f"--guideline {guideline!r}: write it as area.name in lower case, e.g. thoracic.metastasectomy")
    files = scaffold(path, guideline, committee, dt.date.today().isoformat())
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise fail("nothing written: these files exist already: " + ", ".join(existing))
    written: list[Path] = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8") as handle:
                written.append(target)
                handle.write(text)
    except OSError as exc:
        for target in written:
            target.unlink(missing_ok=True)
        raise fail(f"nothing written: {exc}") from exc
    out.print(f"Created a knowledge base in {path}:", markup=False)
    for target in files:
        out.print(f"  {target.relative_to(path)}", markup=False)
    out.print("Next: eligo check, eligo test, and mkdocs build --strict (or mkdocs serve) in that folder.", markup=False)
