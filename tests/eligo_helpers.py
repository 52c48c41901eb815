"""Small builders shared by the compiler tests."""

from __future__ import annotations

import textwrap

import eligo


def module(name: str, body: str, version: str = "1.0.0", status: str = "approved",
           effective: str | None = "2025-01-01", extra_header: str = "") -> str:
    header = [f"guideline {name}", f"  version {version}", f"  status {status}"]
    if effective:
        header.append(f"  effective {effective}")
    if extra_header:
        header.append(extra_header)
    return "\n".join(header) + "\n\n" + textwrap.dedent(body).strip() + "\n"


def kb(*sources: str) -> eligo.KnowledgeBase:
    texts = {}
    for text in sources:
        first = text.split("\n", 1)[0].split()[1]
        version = text.split("version ", 1)[1].split()[0]
        texts[f"{first.replace('.', '/')}/{version}.eligo"] = text
    return eligo.KnowledgeBase.from_texts(texts)


def guideline(body: str, name: str = "test.g") -> eligo.Guideline:
    base = kb(module(name, body))
    errors = [d for d in base.check() if d.is_error]
    assert not errors, "\n".join(d.headline() for d in errors)
    return base.guideline(name)
