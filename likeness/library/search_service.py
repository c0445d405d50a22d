"""One face index per machine: a worker holds it and answers every process's searches.

A million templates take about 650 MB in memory. Under `gunicorn -w 4`, with two RQ
workers beside it, every process keeping its own copy would hold six of them. With
`SEARCH_SERVICE=worker` (the default outside tests) only one process per machine keeps
the index: the first RQ worker to take the machine's lock file
(`<instance>/face-search.lock`) runs a search thread beside its jobs. Every other
process (web pages asking for suggestions, other workers searching for a request)
sends the query there through Redis and waits for the answer:

- the query template is encrypted with the face keys (Redis never holds a plain
  template); an unanswered query is taken back after `SEARCH_TIMEOUT_SECONDS`, and
  the queue itself expires when no worker serves it;
- the answer is face ids and distances only, on a reply key that expires;
- queries and answers carry a MAC under a key derived from the face keys, an answer
  bound to its query's id and expiry (`likeness.library.search_seal`): a forged or
  replayed answer pushed onto the reply key is ignored, and so is a forged query;
- when the serving worker dies, its lock is released by the kernel and another worker
  on the machine takes over at once (its search thread waits on the lock). A query the
  dead worker had taken and not answered is not lost with it: taking a query moves it
  to the machine's list of taken queries (one Redis command), and the worker that takes
  over puts what is left there back in front of the queue.

With `SEARCH_SERVICE=local` every process searches its own index (tests, a single
process). Searching, and decrypting templates for the index, is audited where it
happens (`likeness.library.search`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import redis
from flask import Flask, current_app
from numpy.typing import NDArray

from likeness.extensions import db
from likeness.faces.crypto import keyring
from likeness.library import search_seal
from likeness.platform.app_state import per_app
from likeness.platform.queue import get_redis

log = logging.getLogger(__name__)

POLL_SECONDS = 2  # the server's wait for a query; below the Redis client's socket timeout
REPLY_TTL_SECONDS = 60
LOCK_NAME = "face-search.lock"



@dataclass(frozen=True)
class Answer:
    hits: list[tuple[int, float]]  # (face id, distance), nearest first
    decrypted: int  # templates decrypted to bring the index up to date first


Searcher = Callable[[NDArray[np.float32], int | None, float], Answer]
RecordDecryption = Callable[[int], None]


class SearchUnavailable(RuntimeError):
    """No worker answered the search in time (none running, or all busy starting)."""


def _serving() -> threading.Event:
    """Set once this process serves the machine's searches (by the search thread)."""
    return per_app("likeness.face_search_serving", threading.Event)


def searches_here() -> bool:
    """Search this process's own index? Yes when searches are local, or this is the
    process that serves the machine."""
    return current_app.config["SEARCH_SERVICE"] != "worker" or _serving().is_set()


def ask(template: NDArray[np.floating], k: int | None, max_distance: float
        ) -> list[tuple[int, float]]:
    """Send a query to the machine's search worker; its (face id, distance) pairs."""
    timeout = int(current_app.config["SEARCH_TIMEOUT_SECONDS"])
    query_id = uuid.uuid4().hex
    blob, version = keyring().encrypt_bound(np.asarray(template, np.float32),
                                            query_id.encode())
    query = {"id": query_id, "blob": blob.hex(), "version": version, "k": k,
             "max_distance": max_distance, "expires": time.time() + timeout}
    message = search_seal.seal("query", query)
    connection = get_redis()
    requests_key = _requests_key()
    try:
        # The list expires too: with no worker serving, queries must not pile up.
        connection.pipeline().rpush(requests_key, message).expire(
            requests_key, timeout + POLL_SECONDS).execute()
        reply = _wait_for_reply(connection, query)
        if reply is None:
            connection.lrem(requests_key, 1, message)  # no worker will see it now
    except redis.RedisError as exc:
        raise SearchUnavailable("Redis unavailable") from exc
    if reply is None:
        raise SearchUnavailable(f"no search worker answered within {timeout} s")
    if "error" in reply:
        raise SearchUnavailable(reply["error"])
    return [(int(face_id), float(distance)) for face_id, distance in reply["hits"]]


def _wait_for_reply(connection: redis.Redis, query: dict[str, Any]) -> dict[str, Any] | None:
    """The first reply sealed for this query before it expires; anything else on the
    reply key (forged, replayed from another query) is dropped and we keep waiting."""
    while (remaining := query["expires"] - time.time()) > 0:
        popped = connection.blpop([_reply_key(query["id"])], timeout=max(1, int(remaining)))
        if popped is None:
            continue
        reply = search_seal.reply_for(query, popped[1])
        if reply is not None:
            return reply
        log.warning("face search: refused a reply that was not sealed for its query")
    return None


