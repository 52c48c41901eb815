"""The dependency graph of a guideline version as an inline SVG that readers can follow, laid out by elkjs.

Each box is a link to its section: inputs, definitions (with their thresholds written in), tables,
the rules numbered in the order they are read, and the decision. Constants are not boxes: their
values appear in the definitions that use them. `diagram` builds the boxes and arrows, `lay_out`
places every graph of the site in one run of elkjs through Node (`graph_layout.mjs`; a small layered
layout of our own when Node or elkjs is not installed), and `svg` draws one.
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from eligo.docs import prose, thresholds
from eligo.dsl import ast

LAYOUT_SCRIPT = Path(__file__).with_name("graph_layout.mjs")
FONT = 13  # px: readable on a phone without zooming
CHAR = 7.0  # px, the average width of a character at FONT
LINE = 17
WRAP = 30  # characters per line
PAD = 10
log = logging.getLogger("mkdocs.plugins.eligo")

_ORDER = {"input": 0, "table": 1, "definition": 1, "rule": 2, "decision": 3}


@dataclass(frozen=True, slots=True)
class Box:
    id: str
    kind: str  # input, definition, table, rule, decision
    title: str
    detail: tuple[str, ...]
    href: str
    foreign: bool = False

    @property
    def size(self) -> tuple[float, float]:
        lines = [self.title, *self.detail]
        return max(120.0, max(len(line) for line in lines) * CHAR + 2 * PAD), len(lines) * LINE + 2 * PAD - 4


@dataclass(frozen=True, slots=True)
class Diagram:
    id: str
    title: str
    boxes: tuple[Box, ...]
    arrows: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Placed:
    diagram: Diagram
    width: float = 0
    height: float = 0
    at: dict[str, tuple[float, float]] = field(default_factory=dict)  # top-left corner of each box
    routes: list[list[tuple[float, float]]] = field(default_factory=list)
    engine: str = "elk"


def _wrap(text: str, lines: int = 3) -> tuple[str, ...]:
    out = textwrap.wrap(text, WRAP) or [""]
    return tuple(out if len(out) <= lines else [*out[:lines - 1], out[lines - 1][:WRAP - 1] + "…"])


def diagram(graph: nx.DiGraph[str], own: str, modules: Callable[[str], ast.Module | None],
            labels: Mapping[str, str], page_of: Callable[[str], str]) -> Diagram:
    """The boxes and arrows of what `own`'s definitions and decisions read (`own` is `id@version`).

    `modules` gives the AST of `id@version`, `labels` the readers' labels of kind values,
    `page_of` the link from this page to the page of another `id@version`.
    """
    keep = {n for n, d in graph.nodes(data=True) if d.get("module") == own and d.get("kind") != "input"}
    for node in list(keep):
        keep |= nx.ancestors(graph, node)
    boxes: dict[str, Box] = {}
    skipped: set[str] = set()
    for node in nx.lexicographical_topological_sort(graph.subgraph(keep)):
        box = _box(node, graph.nodes[node], own, modules, labels, page_of)
        if box is None:
            skipped.add(node)
        else:
            boxes[node] = box
    sub = graph.subgraph(keep)
    arrows = [(u, v) for u, v in sub.edges() if u in boxes and v in boxes]
    rules = [node for node in sub if graph.nodes[node].get("kind") == "rule" and node in boxes]
    first: dict[str, int] = {}  # each box sits at the height of the first rule that reads it
    for index, rule in enumerate(rules):
        for node in (rule, *nx.ancestors(sub, rule)):
            first.setdefault(node, index)
    ordered = sorted(boxes.values(), key=lambda b: (first.get(b.id, len(rules)), _ORDER.get(b.kind, 1), b.title))
    header = own.replace("@", " ")
    return Diagram(header, header, tuple(ordered), tuple(arrows))


def _box(node: str, data: Mapping[str, Any], own: str, modules: Callable[[str], ast.Module | None],
         labels: Mapping[str, str], page_of: Callable[[str], str]) -> Box | None:
    kind = str(data.get("kind"))
    if kind == "input":
        name = node.split(":", 1)[1]
        return Box(node, kind, prose.humanize(name), ("patient fact",), f"#{prose.anchor('input', name)}")
    module_key, _, local = node.partition(":")
    module = modules(module_key)
    foreign = module_key != own
    page = "" if not foreign else page_of(module_key)
    vocab = prose.Vocabulary(kind_labels=labels)
    if kind == "rule":
        decision, _, rule = local.partition("#")
        position = 0
        found = next((d for d in module.decisions if d.name == decision), None) if module else None
        if found is not None:
            names = [r.name for r in found.rules]
            position = names.index(rule) + 1 if rule in names else len(names) + 1
        outcome = prose.humanize(str(data.get("outcome", "")))
        found_rule = next((r for r in found.rules if r.name == rule), None) if found is not None else None
        label = getattr(found_rule.notes, "label", None) if found_rule is not None else None
        title = f"Rule {position}: {label or prose.humanize(rule)}" if rule != "otherwise" else "Otherwise"
        return Box(node, kind, title, _wrap(f"→ {outcome}", 2), f"{page}#{prose.anchor('rule', f'{decision}-{rule}')}",
                   foreign)
    if kind == "decision":
        found = next((d for d in module.decisions if d.name == local), None) if module else None
        outcomes = " > ".join(prose.humanize(o) for o in found.outcomes) if found else ""
        return Box(node, kind, prose.first_upper(prose.humanize(local)), _wrap(outcomes, 3),
                   f"{page}#{prose.anchor('decision', local)}", foreign)
    if kind == "table":
        return Box(node, kind, prose.humanize(local), ("table",), f"{page}#{prose.anchor('table', local)}", foreign)
    define = next((d for d in module.defines if d.name == local), None) if module else None
    if define is None or module is None:
        return Box(node, kind, prose.humanize(local), (), f"{page}#{prose.anchor('define', local)}", foreign)
    constants = thresholds.constants(module)
    if local in constants:
        return None
    expr = thresholds.inline(define.expr, constants)
    plain = prose.Vocabulary(kind_labels=labels, yes_no=vocab.yes_no)
    text = prose.condition(expr, plain) if isinstance(expr, (ast.Compare, ast.BoolOp, ast.Not, ast.Test, ast.InSet,
                                                              ast.Between)) else prose.phrase(expr, plain)
    return Box(node, kind, getattr(define.notes, "label", None) or prose.humanize(local), _wrap(thresholds.plain(text)),
               f"{page}#{prose.anchor('define', local)}",
               foreign)


# ---------------------------------------------------------------- layout


def _elk_graph(d: Diagram) -> dict[str, Any]:
    children = []
    for index, box in enumerate(d.boxes):
        width, height = box.size
        children.append({"id": box.id, "width": width, "height": height,
                         "layoutOptions": {"elk.partitioning.partition": str(_ORDER.get(box.kind, 1)),
                                           "elk.layered.crossingMinimization.positionId": str(index)}})
    return {
        "id": d.id,
        "layoutOptions": {
            "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.edgeRouting": "ORTHOGONAL",
            "elk.partitioning.activate": "true", "elk.spacing.nodeNode": "12",
            "elk.layered.spacing.nodeNodeBetweenLayers": "36", "elk.layered.spacing.edgeNodeBetweenLayers": "14",
            "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
            "elk.layered.crossingMinimization.forceNodeModelOrder": "true",
            "elk.layered.layering.strategy": "LONGEST_PATH",
            "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX", "elk.padding": "[top=8,left=8,bottom=8,right=8]",
        },
        "children": children,
        "edges": [{"id": f"e{i}", "sources": [u], "targets": [v]} for i, (u, v) in enumerate(d.arrows)],
    }


def lay_out(diagrams: Sequence[Diagram]) -> list[Placed]:
    """Every diagram placed by elkjs in one Node process; our own layered layout if that is not available."""
    node = shutil.which("node")
    if node and diagrams:
        try:
            # elkjs from this repository's `npm ci`, or from node_modules in the folder the site is built from
            paths = [str(Path.cwd() / "node_modules"), *filter(None, [os.environ.get("NODE_PATH")])]
            run = subprocess.run([node, str(LAYOUT_SCRIPT)], input=json.dumps({"graphs": [_elk_graph(d) for d in diagrams]}),
                                 capture_output=True, text=True, timeout=120, check=True,
                                 env={**os.environ, "NODE_PATH": os.pathsep.join(paths)})
            return [_from_elk(d, g) for d, g in zip(diagrams, json.loads(run.stdout)["graphs"], strict=True)]
        except (subprocess.SubprocessError, OSError, ValueError, KeyError) as exc:
            lines = str(getattr(exc, "stderr", "") or exc).strip().splitlines() or [type(exc).__name__]
            detail = next((line for line in lines if "Error" in line), lines[-1])
            log.info("eligo: elkjs could not lay out the graphs (%s); `npm ci` (or `npm install elkjs`) installs it. "
                     "Using a simple layered layout.",
                        detail.strip())
    elif diagrams:
        log.info("eligo: Node is not installed; the graphs use a simple layered layout instead of elkjs")
    return [_layered(d) for d in diagrams]


def _from_elk(d: Diagram, g: Mapping[str, Any]) -> Placed:
    placed = Placed(d, float(g["width"]), float(g["height"]))
    for child in g["children"]:
        placed.at[child["id"]] = (float(child["x"]), float(child["y"]))
    for edge in g["edges"]:
        for section in edge.get("sections", ()):
            points = [section["startPoint"], *section.get("bendPoints", ()), section["endPoint"]]
            placed.routes.append([(float(p["x"]), float(p["y"])) for p in points])
    return placed


def _layered(d: Diagram) -> Placed:
    """Columns by longest path from an input, boxes stacked in model order, straight arrows."""
    depth: dict[str, int] = {}
    graph: nx.DiGraph[str] = nx.DiGraph(list(d.arrows))
    graph.add_nodes_from(b.id for b in d.boxes)
    for node in nx.topological_sort(graph):
        depth[node] = max((depth[p] + 1 for p in graph.predecessors(node)), default=0)
    placed = Placed(d, engine="layered")
    x, columns = 8.0, sorted(set(depth.values()))
    for column in columns:
        y, width = 8.0, 0.0
        for box in (b for b in d.boxes if depth[b.id] == column):
            w, h = box.size
            placed.at[box.id] = (x, y)
            y, width = y + h + 12, max(width, w)
            placed.height = max(placed.height, y + 8)
        x += width + 48
    placed.width = x
    sizes = {b.id: b.size for b in d.boxes}
    for u, v in d.arrows:
        (ux, uy), (vx, vy) = placed.at[u], placed.at[v]
        placed.routes.append([(ux + sizes[u][0], uy + sizes[u][1] / 2), (vx, vy + sizes[v][1] / 2)])
    return placed


# ---------------------------------------------------------------- drawing


def svg(placed: Placed) -> str:
    """The inline SVG of one placed diagram: boxes as links, arrows routed between them."""
    d = placed.diagram
    out = [f'<svg class="eligo-graph-svg" xmlns="http://www.w3.org/2000/svg" width="{placed.width:.0f}" '
           f'height="{placed.height:.0f}" viewBox="0 0 {placed.width:.0f} {placed.height:.0f}" role="img" '
           f'aria-label="Dependency graph of {html.escape(d.title)}" data-layout="{placed.engine}">',
           '<defs><marker id="eligo-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>']
    for route in placed.routes:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in route)
        out.append(f'<polyline class="eligo-edge" points="{points}" marker-end="url(#eligo-arrow)"/>')
    for box in d.boxes:
        x, y = placed.at[box.id]
        width, height = box.size
        classes = f"eligo-node eligo-{box.kind}" + (" eligo-foreign" if box.foreign else "")
        out.append(f'<a class="{classes}" href="{html.escape(box.href)}"><title>{html.escape(box.title)}</title>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="6"/>')
        for i, line in enumerate((box.title, *box.detail)):
            weight = ' class="eligo-node-title"' if i == 0 else ""
            out.append(f'<text x="{x + PAD:.1f}" y="{y + PAD + 9 + i * LINE:.1f}"{weight}>{html.escape(line)}</text>')
        out.append("</a>")
    out.append("</svg>")
    return "\n".join(out)
