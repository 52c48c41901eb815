"""The site's plain-English reading of the list quantifiers says what the condition means, including `any` with a
`where` (the knowledge base's "no metastases at other sites" and "some lesion in the liver")."""

from __future__ import annotations

import pytest

from eligo import dsl
from eligo.docs import prose

_HEAD = "guideline demo.lists\n  version 1.0.0\n\nkind organ: liver | lung\n\nrecord lesion:\n  organ: organ\n" \
        "  treatable: yes/no, optional\n\ninput lesions: list of lesion\n"


@pytest.mark.parametrize(("define", "expected"), [
    ("any(lesions where organ = liver)",
     ["there is at least one of the [lesions](#input-lesions) for which organ is liver"]),
    ("not any(lesions where organ != liver)",
     ["there is none of the [lesions](#input-lesions) for which organ is not liver"]),
    ("all(lesions have treatable)", ["for every one of the [lesions](#input-lesions), treatable is yes"]),
    ("any(lesions have treatable)", ["for at least one of the [lesions](#input-lesions), treatable is yes"]),
    ("not any(lesions have treatable)", ["for none of the [lesions](#input-lesions), treatable is yes"]),
])
def test_quantifiers_read_as_they_mean(define: str, expected: list[str]) -> None:
    module = dsl.parse(_HEAD + f"define d: {define}\n")
    assert prose.condition_lines(module.defines[-1].expr, prose.Vocabulary.of(module)) == expected
