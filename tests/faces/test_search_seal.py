"""Face-search messages in Redis carry a MAC: a forged or replayed reply is refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from flask import Flask

from likeness.library import search_seal, search_service
from likeness.library.search_service import Answer, SearchUnavailable
from likeness.platform.queue import get_redis


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # Queries are asked of a search worker; a short wait, since none is running here.
    return {"SEARCH_SERVICE": "worker", "SEARCH_TIMEOUT_SECONDS": 2}


def _template() -> np.ndarray:
    return np.linspace(-0.2, 0.2, 128, dtype=np.float32)


@pytest.fixture
def on_redis(app: Flask) -> Iterator[Callable[[Callable[[bytes], object]], None]]:
    """Run `act(query as popped from Redis)` in a thread, like a process on Redis."""
    threads: list[threading.Thread] = []

    def start(act: Callable[[bytes], object]) -> None:
        def run() -> None:
            with app.app_context():
                popped = get_redis().blpop([search_service._requests_key()], timeout=10)
                if popped is not None:
                    act(popped[1])

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    for thread in threads:
        thread.join(15)


def _push_reply(app: Flask, query_id: str, body: str) -> None:
    with app.app_context():
        get_redis().rpush(search_service._reply_key(query_id), body)


def test_a_reply_pushed_by_someone_on_redis_is_refused(app: Flask, on_redis: Any):
    def forge(raw: bytes) -> None:
        query = json.loads(raw)
        # What the attack did: a plain reply naming a face as a perfect match.
        _push_reply(app, query["id"], json.dumps({"hits": [[1, 0.0]]}))
        # And one with a made-up MAC, bound to the right query.
        _push_reply(app, query["id"], json.dumps({
            "hits": [[1, 0.0]], "id": query["id"], "expires": query["expires"],
            "mac_version": query["mac_version"], "mac": "0" * 64}))

    on_redis(forge)
    with pytest.raises(SearchUnavailable):
        search_service.ask(_template(), 5, 0.6)


def test_a_genuine_reply_replayed_to_another_query_is_refused(app: Flask, on_redis: Any):
    # A genuine answer from the search worker (the search itself is stubbed here).
    def serve(raw: bytes) -> None:
        get_redis().lpush(search_service._requests_key(), raw)  # back for the server
        search_service._serve_one(lambda *_: Answer([(7, 0.1)], 0), lambda _n: None)

    on_redis(lambda raw: _in_context(app, serve, raw))
    assert search_service.ask(_template(), 5, 0.6) == [(7, 0.1)]

    # A reply the worker sealed for an earlier query, replayed to the next one.
    first = search_seal.seal("reply", {"hits": [[1, 0.0]], "id": "old-query", "expires": 1e12})

    def replay(raw: bytes) -> None:
        _push_reply(app, json.loads(raw)["id"], first)

    on_redis(replay)
    with pytest.raises(SearchUnavailable):
        search_service.ask(_template(), 5, 0.6)


def test_a_query_pushed_by_someone_on_redis_gets_no_answer(app: Flask):
    searched: list[Any] = []
    forged = json.dumps({"id": "forged", "blob": "00", "version": 1, "k": None,
                         "max_distance": 9.9, "expires": 1e12, "mac_version": 1,
                         "mac": "0" * 64})
    get_redis().rpush(search_service._requests_key(), forged)

    search_service._serve_one(lambda *args: searched.append(args) or Answer([], 0),
                              lambda _n: None)

    assert searched == []
    assert get_redis().llen(search_service._reply_key("forged")) == 0


def _in_context(app: Flask, act: Callable[[bytes], object], raw: bytes) -> None:
    with app.app_context():
        act(raw)
