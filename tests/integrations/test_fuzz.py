"""Schema-driven fuzzing (schemathesis) of every operation in docs/openapi.json against
the app in-process, with a valid key holding every scope: no input gives a 500.

Bounded: MAX_EXAMPLES per operation (a few hundred requests in all), derandomised so a
run is reproducible."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from likeness.integrations import keys
from likeness.models import Scope
from likeness.platform.actor import CLI

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
MAX_EXAMPLES = 40


# For this whole module: the fuzzer's requests must not hit the per-key limit.
@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"API_RATE_LIMIT": "100000 per minute"}


@pytest.fixture
def fuzzed_api(app: Flask) -> Any:
    """The committed document, pointed at this test's app."""
    schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text()))
    schema.app = app
    return schema


@pytest.fixture
def fuzz_headers(app: Flask) -> dict[str, str]:
    integration = keys.create_integration("Fuzzed bank", ["images.example.org"], actor=CLI)
    secret = keys.create_key(integration.id, "fuzz", [s.value for s in Scope], actor=CLI).secret
    return {"Authorization": f"Bearer {secret}"}


OPERATIONS = [(method.upper(), path)
              for path, ops in json.loads(DOCUMENT.read_text())["paths"].items()
              for method in ops if method != "parameters"]


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_input_gives_a_server_error(fuzzed_api: Any, fuzz_headers: dict[str, str],
                                       method: str, path: str):
    operation = fuzzed_api[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        case.call_and_validate(headers=fuzz_headers, checks=[not_a_server_error])

    fuzz()
