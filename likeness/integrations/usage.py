"""Every use of an API key is audited, cheaply enough for a 5 ms call.

The call itself writes one `api_call` row (and, at most once a minute per key and
process, the key's last-used stamp) and commits before the answer goes out: durable,
but without the audit chain's lock, tail read and head update on every call. The worker
seals the rows into the chain on every sweep (`@sweep_task`): one `api.called` (or
`api.refused`) event per call, with the call's own time, appended in one batch
(`audit.record_many`), the rows deleted in the same transaction, and the keys'
last-used times set exactly. Until sealed, a call is in `api_call`, not yet MAC-chained.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update

from likeness.extensions import db
from likeness.integrations.key_cache import KeyFacts
from likeness.models import ApiCall, ApiKey, utcnow
from likeness.platform import audit
from likeness.platform.app_state import per_app
from likeness.platform.sweep_tasks import sweep_task
from likeness.platform.uow import use_case

# The stamp an admin sees is this fresh between sweeps (exact after one).
STAMP_EVERY = timedelta(minutes=1)
SEAL_BATCH = 5_000
# Core statements on the tables: no ORM work per call.
_CALLS = cast(Table, ApiCall.__table__)
_KEYS = cast(Table, ApiKey.__table__)
_INSERT_CALL = insert(_CALLS)
_STAMP = (update(_KEYS).where(_KEYS.c.id == bindparam("key_id"))
          .values(last_used_at=bindparam("now")))


@use_case
def record_call(key: KeyFacts, method: str, endpoint: str, *, refused: bool = False) -> None:
    """Record one use of `key` (its id, never the key); a use beyond its scopes as refused."""
    now = utcnow()
    connection = db.session.connection()  # Core statements: no ORM work per call
    connection.execute(_INSERT_CALL, {
        "api_key_id": key.id, "integration_id": key.integration_id, "method": method,
        "endpoint": endpoint[:200], "refused": refused, "created_at": now})
    stamped: dict[int, datetime] = per_app("likeness.api_key_stamps", dict)
    last = stamped.get(key.id)
    if last is None or now - last >= STAMP_EVERY:
        connection.execute(_STAMP, {"key_id": key.id, "now": now})
        stamped[key.id] = now


@sweep_task("seal_api_calls")
def seal_all() -> int:
    """Seal every waiting call, batch by batch; the number sealed."""
    total = 0
    while sealed := seal_calls():
        total += sealed
    return total


@use_case
def seal_calls(limit: int = SEAL_BATCH) -> int:
    """Move the oldest waiting calls into the audit chain; the number moved."""
    query = select(ApiCall).order_by(ApiCall.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two workers never seal one call
    calls = list(db.session.scalars(query))
    if not calls:
        return 0
    audit.record_many([audit.Entry(
        action="api.refused" if call.refused else "api.called",
        actor_ref=f"apikey:{call.api_key_id}", subject=f"integration:{call.integration_id}",
        details={"method": call.method, "endpoint": call.endpoint,
                 **({"refused": "scope"} if call.refused else {})},
        created_at=call.created_at) for call in calls])
    latest: dict[int, datetime] = {}
    for call in calls:
        latest[call.api_key_id] = max(latest.get(call.api_key_id, call.created_at),
                                      call.created_at)
    for key_id, at in latest.items():
        db.session.execute(update(ApiKey).where(
            ApiKey.id == key_id,
            (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < at))
            .values(last_used_at=at))
    db.session.execute(delete(ApiCall).where(ApiCall.id.in_([call.id for call in calls])))
    return len(calls)
