"""Flask's config, built from the settings schema (`likeness.settings`) and checked.

Development (the `make run` default) works with no environment at all: SQLite and
an embedded Redis under `instance/`. Anywhere else the secrets must be given, and a
missing one stops start-up with a message that names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from likeness.config_checks import (
    ConfigError,
    _read_secret_file,
    check_dpo_contact,
    check_redis_url,
    check_secret_key,
    check_single_sign_on,
)
from likeness.models.setting import TemplatePolicy
from likeness.settings import SettingError, Settings, read_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

TEMPLATE_POLICIES = tuple(policy.value for policy in TemplatePolicy)

# Settings whose config key is not the variable's name.
CONFIG_KEYS = {
    "LIKENESS_ENV": "ENV_NAME",
    "LIKENESS_INSTANCE": "INSTANCE_PATH",
    "LIKENESS_ADMIN_EMAIL": "ADMIN_EMAIL",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "MAX_UPLOAD_BYTES": "MAX_CONTENT_LENGTH",
    "PORTAL_MAX_BYTES": "PORTAL_MAX_CONTENT_LENGTH",
}

# What no deployment changes: Flask's and the extensions' fixed choices.
FIXED: dict[str, Any] = {
    # Non-file form fields (drawn signatures arrive as data URLs).
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    "API_TITLE": "Likeness image-bank API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": ("en", "nl"),
    # Dates and times on pages and in emails are those of our users' clock.
    "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    # hide_parameters: SQL errors (and so logs) never show the values, which can be
    # names, emails or templates.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings dict from the environment (`likeness.settings`), then apply
    `overrides` and check the whole.

    `LIKENESS_ENV` is `development` (default), `production` or `testing`.
    """
    overrides = dict(overrides or {})
    try:
        settings = read_settings()
    except SettingError as exc:
        raise ConfigError(str(exc)) from None
    env = overrides.get("ENV_NAME") or settings.LIKENESS_ENV
    instance = Path(overrides.get("INSTANCE_PATH") or settings.LIKENESS_INSTANCE
                    or DEFAULT_INSTANCE)
    cfg = {**_from_settings(settings, env, instance), **FIXED}
    cfg.update(overrides)
    _check_choices(cfg)
    check_single_sign_on(cfg)
    _check_secrets(cfg)
    check_dpo_contact(cfg)
    # Production behind TLS: HSTS, and `__Host-` cookies (kept by the browser only if
    # Secure, set by this very host, for path /: no subdomain can plant or read them).
    cfg["HTTPS_ONLY"] = bool(cfg["SESSION_COOKIE_SECURE"]) and not _local(cfg)
    if cfg["HTTPS_ONLY"]:
        cfg.setdefault("SESSION_COOKIE_NAME", "__Host-likeness-session")
    return cfg


def _from_settings(settings: Settings, env: str, instance: Path) -> dict[str, Any]:
    """The environment's values under their config keys, with the defaults that depend on
    the environment or the instance folder filled in."""
    cfg = {CONFIG_KEYS.get(name, name): value for name, value in settings.model_dump().items()}
    secure = (settings.SESSION_COOKIE_SECURE if settings.SESSION_COOKIE_SECURE is not None
              else env != "development")
    cfg.update({
        "ENV_NAME": env,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": settings.SECRET_KEY or None,
        "SQLALCHEMY_DATABASE_URI": database_url(
            settings.DATABASE_URL or f"sqlite:///{instance / 'likeness.db'}"),
        "FACE_KEY_FILE": settings.FACE_KEY_FILE or str(instance / "face-keys.json"),
        "SEARCH_SERVICE": settings.SEARCH_SERVICE or ("local" if env == "testing"
                                                      else "worker"),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "OIDC_ISSUER": settings.OIDC_ISSUER.rstrip("/"),
    })
    return cfg


def _local(cfg: dict[str, Any]) -> bool:
    return cfg["ENV_NAME"] in {"development", "testing"}


