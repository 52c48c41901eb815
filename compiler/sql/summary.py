"""A cohort's summary: per decision the outcome counts, attrition by rule, what the unknown patients lack, and
(for `--compare`) the patients per pair of outcomes; read from one aggregate and written as JSON, Markdown or Rich.

Columns are read by suffix from `query.SUFFIXES`: "" the value, `_status`, `_rule`, `_missing`; any further
suffix (such as `_possible`) is counted item by item over the undecided rows in `DecisionSummary.other`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table

from eligo import ir
from eligo.sql.query import SUFFIXES

WAS = "_was"  # the earlier version's columns, in a comparison: D_was, D_status_was, …
CHANGED = "_changed"  # TRUE when a patient's decision (value or status) differs between the versions


@dataclass
class DecisionSummary:
    rules: tuple[str, ...]  # in order, `otherwise` last
    outcomes: Counter[str] = field(default_factory=Counter)  # decided rows by outcome
    statuses: Counter[str] = field(default_factory=Counter)  # rows by status
    decided_by: Counter[str] = field(default_factory=Counter)  # decided rows by rule
    missing: Counter[str] = field(default_factory=Counter)  # unknown rows lacking each input
    sole: Counter[str] = field(default_factory=Counter)  # unknown rows lacking only this input: it would settle them
    other: dict[str, Counter[str]] = field(default_factory=dict)  # further output columns, by suffix

    @property
    def idle(self) -> list[str]:
        """The rules that decided no patient (`eligo verify` says whether they can fire at all)."""
        return [r for r in self.rules if not self.decided_by.get(r)] if any(self.decided_by.values()) else []

    def attrition(self, total: int) -> list[tuple[str, int, int]]:
        """Per rule in order: the patients it decided, and the patients left undecided after it."""
        left, out = total, []
        for rule in self.rules:
            count = self.decided_by.get(rule, 0)
            left -= count
            out.append((rule, count, left))
        return out


@dataclass
class Summary:
    guideline: str
    version: str
    rows: int
    decisions: dict[str, DecisionSummary]
    absent: tuple[str, ...]  # inputs without a column: missing for every patient
    against: str | None = None  # the earlier version, in a comparison
    changes: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)  # per decision: (was, now) -> rows

    @property
    def changed(self) -> dict[str, int]:
        return {d: sum(n for (was, now), n in pairs.items() if was != now) for d, pairs in self.changes.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "guideline": self.guideline, "version": self.version, "rows": self.rows, "absent": list(self.absent),
            "decisions": {name: {
                "outcomes": dict(_ranked(d.outcomes)), "statuses": dict(_ranked(d.statuses)),
                "attrition": [{"rule": r, "decided": n, "left": left} for r, n, left in d.attrition(self.rows)],
                "rules_deciding_no_patient": d.idle,
                "missing": dict(_ranked(d.missing)), "settled_by": dict(_ranked(d.sole)),
                **{suffix.lstrip("_"): dict(_ranked(c)) for suffix, c in d.other.items()},
            } for name, d in self.decisions.items()},
            **({"against": self.against, "changes": {
                d: [{"was": was, "now": now, "patients": n} for (was, now), n in _ranked_pairs(pairs)]
                for d, pairs in self.changes.items()}} if self.against is not None else {}),
        }

    def to_text_json(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        lines = [f"# {self.guideline} {self.version}: {self.rows:,} patients", ""]
        if self.absent:
            lines += [f"No column for {', '.join(self.absent)}: missing for every patient.", ""]
        for name, table in self.tables():
            lines += [f"## {name}", "", *_markdown(table), ""]
        lines += [line + "\n" for line in self.warnings()]
        return "\n".join(lines)

    def warnings(self) -> list[str]:
        """Rules that decided no patient in this cohort: criteria perhaps impossible together (see `eligo verify`)."""
        return [f"{name}: no patient was decided by {', '.join(d.idle)} (`eligo verify` tells whether "
                f"{'it' if len(d.idle) == 1 else 'they'} can ever decide)" for name, d in self.decisions.items() if d.idle]

    def tables(self) -> list[tuple[str, tuple[list[str], list[list[str]]]]]:
        """The summary as titled tables (header, rows): one source for Markdown and for Rich."""
        total = max(self.rows, 1)
        out = []
        for name, d in self.decisions.items():
            rows = [[o, f"{n:,}", f"{n / total:.1%}"] for o, n in _ranked(d.outcomes)]
            rows += [[s, f"{n:,}", f"{n / total:.1%}"] for s, n in _ranked(d.statuses) if s != "decided"]
            out.append((f"{name}: outcomes", (["outcome", "patients", "share"], rows)))
            if any(d.decided_by.values()):
                out.append((f"{name}: attrition by rule", (["rule", "decided", "left undecided"],
                                                           [[r, f"{n:,}", f"{left:,}"] for r, n, left in
                                                            d.attrition(self.rows)])))
            if d.missing:
                out.append((f"{name}: what the unknown lack", (["input", "unknown lacking it", "settled by it alone"],
                                                               [[i, f"{n:,}", f"{d.sole.get(i, 0):,}"]
                                                                for i, n in _ranked(d.missing)])))
            for suffix, counts in d.other.items():
                out.append((f"{name}: {suffix.lstrip('_')} (undecided patients)", (["value", "patients"],
                                                             [[v, f"{n:,}"] for v, n in _ranked(counts)])))
        for name, pairs in self.changes.items():
            out.append((f"{name}: {self.against} → {self.version}", (["was", "now", "patients"], [
                [was, now, f"{n:,}"] for (was, now), n in _ranked_pairs(pairs)])))
        return out

    def renderable(self) -> RenderableType:
        tables = []
        for title, (header, rows) in self.tables():
            table = Table(title=title, title_justify="left", show_edge=False)
            for index, column in enumerate(header):
                table.add_column(column, justify="left" if index == 0 or (self.against and index == 1) else "right")
            for row in rows:
                table.add_row(*row)
            tables.append(table)
        return Group(*tables)


def label(value: object, status: str) -> str:
    """A decision as one word: its outcome when decided (outcomes joined by `+` for collect), else its status."""
    if status != "decided":
        return status
    return "+".join(value) if isinstance(value, (list, tuple)) else str(value)


def summarise(guideline: str, version: str, decisions: Sequence[ir.Decision], names: Sequence[str],
              rows: Sequence[Sequence[Any]], absent: tuple[str, ...], against: Sequence[ir.Decision] = (),
              against_version: str | None = None) -> Summary:
    """A summary from the rows of the aggregate (`names` its columns, the count last)."""
    summary = Summary(guideline, version, 0, {}, absent, against_version)
    for node in decisions:
        rules = tuple(r.name for r in node.rules) + ((node.default.name,) if node.default else ())
        summary.decisions[node.name] = DecisionSummary(rules if node.policy != "collect" else ())
    earlier = {d.name for d in against}
    for row in rows:
        record = dict(zip(names, row, strict=True))
        count = int(record["_eligo_n"])
        summary.rows += count
        for name, decision in summary.decisions.items():
            status = record[f"{name}_status"]
            decision.statuses[status] += count
            if status == "decided":
                decision.outcomes[label(record[name], status)] += count
                if record.get(f"{name}_rule"):
                    decision.decided_by[record[f"{name}_rule"]] += count
            missing: Sequence[str] = record.get(f"{name}_missing") or ()
            for wanted in missing:
                decision.missing[wanted] += count
            if len(missing) == 1:
                decision.sole[missing[0]] += count
            for suffix in SUFFIXES:  # further columns (such as D_possible) are counted for the undecided
                if suffix not in ("", "_status", "_rule", "_missing") and status != "decided" \
                        and record.get(f"{name}{suffix}") is not None:
                    values = record[f"{name}{suffix}"]
                    for item in values if isinstance(values, (list, tuple)) else (values,):
                        decision.other.setdefault(suffix, Counter())[str(item)] += count
            if name in earlier:
                pair = (label(record[f"{name}{WAS}"], record[f"{name}_status{WAS}"]), label(record[name], status))
                summary.changes.setdefault(name, Counter())[pair] += count
    return summary


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _ranked_pairs(pairs: Counter[tuple[str, str]]) -> list[tuple[tuple[str, str], int]]:
    return sorted(pairs.items(), key=lambda item: (item[0][0] == item[0][1], -item[1], item[0]))


def _markdown(table: tuple[list[str], list[list[str]]]) -> list[str]:
    header, rows = table
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    return [line(header), line(["---"] * len(header)), *(line(r) for r in rows)]
