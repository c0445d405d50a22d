"""Fixtures for the image-bank API: an integration, keys with chosen scopes, and photos
registered under the image bank's ids."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from likeness.integrations import assets, keys
from likeness.models import Integration, Scope
from likeness.platform.actor import CLI

ALL_SCOPES = [s.value for s in Scope]


@pytest.fixture
def integration(app: Flask) -> Integration:
    return keys.create_integration("Beeldbank", ["images.example.org"], actor=CLI)


@pytest.fixture
def make_key(integration: Integration) -> Any:
    """A new key's secret (the whole key, as the image bank sends it)."""

    def make(scopes: list[str] | None = None, **kwargs: Any) -> str:
        return keys.create_key(integration.id, "test", scopes or ALL_SCOPES, actor=CLI,
                               **kwargs).secret

    return make


@pytest.fixture
def bearer(make_key: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key()}"}


@pytest.fixture
def register(integration: Integration) -> Any:
    """Give an asset the image bank's id for it."""

    def do(external_id: str, asset_id: int) -> None:
        assets.link(integration.id, external_id, asset_id)

    return do
