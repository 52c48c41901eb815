"""The dependency graph of a guideline's program (networkx): queries and JSON, DOT, Mermaid exports.

Nodes are inputs, definitions, tables, rules and decisions, across modules; an edge u → v reads
"u is read by v".
"""

from __future__ import annotations

import json
import re

import networkx as nx

from eligo import ir


def build_graph(program: ir.Program) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for name, info in program.inputs.items():
        graph.add_node(f"input:{name}", kind="input", label=name, module=info.module)
    for node in program.nodes:
        label = program.value_name(node)
        if isinstance(node, ir.Definition):
            graph.add_node(node.key, kind="definition", label=label, module=node.module)
            _reads(graph, node.expr, node.key)
        else:
            graph.add_node(node.key, kind="decision", label=label, module=node.module)
            rules = [*node.rules, *([node.default] if node.default else [])]
            for rule in rules:
                rule_id = f"{node.key}#{rule.name}"
                graph.add_node(rule_id, kind="rule", label=f"{label}: {rule.name}", module=node.module,
                               outcome=rule.outcome)
                _reads(graph, rule.condition, rule_id)
                graph.add_edge(rule_id, node.key)
    return graph


def _reads(graph: nx.DiGraph[str], expr: ir.Node, reader: str) -> None:
    for sub in ir.walk(expr):
        match sub:
            case ir.InputRef(name):
                graph.add_edge(f"input:{name}", reader)
            case ir.DefRef(key):
                graph.add_edge(key, reader)
            case ir.Lookup(table):
                if table not in graph:
                    graph.add_node(table, kind="table", label=table.split(":")[-1], module=table.split(":")[0])
                graph.add_edge(table, reader)


def depends_on(graph: nx.DiGraph[str], node: str) -> list[str]:
    """Everything `node` reads, directly or not, in evaluation order."""
    ancestors = nx.ancestors(graph, node)
    return [n for n in nx.topological_sort(graph) if n in ancestors]


def inputs_of(graph: nx.DiGraph[str], node: str) -> list[str]:
    return [graph.nodes[n]["label"] for n in depends_on(graph, node) if graph.nodes[n]["kind"] == "input"]


def decisions_changed_by(graph: nx.DiGraph[str], input_name: str) -> list[str]:
    """The decisions whose outcome the input can change."""
    source = f"input:{input_name}"
    if source not in graph:
        return []
    return sorted(graph.nodes[n]["label"] for n in nx.descendants(graph, source) if graph.nodes[n]["kind"] == "decision")


def evaluation_order(graph: nx.DiGraph[str]) -> list[str]:
    return [graph.nodes[n]["label"] for n in nx.lexicographical_topological_sort(graph)
            if graph.nodes[n]["kind"] in ("definition", "decision")]


def find(graph: nx.DiGraph[str], label: str) -> str | None:
    """The node whose label (as a user writes it) is `label`."""
    for node, data in graph.nodes(data=True):
        if data["label"] == label or node == f"input:{label}":
            return str(node)
    return None


def to_json(graph: nx.DiGraph[str]) -> str:
    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(data, indent=2, sort_keys=True, default=str)


_SHAPES = {"input": "box", "definition": "ellipse", "table": "folder", "rule": "note", "decision": "doubleoctagon"}


def _ident(node: str, ids: dict[str, str]) -> str:
    return ids.setdefault(node, f"n{len(ids)}")


def _label(text: str) -> str:
    return re.sub(r'["\\<>{}|]', "_", text)


def to_dot(graph: nx.DiGraph[str]) -> str:
    ids: dict[str, str] = {}
    lines = ["digraph eligo {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node, data in sorted(graph.nodes(data=True)):
        lines.append(f'  {_ident(node, ids)} [label="{_label(data["label"])}", shape={_SHAPES[data["kind"]]}];')
    for u, v in sorted(graph.edges()):
        lines.append(f"  {_ident(u, ids)} -> {_ident(v, ids)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID = {"input": ("[", "]"), "definition": ("(", ")"), "table": ("[(", ")]"), "rule": (">", "]"),
            "decision": ("{{", "}}")}


def to_mermaid(graph: nx.DiGraph[str]) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for node, data in sorted(graph.nodes(data=True)):
        left, right = _MERMAID[data["kind"]]
        lines.append(f'  {_ident(node, ids)}{left}"{_label(data["label"])}"{right}')
    for u, v in sorted(graph.edges()):
        lines.append(f"  {_ident(u, ids)} --> {_ident(v, ids)}")
    return "\n".join(lines) + "\n"
