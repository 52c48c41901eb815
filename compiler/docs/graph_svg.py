"""A guideline's dependency graph drawn as SVG with matplotlib, in layers from inputs to decisions.

The layout is a small Sugiyama-style one: each node's layer is its longest path from an input, nodes
within a layer are ordered by the mean position of their neighbours (a few sweeps down and up), and
edges run left to right. Text stays text in the SVG (no embedded fonts, nothing loaded from outside).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from typing import Any

import matplotlib
import networkx as nx
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch

# fill, edge colour per node kind
COLOURS: Mapping[str, tuple[str, str]] = {
    "input": ("#e3f2fd", "#1565c0"),
    "table": ("#fff8e1", "#ef6c00"),
    "definition": ("#f3e5f5", "#6a1b9a"),
    "rule": ("#e8f5e9", "#2e7d32"),
    "decision": ("#ffebee", "#c62828"),
}
BOX_W, BOX_H = 2.1, 0.4  # inches
GAP_X, GAP_Y = 0.6, 0.1
WRAP = 27  # characters per line in a box, at most three lines
SWEEPS = 4


def layers(graph: nx.DiGraph[str]) -> list[list[str]]:
    """Nodes by layer (longest path from a source), each layer ordered to reduce edge crossings."""
    depth: dict[str, int] = {}
    order = list(nx.lexicographical_topological_sort(graph))
    for node in order:
        depth[node] = max((depth[p] + 1 for p in graph.predecessors(node)), default=0)
    for node in reversed(order):  # constants and default rules sit just before what reads them
        successors = [depth[s] for s in graph.successors(node)]
        if graph.in_degree(node) == 0 and graph.nodes[node].get("kind") != "input" and successors:
            depth[node] = min(successors) - 1
    count = max(depth.values(), default=-1) + 1
    out: list[list[str]] = [sorted(n for n in depth if depth[n] == i) for i in range(count)]
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, count) if downward else range(count - 2, -1, -1)
        for i in indices:
            position = {n: k for k, n in enumerate(out[i - 1] if downward else out[i + 1])}
            neighbours = graph.predecessors if downward else graph.successors

            def key(node: str, near: Any = neighbours, at: dict[str, int] = position) -> tuple[float, str]:
                found = [at[m] for m in near(node) if m in at]
                return (sum(found) / len(found) if found else float("inf"), node)

            placed = sorted(out[i], key=key)
            out[i] = placed
    return out


def relevant(graph: nx.DiGraph[str], own_module: str) -> nx.DiGraph[str]:
    """The part of `graph` this module's own definitions and decisions read (used modules pruned)."""
    own = {n for n, data in graph.nodes(data=True) if data.get("module") == own_module and data.get("kind") != "input"}
    keep = set(own)
    for node in own:
        keep |= nx.ancestors(graph, node)
    sub: nx.DiGraph[str] = graph.subgraph(keep).copy()
    return sub


def _label(data: Mapping[str, Any]) -> str:
    label = str(data.get("label", ""))
    if data.get("kind") == "rule":
        rule = label.rsplit(": ", 1)[-1]
        label = f"rule {rule} → {data.get('outcome', '')}"
    elif "." in label:
        label = label.rsplit(".", 1)[-1]
    return "\n".join(wrap(label)) or "?"


def wrap(text: str, width: int = WRAP, lines: int = 3) -> list[str]:
    """`text` in lines of at most `width` characters, broken after spaces or underscores.

    >>> wrap("rule no_preoperative_chemotherapy → not_candidate", 24)
    ['rule no_preoperative_', 'chemotherapy → not_', 'candidate']
    """
    out: list[str] = []
    for piece in re.split(r"(?<=[_ ])", text):
        if out and len((out[-1] + piece).rstrip()) <= width:
            out[-1] += piece
            continue
        while len(piece) > width:
            out.append(piece[:width])
            piece = piece[width:]
        out.append(piece)
    out = [line.strip() for line in out if line.strip()]
    return out if len(out) <= lines else [*out[: lines - 1], out[lines - 1][: width - 1] + "…"]


def _arrowhead(start: tuple[float, float], end: tuple[float, float], length: float = 0.09,
               half_width: float = 0.035) -> list[tuple[float, float]]:
    """A triangle (in inches) pointing along start → end with its tip at `end`."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    bx, by = end[0] - ux * length, end[1] - uy * length
    return [end, (bx - uy * half_width, by + ux * half_width), (bx + uy * half_width, by - ux * half_width)]


def draw(graph: nx.DiGraph[str], title: str = "", own_module: str | None = None) -> str:
    """The SVG text of `graph` (nodes with `kind` and `label`, as compiler.graph builds them)."""
    columns = layers(graph)
    rows = max((len(c) for c in columns), default=1)
    width = max(len(columns), 1) * (BOX_W + GAP_X) + 0.4
    height = rows * (BOX_H + GAP_Y) + 1.1
    position: dict[str, tuple[float, float]] = {}
    for i, column in enumerate(columns):
        offset = (rows - len(column)) * (BOX_H + GAP_Y) / 2
        for k, node in enumerate(column):
            position[node] = (0.2 + i * (BOX_W + GAP_X) + BOX_W / 2, height - 0.9 - offset - k * (BOX_H + GAP_Y))
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "eligo", "font.family": "sans-serif"}):
        figure = Figure(figsize=(width, height))
        FigureCanvasSVG(figure)
        ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.axis("off")
        lines, heads = [], []
        for u, v in graph.edges():
            start = (position[u][0] + BOX_W / 2, position[u][1])
            end = (position[v][0] - BOX_W / 2, position[v][1])
            lines.append((start, end))
            heads.append(_arrowhead(start, end))
        ax.add_collection(LineCollection(lines, colors="#90a4ae", linewidths=0.7, zorder=1))
        ax.add_collection(PolyCollection(heads, facecolors="#90a4ae", edgecolors="none", zorder=1))
        boxes = []
        for node, (x, y) in position.items():
            data = graph.nodes[node]
            fill, edge = COLOURS.get(str(data.get("kind")), ("#eeeeee", "#616161"))
            foreign = own_module is not None and data.get("kind") != "input" and data.get("module") != own_module
            boxes.append(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                        boxstyle="round,pad=0,rounding_size=0.08", facecolor=fill, edgecolor=edge,
                                        linewidth=0.9, linestyle="--" if foreign else "-"))
            ax.text(x, y, _label(data), ha="center", va="center", fontsize=7, color="#212121", zorder=3)
        ax.add_collection(PatchCollection(boxes, match_original=True, zorder=2))
        legend = [Patch(facecolor=f, edgecolor=e, label=k) for k, (f, e) in COLOURS.items()]
        if own_module is not None:
            legend.append(Patch(facecolor="white", edgecolor="#616161", linestyle="--", label="from a used module"))
        ax.legend(handles=legend, loc="upper left", ncol=len(legend), frameon=False, fontsize=8,
                  bbox_to_anchor=(0.0, 1.0))
        if title:
            ax.text(width - 0.2, height - 0.25, title, ha="right", va="center", fontsize=9, color="#424242")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()
