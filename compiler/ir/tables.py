"""Decision tables, expanded once: the key domains of a table and, per combination of key values, the first row
that matches it (`any` matches every value). Lowering checks gaps with it, the verifier dead rows, and the
Python back end builds its lookup dictionaries from it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from eligo.ir.types import Type

Key = str | bool | None  # a row's key: a kind value, yes/no, or None for `any`
Combination = tuple[str | bool, ...]

MAX_COMBINATIONS = 100_000  # beyond this, tables are not enumerated (checks that need it are skipped)


def domains(key_types: Sequence[Type]) -> tuple[tuple[str | bool, ...], ...]:
    """Every value each key can take: yes/no for a condition, the kind's values for a kind."""
    return tuple(tuple(k.values) if k.kind == "enum" else (True, False) for k in key_types)


def size(key_domains: Sequence[Sequence[object]]) -> int:
    total = 1
    for domain in key_domains:
        total *= len(domain)
    return total


def matches(keys: Sequence[Key], combination: Sequence[object]) -> bool:
    return all(k is None or k == c for k, c in zip(keys, combination, strict=True))


def first_matches(rows: Sequence[Sequence[Key]], key_domains: Sequence[Sequence[str | bool]]
                  ) -> Iterator[tuple[Combination, int | None]]:
    """Each combination of key values with the index of the first row matching it (None: no row does)."""
    for combination in itertools.product(*key_domains):
        yield combination, next((i for i, row in enumerate(rows) if matches(row, combination)), None)
