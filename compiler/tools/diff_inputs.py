"""The inputs a guideline gains, loses or sees change through the modules it uses (`use core.oligometastatic ^2.0`
where it was `^1.0`), for `eligo diff`'s input section, each named with the module version it comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eligo.tools.diff_report import Change

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline
    from eligo.ir import InputInfo


def _origin(info: InputInfo) -> str:
    """`core.oligometastatic 2.0.0`, from the module key `core.oligometastatic@2.0.0`."""
    return info.module.replace("@", " ")


def _bounds(info: InputInfo) -> str:
    low, high = ("none" if b is None else f"{b:g}" for b in (info.low, info.high))
    return "no range" if info.low is None and info.high is None else f"from {low} to {high}"


def _differences(old: InputInfo, new: InputInfo) -> list[str]:
    out = []
    if old.spec != new.spec:
        out.append(f"type {old.spec} → {new.spec}")
    if (old.low, old.high) != (new.low, new.high):
        out.append(f"range {_bounds(old)} → {_bounds(new)}")
    if old.optional != new.optional:
        out.append("now optional" if new.optional else "now required")
    return out


def through_uses(old: Guideline, new: Guideline) -> tuple[Change, ...]:
    """Every input of either version that a used module declares, where it is added, removed or changed.

    The guideline's own inputs are left to the item-by-item comparison of the two sources (`diff_modules`); an input
    that moves between the guideline and a module it uses is reported here, as where it comes from changing.

    >>> import eligo
    >>> kb = eligo.load("knowledge")
    >>> old, new = (kb.guideline("colorectal.liver_metastasectomy", version=v) for v in ("1.0.0", "2.0.0"))
    >>> for change in through_uses(old, new)[:2]:
    ...     print(change.headline())
    - input metastatic_lesions: from core.oligometastatic 1.0.0 (count)
    - input metastatic_organs: from core.oligometastatic 1.0.0 (count)
    """
    own = {old.program.module, new.program.module}
    out: list[Change] = []
    for name, before in old.inputs.items():
        if name not in new.inputs and before.module not in own:
            out.append(Change("removed", f"input {name}", f"from {_origin(before)} ({before.spec})"))
    for name, after in new.inputs.items():
        before_or_none = old.inputs.get(name)
        if before_or_none is None:
            if after.module not in own:
                out.append(Change("added", f"input {name}", f"from {_origin(after)} ({after.spec})"))
            continue
        if before_or_none.module in own and after.module in own:
            continue
        details = _differences(before_or_none, after)
        source_before, source_after = (_place(i, own) for i in (before_or_none, after))
        moved = _home(before_or_none, own) != _home(after, own)  # not a newer version of the same module
        if details or moved:
            where = f"{source_before} → {source_after}" if source_before != source_after else source_after
            out.append(Change("changed", f"input {name}", "; ".join([where, *details])))
    return tuple(out)


def _home(info: InputInfo, own: set[str]) -> str:
    return "" if info.module in own else info.module.split("@")[0]


def _place(info: InputInfo, own: set[str]) -> str:
    return "declared here" if info.module in own else f"from {_origin(info)}"
