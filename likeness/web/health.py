"""`/healthz` for the load balancer and monitoring.

200 while this web process can serve (database and Redis reachable), 503 when it
cannot. A missing worker or a missed daily run does not take the web app out of the
load balancer (the portal still takes requests; the jobs wait in the outbox): it
makes the answer `"status": "degraded"` and alerts staff by email. Until a worker has
been seen at all (the first start) the status is `"starting"`. `?strict=1` turns
anything but `ok` into 503 too, for monitoring that should page someone.

The public gets the status word only: which part is down, and since when, helps an
attacker time an attack. The checks and details are shown to a caller on this machine
(loopback) or one that sends `Authorization: Bearer <HEALTH_TOKEN>`. Every answer is
computed at most once per `HEALTH_CACHE_SECONDS` per process (the checks touch the
database, Redis and the file store), and the public probe is rate-limited.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time

from flask import Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from likeness.extensions import limiter

Answer = tuple[str, int, dict[str, bool], dict[str, object]]
_cache: dict[str, tuple[float, Answer]] = {}
_cache_lock = threading.Lock()


def _state() -> Answer:
    """(status, code, checks, details), fresh or from the last few seconds."""
    from likeness.staff import operations

    ttl = float(current_app.config["HEALTH_CACHE_SECONDS"])
    with _cache_lock:
        cached = _cache.get(current_app.name + current_app.instance_path)
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return cached[1]
        state = operations.check_and_alert()
        if not state.serving:
            status = "failing"
        elif state.details.get("worker_seen_seconds_ago") is None:
            status = "starting"  # no worker was ever seen: the first start
        else:
            status = "ok" if state.ok else "degraded"
        answer: Answer = (status, 200 if state.serving else 503, dict(state.checks),
                  dict(state.details))
        _cache[current_app.name + current_app.instance_path] = (time.monotonic(), answer)
        return answer


def may_see_detail() -> bool:
    """A caller on this machine, or one with the configured token."""
    token = str(current_app.config.get("HEALTH_TOKEN") or "")
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@limiter.limit(lambda: current_app.config["HEALTH_LIMIT"], exempt_when=may_see_detail)
def healthz() -> ResponseReturnValue:
    status, code, checks, details = _state()
    if request.args.get("strict") and status != "ok":
        code = 503
    if not may_see_detail():
        return jsonify(status=status), code
    return jsonify(status=status, checks=checks, **details), code


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def register(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
