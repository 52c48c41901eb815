"""What `eligo diff` reports: the changes to a guideline's meaning, the cases whose answers change, the cases the
two versions cannot compare, and the text the terminal shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eligo.tools.diff_cases import CaseChange, NotComparable

Action = Literal["added", "removed", "changed"]
_SYMBOL: dict[Action, str] = {"added": "+", "removed": "-", "changed": "~"}


@dataclass(frozen=True, slots=True)
class Change:
    """One semantic change. `subject` names the item (`rule metastasectomy.favourable`), `detail` says how."""

    action: Action
    subject: str
    detail: str = ""
    before: str | None = None
    after: str | None = None

    def headline(self) -> str:
        return f"{_SYMBOL[self.action]} {self.subject}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True, slots=True)
class GuidelineDiff:
    """`eligo diff`'s answer; `dataclasses.asdict` of it is `eligo diff --json`.

    `cases_compared` counts every case evaluated under both versions; `cases_not_comparable` of them have an answer
    that waits, in one version, for an input only that version reads (`not_comparable` says which and why); those
    answers are never counted as changes.
    """

    id: str
    old_version: str
    new_version: str
    changes: tuple[Change, ...]
    case_changes: tuple[CaseChange, ...] = ()
    cases_compared: int = 0
    value_changes: tuple[CaseChange, ...] = ()  # definitions whose value changes for a case
    open_questions: tuple[str, ...] = ()  # each version's declared open questions: `1.0.0 d.rule: reason`
    not_comparable: tuple[NotComparable, ...] = ()  # one per case, naming the answers that cannot be compared
    cases_not_comparable: int = 0
    decisions_compared: tuple[str, ...] = ()  # the decisions both versions declare

    def render_text(self) -> str:
        """The diff as the terminal shows it (`eligo diff`)."""
        lines = [f"{self.id} {self.old_version} → {self.new_version}", ""]
        if self.changes:
            lines.append(f"Changes ({len(self.changes)}):")
            for change in self.changes:
                lines.append(f"  {change.headline()}")
        else:
            lines.append("No changes to the guideline's meaning.")
        lines += ["", "Open questions declared:", *(f"  {q}" for q in self.open_questions)] if self.open_questions else []
        lines.append("")
        of = str(self.cases_compared)
        apart = f"; {self.cases_not_comparable} not comparable, listed above" if self.cases_not_comparable else ""
        aside = f" ({self.cases_not_comparable} not comparable, listed above)" if self.cases_not_comparable else ""
        if self.not_comparable:
            lines.append(f"Cases not comparable ({self.cases_not_comparable} of {self.cases_compared}; an answer "
                         "waits for an input only one version reads, so it is not counted as a change):")
            lines += [f"  {n.case}: {', '.join(n.decisions + n.definitions)} not comparable: {n.reason}"
                      for n in self.not_comparable]
            lines.append("")
        if self.value_changes:
            lines.append(f"Cases whose definitions change value ({len({c.case for c in self.value_changes})} of "
                         f"{of}{apart}):")
            lines += [f"  {c.case}: {c.decision} {c.before} → {c.after}" for c in self.value_changes]
            lines.append("")
        if self.case_changes:
            lines.append(f"Cases whose decision changes ({len({c.case for c in self.case_changes})} of {of}{apart}):")
            for case in self.case_changes:
                lines.append(f"  {case.case}: {case.decision} {case.before} → {case.after}")
        elif not self.decisions_compared:
            lines.append("No decision is declared by both versions; only definitions are compared"
                         + ("." if self.value_changes else f", and none changes value in the {of} cases{aside}."))
        else:
            lines.append(f"No decision changes in the {of} cases compared{aside}.")
        return "\n".join(lines)
