from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from rq import SimpleWorker

from likeness.queue import get_queue, get_redis
from likeness.services import library
from tests.conftest import FIXTURES


def run_jobs() -> None:
    """Run every queued job, as a worker would."""
    SimpleWorker([get_queue()], connection=get_redis()).work(burst=True)


@pytest.fixture
def librarian(make_staff: Any) -> Any:
    return make_staff("librarian")


@pytest.fixture
def upload(app: Flask, librarian: Any) -> Any:
    """Upload fixture photos and index them; returns the asset ids in order."""

    def do(*names: str, index: bool = True) -> list[int]:
        ids = []
        for name in names:
            result = library.add_photo((FIXTURES / name).read_bytes(), name, actor=librarian)
            assert result.ok, result.error
            ids.append(result.asset_id)
        if index:
            run_jobs()
        return ids

    return do