def start_server(search: Searcher, record_decryption: RecordDecryption
                 ) -> threading.Thread | None:
    """In a worker: serve searches with `search` from a daemon thread, once this process
    holds the machine's lock. None when searches are local (nothing to serve).

    `search` only reads; `record_decryption` audits the templates it decrypted, once the
    asker has its answer (the asker may hold the database's write lock until then)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["SEARCH_SERVICE"] != "worker":
        return None
    thread = threading.Thread(target=_serve_forever, args=(app, search, record_decryption),
                              name="face-search", daemon=True)
    thread.start()
    return thread


def _serve_forever(app: Flask, search: Searcher, record_decryption: RecordDecryption) -> None:
    # Held, with the open file, for as long as the process lives; the kernel releases
    # the lock when it dies, however it dies.
    lock = _take_machine_lock(app)  # noqa: F841
    with app.app_context():
        try:
            _requeue_taken()
        except redis.RedisError:
            log.warning("face search: Redis unavailable; queries a dead worker took are not "
                        "put back")
        try:
            # Build the index before the first query.
            built = search(np.zeros(128, np.float32), 1, 0.0)
            if built.decrypted:
                record_decryption(built.decrypted)
        except Exception:
            log.exception("face search: building the index failed; retrying on the first query")
        finally:
            db.session.remove()
        _serving().set()
        log.info("face search: this worker serves the machine's searches (pid %s)",
                 os.getpid())
        while True:
            try:
                _serve_one(search, record_decryption)
            except redis.RedisError:
                time.sleep(POLL_SECONDS)  # Redis away: the askers time out and report it
            except Exception:
                log.exception("face search: a query failed")
            finally:
                db.session.remove()


def _take_machine_lock(app: Flask) -> IO[bytes]:
    """Block until this process holds the machine's search lock (one index per machine).

    A blocking `flock` in this thread of its own: the kernel wakes it the moment the
    serving worker dies, where polling would leave the machine without searches until
    the next try. (The wait releases the GIL; the worker's jobs run on meanwhile.)"""
    path = Path(app.config["INSTANCE_PATH"]) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    return handle


def _requeue_taken() -> None:
    """Queries a worker on this machine took and never answered (it died meanwhile) go
    back to the front of the queue, oldest first; those whose askers gave up are then
    dropped like any other expired query."""
    connection = get_redis()
    while connection.lmove(_taken_key(), _requests_key(), "RIGHT", "LEFT") is not None:
        pass


def _serve_one(search: Searcher, record_decryption: RecordDecryption) -> None:
    connection = get_redis()
    taken_key = _taken_key()
    # Taken atomically onto this machine's list of taken queries, not popped: if this
    # worker dies before it answers, the one that takes over finds the query there.
    message: bytes | None = connection.blmove(  # type: ignore[assignment]
        _requests_key(), taken_key, POLL_SECONDS, "LEFT", "RIGHT")
    if message is None:
        return
    try:
        connection.expire(taken_key, REPLY_TTL_SECONDS)
        _answer(connection, message, search, record_decryption)
    finally:
        connection.lrem(taken_key, 1, message)


def _answer(connection: redis.Redis, message: bytes, search: Searcher,
            record_decryption: RecordDecryption) -> None:
    query = search_seal.unseal("query", message)
    if query is None:
        log.warning("face search: refused a query that was not sealed by us")
        return
    if query["expires"] < time.time():
        return  # its asker gave up already
    reply: dict[str, Any]
    answer: Answer | None = None
    try:
        template = keyring().decrypt_bound(bytes.fromhex(query["blob"]), int(query["version"]),
                                           str(query["id"]).encode())
        answer = search(template, query["k"], float(query["max_distance"]))
        reply = {"hits": answer.hits}
    except Exception as exc:
        log.exception("face search: a query failed")
        reply = {"error": type(exc).__name__}
    key = _reply_key(str(query["id"]))
    sealed = search_seal.seal("reply", {**reply, "id": query["id"], "expires": query["expires"]})
    connection.pipeline().rpush(key, sealed).expire(key, REPLY_TTL_SECONDS).execute()
    if answer is not None and answer.decrypted:
        record_decryption(answer.decrypted)


def _requests_key() -> str:
    return f"likeness:{current_app.config['RQ_QUEUE']}:face-search"


def _taken_key() -> str:
    # Per machine, as the lock is: only the worker holding this machine's lock takes
    # queries onto it, and only the next one to hold it puts them back.
    return f"likeness:{current_app.config['RQ_QUEUE']}:face-search-taken:{socket.gethostname()}"


def _reply_key(query_id: str) -> str:
    return f"likeness:{current_app.config['RQ_QUEUE']}:face-search:{query_id}"
