"""Fixtures for webhooks: an integration that may reach a receiver on 127.0.0.1, the
example image bank's receiver (examples/dam_client.py), and the worker's jobs."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask

from likeness.integrations import assets, keys, webhooks
from likeness.models import Integration, utcnow
from likeness.platform import outbox
from likeness.platform.actor import CLI
from tests.support.helpers import run_jobs

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dam_client.py"


def _dam_client() -> Any:
    spec = importlib.util.spec_from_file_location("dam_client", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dam_client"] = module
    spec.loader.exec_module(module)
    return module


dam_client = _dam_client()


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # The receiver runs on this machine: the operator allow-lists exactly that host.
    return {"WEBHOOK_PRIVATE_HOSTS": ("127.0.0.1",), "WEBHOOK_READ_TIMEOUT_SECONDS": 1,
            "WEBHOOK_CONNECT_TIMEOUT_SECONDS": 1}


@pytest.fixture
def receiver() -> Iterator[Any]:
    found = dam_client.Receiver()
    yield found
    found.stop()


@pytest.fixture
def integration(app: Flask, receiver: Any) -> Integration:
    return keys.create_integration(
        "Beeldbank", ["images.example.org", f"127.0.0.1:{receiver.port}"], actor=CLI)


@pytest.fixture
def endpoint(integration: Integration, receiver: Any) -> Any:
    new = webhooks.create_endpoint(integration.id, receiver.url(), [], actor=CLI)
    receiver.secret = new.secret
    return new.endpoint


@pytest.fixture
def bearer(integration: Integration) -> dict[str, str]:
    secret = keys.create_key(integration.id, "test", ["assets:read", "assets:write",
                                                      "webhooks:manage"], actor=CLI).secret
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def registered(integration: Integration, tagged_barack: Any) -> Any:
    """Barack's photo registered by the image bank as IMG-1."""
    assets.link(integration.id, "IMG-1", tagged_barack.obama_asset)
    return tagged_barack


def deliver_due(after: timedelta = timedelta(0)) -> None:
    """What the worker does `after` from now: hand over the due outbox jobs and run them."""
    if after:
        with time_machine.travel(utcnow() + after, tick=True):
            outbox.relay()
            run_jobs()
    else:
        outbox.relay()
        run_jobs()


@pytest.fixture
def make_other_key(integration: Integration) -> Any:
    """Bearer headers of a key with `scopes`, of this integration or of another one."""

    def make(scopes: list[str], *, same_integration: bool) -> dict[str, str]:
        owner = integration if same_integration else keys.create_integration(
            f"Other bank {len(scopes)}", [], actor=CLI)
        secret = keys.create_key(owner.id, "other", scopes, actor=CLI).secret
        return {"Authorization": f"Bearer {secret}"}

    return make
