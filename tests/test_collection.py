"""The garbage collector is held off while Eligo compiles (eligo.collection) and left as it was found: on again
after the last of nested or concurrent compiles, and off if the embedder had turned it off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from eligo.collection import paused, pausing
from tests.eligo_helpers import guideline

BODY = """
    input n: count from 0 to 9
    decision d: big | small
      rule big: when n > 5 then big
      otherwise small
"""


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_paused_nests_and_restores() -> None:
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_embedders_choice_to_turn_it_off_is_kept() -> None:
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()
    guideline(BODY).evaluate({"n": 7})
    assert not gc.isenabled()


def test_it_is_on_again_after_an_error_and_after_a_compile() -> None:
    @pausing
    def fails() -> None:
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        fails()
    assert gc.isenabled()
    assert guideline(BODY).evaluate({"n": 7})["d"].value == "big"
    assert gc.isenabled()


def test_overlapping_compiles_in_threads_turn_it_on_once_both_end() -> None:
    first_in, second_done, seen = threading.Event(), threading.Event(), []

    def long_compile() -> None:
        with paused():
            first_in.set()
            second_done.wait(10)
            seen.append(gc.isenabled())  # the other compile has ended: still off, as this one runs

    def short_compile() -> None:
        first_in.wait(10)
        guideline(BODY)
        second_done.set()

    threads = [threading.Thread(target=long_compile), threading.Thread(target=short_compile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert seen == [False]
    assert gc.isenabled()
