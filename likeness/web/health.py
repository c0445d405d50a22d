"""`/healthz` for the load balancer and monitoring.

200 while this web process can serve (database and Redis reachable), 503 when it
cannot. A missing worker or a missed daily run does not take the web app out of the
load balancer (the portal still takes requests; the jobs wait in the outbox): it
makes the answer `"status": "degraded"` and alerts staff by email. `?strict=1` turns
degraded into 503 too, for monitoring that should page someone. The answer names no
person and no address.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue


def healthz() -> ResponseReturnValue:
    from likeness.staff import operations

    state = operations.check_and_alert()
    status = "ok" if state.ok else ("degraded" if state.serving else "failing")
    code = 200 if state.serving else 503
    if request.args.get("strict") and not state.ok:
        code = 503
    return jsonify(status=status, checks=state.checks, **state.details), code


def register(app: Flask) -> None:
    from likeness.extensions import limiter

    app.add_url_rule("/healthz", "healthz", limiter.exempt(healthz))
