"""Keys are cached per process, yet a revocation or rotation made anywhere is honoured on
the very next call; a change nobody announced lasts at most API_KEY_CACHE_SECONDS."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update

from likeness.integrations import key_cache, keys
from likeness.models import ApiCall, ApiKey, utcnow
from likeness.platform.actor import CLI
from likeness.platform.queue import get_redis

URL = "/api/v1/assets/IMG-1/permissions?channel=website"  # 404: the key was accepted


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _revoke_elsewhere(db: Any, *, announce: bool) -> None:
    """What another process's revocation does: the row, then (after its commit) the
    change counter in Redis. This process's cache is left as it was."""
    db.session.execute(update(ApiKey).values(revoked_at=utcnow()))
    db.session.commit()
    if announce:
        get_redis().incr(key_cache.VERSION_KEY)


def test_a_revocation_in_another_process_is_honoured_on_the_next_call(
        client: FlaskClient, db: Any, make_key: Any):
    secret = make_key()
    assert client.get(URL, headers=_auth(secret)).status_code == 404  # now cached
    _revoke_elsewhere(db, announce=True)
    response = client.get(URL, headers=_auth(secret))
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]


def test_the_cache_is_what_answers_until_a_change_is_announced(
        client: FlaskClient, db: Any, make_key: Any):
    secret = make_key()
    assert client.get(URL, headers=_auth(secret)).status_code == 404
    _revoke_elsewhere(db, announce=False)  # a hand edit: within the TTL it is not seen
    assert client.get(URL, headers=_auth(secret)).status_code == 404
    get_redis().incr(key_cache.VERSION_KEY)
    assert client.get(URL, headers=_auth(secret)).status_code == 401


@pytest.mark.parametrize("app_overrides", [{"API_KEY_CACHE_SECONDS": 0}])
def test_an_unannounced_change_lasts_no_longer_than_the_ttl(
        client: FlaskClient, db: Any, make_key: Any):
    secret = make_key()
    assert client.get(URL, headers=_auth(secret)).status_code == 404
    _revoke_elsewhere(db, announce=False)
    assert client.get(URL, headers=_auth(secret)).status_code == 401


def test_a_rotation_is_seen_at_once_and_both_keys_work_in_the_grace_period(
        app: Flask, client: FlaskClient, db: Any, make_key: Any):
    old = make_key()
    assert client.get(URL, headers=_auth(old)).status_code == 404
    key_id = db.session.scalars(select(ApiKey.id)).one()
    new = keys.rotate_key(key_id, actor=CLI).secret
    assert client.get(URL, headers=_auth(new)).status_code == 404
    assert client.get(URL, headers=_auth(old)).status_code == 404
    keys.revoke_key(key_id, actor=CLI)
    assert client.get(URL, headers=_auth(old)).status_code == 401
    assert client.get(URL, headers=_auth(new)).status_code == 404


def test_a_call_that_cannot_be_recorded_is_not_answered(
        client: FlaskClient, db: Any, make_key: Any):
    """A key deleted by hand while a process still trusts its copy: the call's record
    cannot be written (the key row is gone), so the answer is withheld."""
    secret = make_key()
    assert client.get(URL, headers=_auth(secret)).status_code == 404  # now cached
    db.session.execute(delete(ApiKey))
    db.session.commit()
    response = client.get(URL, headers=_auth(secret))
    assert response.status_code == 503
    assert "could not be recorded" in response.get_json()["detail"]
    assert db.session.scalar(select(func.count()).select_from(ApiCall)) == 0
