"""What an IR program's structure implies, stated once for every back end: which expressions may be unknown or
`none`, which inputs and definitions each reads, how often each definition is read, and what a decision needs.

`Facts` answers for one program and memoises per definition or decision (by key); the answers for an
expression are derived from its children. Every back end (Python, SQL, the verifier, the graph) asks here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cached_property

from eligo.ir.nodes import (
    NA,
    Arith,
    Between,
    BoolOp,
    Compare,
    Const,
    Decision,
    Definition,
    DefRef,
    Field,
    FirstKnown,
    InputRef,
    InSet,
    ListOp,
    Lookup,
    Node,
    Not,
    Program,
    Test,
    children,
    walk,
)

Owner = Definition | Decision
Term = tuple[str, ...]  # inputs that, all missing together, may make an expression unknown


def references(node: Node) -> list[str]:
    """The keys of the definitions and decisions an expression reads directly, in reading order (repeats kept)."""
    return [n.key for n in walk(node) if isinstance(n, DefRef)]


def inputs_read(node: Node) -> list[str]:
    """The inputs an expression reads directly (not through definitions), in reading order (repeats kept)."""
    return [n.name for n in walk(node) if isinstance(n, InputRef)]


class Facts:
    """The static facts of one program's definitions and decisions."""

    def __init__(self, nodes: Program | Mapping[str, Owner] | Iterable[Owner]) -> None:
        if isinstance(nodes, Program):
            nodes = nodes.nodes
        self.nodes: dict[str, Owner] = dict(nodes) if isinstance(nodes, Mapping) else {n.key: n for n in nodes}
        self._none: dict[str, bool] = {}
        self._unknown: dict[str, bool] = {}
        self._terms: dict[str, set[Term]] = {}
        self._cones: dict[str, frozenset[str]] = {}
        self._reads: dict[str, tuple[list[str], list[str]]] = {}  # per owner: references_of, inputs read directly
        # Every per-key fact is computed for all definitions and decisions in program order (dependencies first),
        # so that asking about one never recurses down a long chain of definitions.
        for key, owner in self.nodes.items():
            if isinstance(owner, Definition):
                self._none[key] = self.may_be_none(owner.expr)
                self._unknown[key] = self.may_be_unknown(owner.expr)
                self._terms[key] = self._terms_of(owner.expr)
            else:
                self._none[key] = self._unknown[key] = True
                self._terms[key] = {()}
            refs, inputs = self._reads[key] = _reads(owner.exprs)
            self._cones[key] = frozenset(inputs).union(*(self.cone_of(k) for k in refs))

    def references_of(self, key: str) -> list[str]:
        """`references` of every expression a definition or decision owns, in order (walked once per program)."""
        found = self._reads.get(key)
        return found[0] if found is not None else [k for e in self.nodes[key].exprs for k in references(e)]

    # ------------------------------------------------------------ none and unknown
    def may_be_none(self, node: Node) -> bool:
        """Whether `node` can evaluate to `none` (NA); a decision can (no rule matched)."""
        match node:
            case Const(value):
                return value is NA
            case InputRef() | Compare() | Test() | InSet() | Between() | BoolOp() | Not():
                return False
            case DefRef(key):
                if key not in self._none:
                    target = self.nodes[key]
                    self._none[key] = isinstance(target, Decision) or self.may_be_none(target.expr)
                return self._none[key]
            case Lookup(_, _, rows, default):
                return (default is not None and default.value is NA) or any(r.value.value is NA for r in rows)
            case Arith("/"):
                return True
            case ListOp(op):  # the largest of no elements is `none`
                return op in ("largest", "smallest")
            case Field():
                return False
        return any(self.may_be_none(child) for child in children(node))

    def may_be_unknown(self, node: Node) -> bool:
        """Whether `node` can be unknown for some case (a missing input reaches it, or a decision it reads)."""
        match node:
            case Const(value):
                return value is None
            case Test(operand, "none"):  # an unknown value may or may not be `none`
                return self.may_be_unknown(operand) and self.may_be_none(operand)
            case Test():
                return False
            case InputRef() | Field():
                return True
            case DefRef(key):
                if key not in self._unknown:
                    target = self.nodes[key]
                    self._unknown[key] = isinstance(target, Decision) or self.may_be_unknown(target.expr)
                return self._unknown[key]
            case FirstKnown(items):
                return all(self.may_be_unknown(i) for i in items)
        return any(self.may_be_unknown(child) for child in children(node))

    def unknown_terms(self, roots: Iterable[Node]) -> set[Term]:
        """When these expressions can be unknown, as minimal terms: each term is inputs that, all missing, may make
        one unknown (no term: never; the empty term: whatever the inputs, as a decision read can be unknown).

        `first known of (a, b)` gives the term (a, b); `a > 1 and b` gives (a,) and (b,)."""
        return _minimal(set().union(*(self._terms_of(root) for root in roots)))

    def _terms_of(self, node: Node) -> set[Term]:
        match node:
            case Const(value):
                return {()} if value is None else set()
            case InputRef(name):
                return {(name,)}
            case Test(operand, "none"):
                return self._terms_of(operand) if self.may_be_none(operand) else set()
            case Test():
                return set()
            case DefRef(key):
                if key not in self._terms:
                    target = self.nodes[key]
                    self._terms[key] = {()} if isinstance(target, Decision) else self._terms_of(target.expr)
                return self._terms[key]
            case FirstKnown(items):
                terms: set[Term] = {()}
                for item in items:
                    terms = {tuple(sorted(set(a) | set(b))) for a in terms for b in self._terms_of(item)}
                return _minimal(terms)
        return _minimal(set().union(*(self._terms_of(child) for child in children(node))))

    # ------------------------------------------------------------ what reads what
    def cone(self, node: Node) -> frozenset[str]:
        """Every input an expression can read, through the definitions and decisions it reads."""
        found = set(inputs_read(node))
        for key in references(node):
            found |= self.cone_of(key)
        return frozenset(found)

    def cone_of(self, key: str) -> frozenset[str]:
        """Every input a definition or decision can read."""
        if key not in self._cones:
            self._cones[key] = frozenset().union(*(self.cone(e) for e in self.nodes[key].exprs))
        return self._cones[key]

    def closure(self, wanted: Iterable[str]) -> set[str]:
        """The keys of the wanted definitions and decisions and of everything they read."""
        found: set[str] = set()
        stack = list(wanted)
        while stack:
            key = stack.pop()
            if key not in found:
                found.add(key)
                stack.extend(self.references_of(key))
        return found

    @cached_property
    def uses(self) -> Counter[str]:
        """How many times each definition or decision is read, over the expressions of the whole program."""
        return Counter(k for key in self.nodes for k in self.references_of(key))

    def chain_breaks(self, limit: int) -> list[str]:
        """Definitions, in program order, at which a back end computes a chain of definitions read by one another
        on its own (every `limit`-th link), so that compiling a long chain never recurses deeply."""
        depth: dict[str, int] = {}
        breaks: list[str] = []
        for key, owner in self.nodes.items():
            if not isinstance(owner, Definition):
                continue
            depth[key] = 1 + max((depth.get(k, 0) for k in self.references_of(key)), default=0)
            if depth[key] > limit:
                breaks.append(key)
                depth[key] = 0
        return breaks

    def reads_decision(self, node: Node) -> bool:
        """Whether an expression reads a decision, directly or through definitions."""
        return any(isinstance(self.nodes[k], Decision) or any(self.reads_decision(e) for e in self.nodes[k].exprs)
                   for k in references(node))


def _reads(exprs: Iterable[Node]) -> tuple[list[str], list[str]]:
    """The definitions and decisions (`references`) and the inputs (`inputs_read`) that expressions read directly,
    in reading order, repeats kept: one walk for both."""
    refs: list[str] = []
    inputs: list[str] = []
    for expr in exprs:
        for node in walk(expr):
            if node.__class__ is DefRef:
                refs.append(node.key)
            elif node.__class__ is InputRef:
                inputs.append(node.name)
    return refs, inputs


def count_uses(owners: Iterable[Owner]) -> Counter[str]:
    """How many times each definition or decision is read by the expressions of these owners."""
    uses: Counter[str] = Counter()
    for owner in owners:
        for expr in owner.exprs:
            uses.update(references(expr))
    return uses


def _minimal(terms: set[Term]) -> set[Term]:
    """The terms that contain no other term (a smaller term makes the larger one redundant)."""
    return {t for t in terms if not any(o != t and set(o) <= set(t) for o in terms)}
