"""Whatever a CDS client sends, the answer is cards or an OperationOutcome, never a crash (hypothesis over real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_serve_fixtures import PANCREAS, hook_request, pancreas_prefetch, running
from test_serve_fixtures import settings as serve_settings
from typer.testing import CliRunner

import eligo
from eligo.cli.main import app

ROOT = Path(__file__).parent.parent
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    kb = eligo.load(ROOT / "knowledge")
    with running(serve_settings(kb, None, tmp_path_factory.mktemp("fuzz") / "feedback.jsonl")) as url, \
            httpx.Client(base_url=url, timeout=10) as client:
        yield client


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


VALID = hook_request(pancreas_prefetch())
PATHS = list(_paths(VALID))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), new=JSON)
def test_a_request_with_any_part_replaced_gets_cards_or_an_operation_outcome(http: httpx.Client, path: tuple[Any, ...],
                                                                             new: Any) -> None:
    body = _replace(VALID, path, new)
    response = http.post(f"/cds-services/{PANCREAS}", content=json.dumps(body))
    assert response.status_code in (200, 400, 412, 422), response.text
    data = response.json()
    if response.status_code == 200:
        assert len(data["cards"]) == 1 and len(data["cards"][0]["summary"]) <= 140
    else:
        assert data["resourceType"] == "OperationOutcome" and data["issue"][0]["diagnostics"]


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_any_json_body_to_feedback_is_refused_clearly(http: httpx.Client, body: Any) -> None:
    response = http.post(f"/cds-services/{PANCREAS}/feedback", content=json.dumps(body))
    assert response.status_code in (400, 422)
    assert response.json()["resourceType"] == "OperationOutcome"


def test_serve_refuses_to_start_on_a_broken_bindings_file(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", copy, ignore=shutil.ignore_patterns("cases"))
    path = copy / "core" / "endpoints" / "1.0.0.fhir.yaml"
    path.write_text(path.read_text().replace("  died:\n", "  dyed:\n"))
    result = CliRunner().invoke(app, ["serve", "--insecure", "--kb", str(copy)])
    assert result.exit_code == 1
    assert "error[E206]: `dyed` is not an input of core.endpoints 1.0.0" in result.output
