"""Per-process state kept on the app (in `app.extensions`), created on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from flask import current_app

T = TypeVar("T")


def per_app(key: str, factory: Callable[[], T]) -> T:
    """The value stored under `key` for this app, made by `factory` the first time."""
    value = current_app.extensions.get(key)
    if value is None:
        value = factory()
        current_app.extensions[key] = value
    return cast(T, value)


def forget(key: str) -> None:
    current_app.extensions.pop(key, None)