def _check_choices(cfg: dict[str, Any]) -> None:
    """What the schema cannot say alone: the policy `all` never from the environment, and
    settings that need another one."""
    if cfg["FACE_TEMPLATE_POLICY"] == TemplatePolicy.ALL:
        raise ConfigError(
            "FACE_TEMPLATE_POLICY=all cannot be set from the environment: a template of "
            "every face needs a legal basis beyond consent, which an admin records with a "
            "complete, positive DPIA version on the Settings page (or `flask template-policy "
            "all --basis ... --dpia-version N`)."
        )
    if cfg["FACE_TEMPLATE_POLICY"] not in TEMPLATE_POLICIES:
        raise ConfigError(
            f"FACE_TEMPLATE_POLICY must be consented-only or off, "
            f"got {cfg['FACE_TEMPLATE_POLICY']!r}"
        )
    # Overrides (tests, the CLI) skip the schema: the choices are checked again here.
    if cfg["SEARCH_SERVICE"] not in {"worker", "local"}:
        raise ConfigError(f"SEARCH_SERVICE must be worker or local, "
                          f"got {cfg['SEARCH_SERVICE']!r}")
    if not 1 <= cfg["SEARCH_TIMEOUT_SECONDS"] < 10:  # below the Redis socket timeout
        raise ConfigError("SEARCH_TIMEOUT_SECONDS must be between 1 and 9")
    if cfg["STORAGE"] not in {"local", "s3"}:
        raise ConfigError(f"STORAGE must be local or s3, got {cfg['STORAGE']!r}")
    if cfg["STORAGE"] == "s3" and not cfg["S3_BUCKET"]:
        raise ConfigError("STORAGE=s3 needs S3_BUCKET (and, for a store other than AWS, "
                          "S3_ENDPOINT_URL).")
    if cfg["CONTROLLER_TYPE"] not in {"public", "private"}:
        raise ConfigError(f"CONTROLLER_TYPE must be public or private, "
                          f"got {cfg['CONTROLLER_TYPE']!r}")


def _check_secrets(cfg: dict[str, Any]) -> None:
    """The secret key (from the setting, its file, or a development key), Redis passwords
    and the proxy count: outside development, a missing one stops start-up."""
    local = _local(cfg)
    if not cfg["SECRET_KEY"] and cfg["SECRET_KEY_FILE"]:
        cfg["SECRET_KEY"] = _read_secret_file(str(cfg["SECRET_KEY_FILE"]))
    if not cfg["SECRET_KEY"]:
        if not local:
            raise ConfigError(
                "SECRET_KEY is not set. Outside development Likeness refuses to start "
                "without it: generate one with `python -c 'import secrets; "
                "print(secrets.token_hex(32))'` and export SECRET_KEY."
            )
        cfg["SECRET_KEY"] = _development_secret(Path(cfg["INSTANCE_PATH"]))
    elif not local:
        check_secret_key(str(cfg["SECRET_KEY"]))
    if not local:
        for name in ("REDIS_URL", "AUDIT_HEAD_REDIS_URL"):
            check_redis_url(name, str(cfg.get(name) or ""))
    if cfg["TRUSTED_PROXY_HOPS"] is None:
        if not local:
            raise ConfigError(
                "TRUSTED_PROXY_HOPS is not set. Say how many proxies (load balancer, nginx) "
                "stand in front of Likeness: 0 if browsers connect to it directly. Behind a "
                "proxy with 0, every visitor shares the proxy's address, and the login and "
                "request-form limits then lock everyone out at once.")
        cfg["TRUSTED_PROXY_HOPS"] = 0


def database_url(url: str) -> str:
    """Accept the usual `postgres://` spellings; we drive PostgreSQL with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _development_secret(instance: Path) -> str:
    """A per-checkout random key kept in instance/, so sessions survive restarts."""
    import secrets

    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


# Entra ID's multi-tenant endpoints: their metadata names no issuer a token can match,
# and any organisation's staff could sign in through them.
