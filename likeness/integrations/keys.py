"""Integrations (image banks) and their API keys: create, rotate, revoke, authenticate.

A key looks like `lk_<prefix>_<secret>`. Only the SHA-256 of the whole key is stored,
so a copy of the database opens nothing; the key is shown once, when it is made. The
prefix (not secret) finds the row; the hash is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from likeness.errors import Conflict, InvalidInput, NotFound
from likeness.extensions import db
from likeness.integrations import key_cache
from likeness.integrations.key_cache import KeyFacts
from likeness.models import ApiKey, Integration, Scope, utcnow
from likeness.models.base import MAX_ID
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

KEY_PATTERN = re.compile(r"^lk_([0-9a-f]{12})_([A-Za-z0-9_-]{32,64})$")
HOST_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*"
                          r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:[0-9]{1,5})?$")


@dataclass(frozen=True)
class NewKey:
    """A key just made: `secret` is the whole key, shown to the admin this once."""

    key: ApiKey
    secret: str


class ApiKeyRefused(Exception):
    """The key is missing, unknown, expired, retired or revoked (401), or lacks the
    scope (403). `reason` is safe to show to the client."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_hosts(text: str) -> list[str]:
    """Host names, one per line or comma-separated; lower case; each checked."""
    hosts = []
    for raw in re.split(r"[\s,]+", text.strip().lower()):
        if not raw:
            continue
        if not HOST_PATTERN.match(raw):
            raise InvalidInput(_("%(host)s is not a host name.", host=raw[:100]),
                               field="allowed_hosts")
        if raw not in hosts:
            hosts.append(raw)
    return hosts


def integrations() -> list[Integration]:
    return list(db.session.scalars(select(Integration).order_by(Integration.name)))


def get_integration(integration_id: int) -> Integration:
    integration = (db.session.get(Integration, integration_id)
                   if 0 < integration_id <= MAX_ID else None)
    if integration is None:
        raise NotFound(_("This integration does not exist."))
    return integration


def keys_of(integration_id: int) -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).where(ApiKey.integration_id == integration_id)
                                   .order_by(ApiKey.id.desc())))


@use_case
def create_integration(name: str, allowed_hosts: list[str], *, actor: Actor) -> Integration:
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the integration a name."), field="name")
    if db.session.scalar(select(Integration.id).where(Integration.name == name)) is not None:
        raise Conflict(_("An integration with this name exists already."), field="name")
    integration = Integration(name=name[:200], allowed_hosts=allowed_hosts,
                              created_by_id=actor.staff_id)
    db.session.add(integration)
    db.session.flush()
    audit.record("integration.created", actor=actor, subject=integration.audit_ref,
                 details={"hosts": len(allowed_hosts)})
    return integration


@use_case
def set_allowed_hosts(integration_id: int, allowed_hosts: list[str], *, actor: Actor) -> None:
    integration = get_integration(integration_id)
    integration.allowed_hosts = allowed_hosts
    audit.record("integration.hosts_changed", actor=actor, subject=integration.audit_ref,
                 details={"hosts": len(allowed_hosts)})


@use_case
def set_xmp_export(integration_id: int, enabled: bool, *, actor: Actor) -> None:
    """Let this image bank read XMP sidecars through the API (off by default)."""
    integration = get_integration(integration_id)
    if integration.xmp_export != enabled:
        integration.xmp_export = enabled
        audit.record("integration.xmp_export_changed", actor=actor,
                     subject=integration.audit_ref, details={"enabled": enabled})


@use_case
def create_key(integration_id: int, label: str, scopes: list[str], *, actor: Actor,
               expires_at: datetime | None = None) -> NewKey:
    """A new key for the integration, owned by `actor`."""
    integration = get_integration(integration_id)
    unknown = set(scopes) - {s.value for s in Scope}
    if unknown or not scopes:
        raise InvalidInput(_("Choose at least one scope."), field="scopes")
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput(_("The expiry date must be in the future."), field="expires_on")
    new = _make_key(integration.id, label.strip() or _("API key"), sorted(set(scopes)),
                    owner_id=actor.staff_id, expires_at=expires_at)
    audit.record("api_key.created", actor=actor, subject=new.key.audit_ref,
                 details={"integration": integration.id, "scopes": new.key.scopes})
    return new


@use_case
def rotate_key(key_id: int, *, actor: Actor) -> NewKey:
    """A successor with the same scopes and expiry; the old key keeps working for the
    grace period, so the image bank can switch without an outage."""
    old = _get_key(key_id)
    now = utcnow()
    if not old.is_valid(now) or old.replaced_by_id is not None:
        raise Conflict(_("Only a working key that was not rotated yet can be rotated."))
    new = _make_key(old.integration_id, old.label, list(old.scopes), owner_id=actor.staff_id,
                    expires_at=old.expires_at)
    grace = timedelta(hours=current_app.config["API_KEY_ROTATION_GRACE_HOURS"])
    old.retires_at = now + grace
    old.replaced_by_id = new.key.id
    key_cache.changed()
    audit.record("api_key.rotated", actor=actor, subject=old.audit_ref,
                 details={"successor": new.key.id, "grace_hours": grace // timedelta(hours=1)})
    return new


@use_case
def revoke_key(key_id: int, *, actor: Actor) -> ApiKey:
    key = _get_key(key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key_cache.changed()
        audit.record("api_key.revoked", actor=actor, subject=key.audit_ref)
    return key


def find_key(presented: str | None) -> KeyFacts:
    """The valid key `presented` names, or ApiKeyRefused(401). Reads only, and usually
    not even the database (`key_cache`). The key is hashed once per call."""
    match = KEY_PATTERN.match(presented or "")
    if match is None:
        raise ApiKeyRefused(401, _("Send a valid API key: Authorization: Bearer <key>."))
    key = key_cache.lookup(match.group(1))
    digest = _digest(presented or "")
    if key is None or not hmac.compare_digest(key.secret_sha256, digest):
        raise ApiKeyRefused(401, _("This API key is not known."))
    state = key.state(utcnow())
    if state not in {"active", "rotating"}:
        raise ApiKeyRefused(401, _("This API key is %(state)s.", state=_state_label(state)))
    return key


def require_scope(key: KeyFacts, scope: Scope) -> None:
    if scope.value not in key.scopes:
        raise ApiKeyRefused(403, _("This API key lacks the scope %(scope)s.", scope=scope.value))


def _make_key(integration_id: int, label: str, scopes: list[str], *, owner_id: int | None,
              expires_at: datetime | None) -> NewKey:
    prefix = secrets.token_hex(6)
    secret = f"lk_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(integration_id=integration_id, label=label[:200], prefix=prefix,
                 secret_sha256=_digest(secret), scopes=scopes, owner_id=owner_id,
                 expires_at=expires_at)
    db.session.add(key)
    db.session.flush()
    return NewKey(key, secret)


def _get_key(key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id) if 0 < key_id <= MAX_ID else None
    if key is None:
        raise NotFound(_("This API key does not exist."))
    return key


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _state_label(state: str) -> str:
    return {"expired": _("expired"), "retired": _("retired (rotated)"),
            "revoked": _("revoked")}.get(state, state)
