"""Checks of settings that stop start-up with a message naming the setting: the secret key,
Redis URLs outside development, single sign-on. `likeness.config` builds the settings."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from likeness.models.staff import Role


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def check_redis_url(name: str, url: str) -> None:
    """Outside development Redis must ask for a password (AUTH, or an ACL user), and
    take TLS (`rediss://`) when it is not on this machine: whoever can write to it can
    delay work, so it must not be open to anyone on the network. An empty URL (the
    embedded Redis) and a unix socket (guarded by its file permissions) pass."""
    if not url or url.startswith("unix://"):
        return
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        raise ConfigError(f"{name} must be a redis://, rediss:// or unix:// URL")
    if not parts.password:
        raise ConfigError(
            f"{name} has no password. Outside development Redis must require one: set "
            "`requirepass` or an ACL user on the server and put it in the URL "
            "(redis://USER:PASSWORD@host:6379/0).")
    host = parts.hostname or ""
    if parts.scheme != "rediss" and host not in _LOOPBACK and not host.startswith("127."):
        raise ConfigError(
            f"{name} points at another machine ({host}) without TLS: use rediss:// so the "
            "password and the jobs do not cross the network in clear.")


MIN_SECRET_BYTES = 32
MIN_DISTINCT_BYTES = 16
_GENERATE = "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`"


def check_secret_key(key: str) -> None:
    """Refuse a key that is not hex or base64 of at least 32 bytes, or whose bytes are
    too alike to be random (fewer than 16 different values: a typo or a placeholder).
    It signs sessions and links, and a guessable one forges both."""
    raw = _key_bytes(key.strip())
    if raw is None:
        raise ConfigError(f"SECRET_KEY must be hex or base64 (random bytes): {_GENERATE}.")
    if len(raw) < MIN_SECRET_BYTES:
        raise ConfigError(f"SECRET_KEY must hold at least {MIN_SECRET_BYTES} bytes (64 hex "
                          f"digits): {_GENERATE}.")
    if len(set(raw)) < MIN_DISTINCT_BYTES:
        raise ConfigError(f"SECRET_KEY has fewer than {MIN_DISTINCT_BYTES} different bytes, "
                          f"so it is not random (a typo or a placeholder?): {_GENERATE}.")


def _key_bytes(key: str) -> bytes | None:
    """The bytes a hex or base64 (standard or URL-safe, padded or not) key stands for."""

    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", key):
        return bytes.fromhex(key)
    if not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", key):
        return None
    padded = key.rstrip("=") + "=" * (-len(key.rstrip("=")) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None


def _read_secret_file(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ConfigError(f"SECRET_KEY_FILE {path} cannot be read: {exc.strerror}") from exc


_MULTI_TENANT = {"common", "organizations", "consumers", "{tenantid}"}


def check_single_sign_on(cfg: dict[str, Any]) -> None:
    """Refuse single sign-on settings that would let the wrong people in."""
    from urllib.parse import urlsplit

    if cfg["LOCAL_LOGIN"] not in {"all", "admins"}:
        raise ConfigError(f"LOCAL_LOGIN must be all or admins, got {cfg['LOCAL_LOGIN']!r}")
    issuer = cfg["OIDC_ISSUER"]
    if not issuer:
        if cfg["LOCAL_LOGIN"] != "all":
            raise ConfigError("LOCAL_LOGIN=admins needs single sign-on (OIDC_ISSUER): "
                              "otherwise only admins could log in.")
        return
    if not cfg["OIDC_CLIENT_ID"] or not cfg["OIDC_CLIENT_SECRET"]:
        raise ConfigError("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are "
                          "needed too (from the app registration at the identity provider).")
    parts = urlsplit(issuer)
    loopback = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme != "https" and not (
            loopback and cfg["ENV_NAME"] in {"development", "testing"}):
        raise ConfigError(f"OIDC_ISSUER must be an https URL, got {issuer!r}")
    segments = {s.lower() for s in parts.path.split("/") if s}
    if segments & _MULTI_TENANT:
        raise ConfigError(
            "OIDC_ISSUER names a multi-tenant endpoint (common/organizations/consumers): "
            "use your tenant's own issuer, https://login.microsoftonline.com/<tenant id>/v2.0")
    tenant = cfg["OIDC_TENANT_ID"]
    if parts.hostname == "login.microsoftonline.com" and (
            not tenant or tenant.lower() not in segments):
        raise ConfigError("For Entra ID set OIDC_TENANT_ID to your tenant id, the one in "
                          "OIDC_ISSUER (https://login.microsoftonline.com/<tenant id>/v2.0).")
    if not 1 <= cfg["OIDC_SESSION_MAX_HOURS"] <= 8:
        raise ConfigError("OIDC_SESSION_MAX_HOURS must be between 1 and 8")
    roles = {r.value for r in Role}
    for pair in str(cfg["OIDC_ROLE_MAP"]).split(","):
        value, _, role = pair.partition("=")
        if pair.strip() and (not value.strip() or role.strip() not in roles):
            raise ConfigError(f"OIDC_ROLE_MAP: {pair.strip()!r} is not 'provider value=role' "
                              f"with a role out of {', '.join(sorted(roles))}")


def check_dpo_contact(cfg: dict[str, Any]) -> None:
    """Large-scale processing of biometric data makes a DPO mandatory (GDPR Art. 37(1)(c)):
    production does not start without the DPO's contact details in the environment."""
    if cfg["ENV_NAME"] == "production" and not str(cfg.get("DPO_CONTACT") or "").strip():
        raise ConfigError(
            "DPO_CONTACT is not set. With LIKENESS_ENV=production Likeness refuses to start "
            "without the data protection officer's contact details (GDPR Art. 37: "
            "large-scale processing of biometric data makes a DPO mandatory). Export "
            "DPO_CONTACT, e.g. DPO_CONTACT='Functionaris gegevensbescherming, "
            "fg@example.org'. This start-up check reads the environment setting only: a "
            "contact saved under Settings -> Transparency does not count for it."
        )
