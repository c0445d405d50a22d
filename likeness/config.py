"""Settings, read from the environment.

Development (the `make run` default) works with no environment at all: SQLite and
an embedded Redis under `instance/`. Anywhere else the secrets must be given, and a
missing one stops start-up with a message that names it.
"""

from __future__ import annotations

import os
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
from likeness.models.staff import Role

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

TEMPLATE_POLICIES = tuple(policy.value for policy in TemplatePolicy)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in os.environ.get(name, default).split(",") if v.strip())


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings dict from the environment, then apply `overrides`.

    `LIKENESS_ENV` is `development` (default), `production` or `testing`.
    """
    overrides = dict(overrides or {})
    env = overrides.get("ENV_NAME") or os.environ.get("LIKENESS_ENV", "development")
    development = env == "development"
    instance = Path(
        overrides.get("INSTANCE_PATH")
        or os.environ.get("LIKENESS_INSTANCE")
        or DEFAULT_INSTANCE
    )

    cfg: dict[str, Any] = {
        "ENV_NAME": env,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SECRET_KEY_FILE": os.environ.get("SECRET_KEY_FILE", ""),
        "SQLALCHEMY_DATABASE_URI": database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'likeness.db'}"
        ),
        # Empty means: start (or reuse) the embedded Redis under instance/.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "likeness"),
        # Where originals, renditions, PDFs and exports live: "local" (under the instance
        # folder) or "s3" (S3-compatible object storage that several machines share).
        "STORAGE": os.environ.get("STORAGE", "local"),
        "S3_BUCKET": os.environ.get("S3_BUCKET", ""),
        "S3_PREFIX": os.environ.get("S3_PREFIX", ""),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", ""),
        "S3_REGION": os.environ.get("S3_REGION", ""),
        # Empty: boto3's own chain (AWS_* environment, instance role).
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        # "path" for most self-hosted stores (MinIO, Garage); "auto" lets boto3 choose.
        "S3_ADDRESSING_STYLE": os.environ.get("S3_ADDRESSING_STYLE", "auto"),
        # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Likeness <privacy@localhost>"),
        "STAFF_ALERT_EMAIL": os.environ.get("STAFF_ALERT_EMAIL", ""),
        "ORGANISATION_NAME": os.environ.get("ORGANISATION_NAME", "Likeness demo organisation"),
        # PNG or JPEG shown on answer PDFs; none by default.
        "ORGANISATION_LOGO": os.environ.get("ORGANISATION_LOGO", ""),
        # Where people reach the portal: the base of every link in an email.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Who the organisation is, for the remedies in answers: "public" (a public body:
        # objection under the Awb) or "private" (a petition to the district court).
        "CONTROLLER_TYPE": os.environ.get("CONTROLLER_TYPE", "private"),
        # Art. 13 / 37(7): shown on every portal page, email and PDF (also a setting).
        "DPO_CONTACT": os.environ.get("DPO_CONTACT", ""),
        # Art. 15(2): transfers outside the EEA and their safeguards; "none" by default.
        "TRANSFERS_OUTSIDE_EEA": os.environ.get("TRANSFERS_OUTSIDE_EEA", "none"),
        # Access logs in answers name staff by role, or by name when this is on.
        "ACCESS_LOG_STAFF_NAMES": _env_bool("ACCESS_LOG_STAFF_NAMES", False),
        # Downloads for a channel: blur faces without consent there, or refuse them.
        "DOWNLOAD_WITHOUT_CONSENT": os.environ.get("DOWNLOAD_WITHOUT_CONSENT", "blur"),
        "QUITCLAIM_LINK_DAYS": _env_int("QUITCLAIM_LINK_DAYS", 14),
        "MANAGE_LINK_HOURS": _env_int("MANAGE_LINK_HOURS", 24),
        # The manage link in a receipt (signed quitclaim, withdrawal confirmed).
        "MANAGE_LINK_IN_EMAILS_DAYS": _env_int("MANAGE_LINK_IN_EMAILS_DAYS", 30),
        # Request body limits: small for public portal forms, larger for staff uploads.
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_BYTES", 200 * 1024 * 1024),
        "PORTAL_MAX_CONTENT_LENGTH": _env_int("PORTAL_MAX_BYTES", 12 * 1024 * 1024),
        # Non-file form fields (drawn signatures arrive as data URLs).
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        # Login throttling (Flask-Limiter syntax).
        # Failed logins per (client address, account), and per address over all accounts;
        # neither counts a browser the account logged in from before.
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS",
                                                  "100 per 15 minutes"),
        # The image-bank API (/api/v1, see docs/api.md): requests per key, and how long
        # a rotated key keeps working next to its successor.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        # A key read from the database is trusted this long at most (revocations reach
        # every process at once through Redis; see integrations/key_cache.py).
        "API_KEY_CACHE_SECONDS": _env_int("API_KEY_CACHE_SECONDS", 30),
        # Channels where an image bank may fetch a photo with the faces not allowed there
        # blurred (comma-separated, e.g. "internal,website"); none by default.
        "API_BLURRED_CHANNELS": os.environ.get("API_BLURRED_CHANNELS", ""),
        "API_KEY_ROTATION_GRACE_HOURS": _env_int("API_KEY_ROTATION_GRACE_HOURS", 24 * 7),
        "API_TITLE": "Likeness image-bank API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Face engine.
        # The lawful default: templates only with biometric consent (see docs/legal.md). `all`
        # is never chosen here: an admin must record its legal basis in the app.
        "FACE_TEMPLATE_POLICY": os.environ.get("FACE_TEMPLATE_POLICY",
                                               TemplatePolicy.CONSENTED_ONLY.value),
        "FACE_KEY_FILE": os.environ.get("FACE_KEY_FILE", str(instance / "face-keys.json")),
        "FACE_KEYS": os.environ.get("FACE_KEYS", ""),
        "FACE_MATCH_THRESHOLD": float(os.environ.get("FACE_MATCH_THRESHOLD", "0.6")),
        # The smallest face to find, in pixels of the original (40: what plain
        # face_recognition finds with one upsampling). Larger is faster (see docs/speed.md).
        "FACE_MIN_PX": _env_int("FACE_MIN_PX", 40),
        # "worker": one process per machine (an RQ worker) keeps the face index and
        # answers every process's searches; "local": each process keeps its own.
        "SEARCH_SERVICE": os.environ.get("SEARCH_SERVICE",
                                         "local" if env == "testing" else "worker"),
        # How long a page or job waits for the search worker's answer.
        "SEARCH_TIMEOUT_SECONDS": _env_int("SEARCH_TIMEOUT_SECONDS", 8),
        # consented-only: assets per on-the-fly scan job (spread over the workers).
        "SEARCH_CHUNK_ASSETS": _env_int("SEARCH_CHUNK_ASSETS", 25),
        # For the case page's estimate of a scan's duration (measured: bench/scan.py).
        "SCAN_SECONDS_PER_FACE": float(os.environ.get("SCAN_SECONDS_PER_FACE", "0.08")),
        "MAX_IMAGE_PIXELS": _env_int("MAX_IMAGE_PIXELS", 60_000_000),
        "MAX_UPLOAD_FILE_BYTES": _env_int("MAX_UPLOAD_FILE_BYTES", 40 * 1024 * 1024),
        "OUTBOX_SWEEP_SECONDS": _env_int("OUTBOX_SWEEP_SECONDS", 15),
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", not development),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", not development),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ("en", "nl"),
        # --- security and operations (see docs/security.md) ---
        # Proxies in front of the app whose X-Forwarded-For/-Proto we believe (0: none).
        # Required in production (None: not given): a wrong guess either way is harmful.
        "TRUSTED_PROXY_HOPS": (_env_int("TRUSTED_PROXY_HOPS", 0)
                               if os.environ.get("TRUSTED_PROXY_HOPS") else None),
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _env_int("SESSION_MAX_HOURS", 12),
        "STAFF_2FA_ROLES": tuple(r.strip() for r in os.environ.get(
            "STAFF_2FA_ROLES", "admin,privacy_officer").split(",") if r.strip()),
        # --- staff single sign-on, OpenID Connect (see docs/operations.md) ---
        # The provider's tenant-specific issuer; empty: single sign-on is off.
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").rstrip("/"),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        # The one tenant whose staff may sign in (Entra ID's `tid` claim); empty: any
        # tenant the issuer speaks for (an issuer of one organisation only).
        "OIDC_TENANT_ID": os.environ.get("OIDC_TENANT_ID", ""),
        "OIDC_PROVIDER_NAME": os.environ.get("OIDC_PROVIDER_NAME", ""),
        "OIDC_ROLES_CLAIM": os.environ.get("OIDC_ROLES_CLAIM", "roles"),
        # "provider value=likeness role, ...": a user with none of these gets no access.
        "OIDC_ROLE_MAP": os.environ.get("OIDC_ROLE_MAP", ",".join(
            f"Likeness.{r.value}={r.value}" for r in Role)),
        # The provider asserted multi-factor when `amr` holds one of these, or `acr` is one
        # of OIDC_MFA_ACR; then Likeness does not ask for its own code.
        "OIDC_MFA_AMR": _env_list("OIDC_MFA_AMR", "mfa"),
        "OIDC_MFA_ACR": _env_list("OIDC_MFA_ACR", ""),
        "OIDC_SESSION_MAX_HOURS": _env_int("OIDC_SESSION_MAX_HOURS", 8),
        # Who may still log in with a password: "all", or "admins" (break-glass only).
        "LOCAL_LOGIN": os.environ.get("LOCAL_LOGIN", "all"),
        "AUDIT_KEY": os.environ.get("AUDIT_KEY", ""),
        "AUDIT_KEY_FILE": os.environ.get("AUDIT_KEY_FILE", ""),
        "AUDIT_HEAD": os.environ.get("AUDIT_HEAD", ""),
        # With AUDIT_HEAD=redis: a Redis of its own for the head (empty: REDIS_URL), so
        # that whoever can write the job queue's Redis cannot move the head too.
        "AUDIT_HEAD_REDIS_URL": os.environ.get("AUDIT_HEAD_REDIS_URL", ""),
        "PDF_SIGNING_KEY_FILE": os.environ.get("PDF_SIGNING_KEY_FILE", ""),
        "PDF_SIGNING_CERT_FILE": os.environ.get("PDF_SIGNING_CERT_FILE", ""),
        "PDF_SIGNING_KEY_PASSWORD": os.environ.get("PDF_SIGNING_KEY_PASSWORD", ""),
        "WITHDRAWAL_LOG_FILE": os.environ.get("WITHDRAWAL_LOG_FILE", ""),
        # The shared erasure and withdrawal ledger: the object store under `ledger/`
        # unless this names a folder every machine mounts.
        "LEDGER_DIR": os.environ.get("LEDGER_DIR", ""),
        # Seals every backup (encrypt-then-MAC); keep a copy apart from the backups.
        "BACKUP_KEY": os.environ.get("BACKUP_KEY", ""),
        "BACKUP_KEY_FILE": os.environ.get("BACKUP_KEY_FILE", ""),
        # Selfies are decoded at most this long side (phones shoot 12-50 MP).
        "SELFIE_MAX_SIDE": _env_int("SELFIE_MAX_SIDE", 2048),
        # Memory a decode may take, estimated from the header before decoding (MB):
        # per selfie, per staff photo, and for all decodes of one process at once.
        "SELFIE_DECODE_BUDGET_MB": _env_int("SELFIE_DECODE_BUDGET_MB", 200),
        "PHOTO_DECODE_BUDGET_MB": _env_int("PHOTO_DECODE_BUDGET_MB", 600),
        "IMAGE_DECODE_BUDGET_MB": _env_int("IMAGE_DECODE_BUDGET_MB", 600),
        # /healthz: the checks and details only for loopback or this bearer token; the
        # answer is reused for this many seconds; the public probe's rate limit.
        "HEALTH_TOKEN": os.environ.get("HEALTH_TOKEN", ""),
        "HEALTH_CACHE_SECONDS": _env_int("HEALTH_CACHE_SECONDS", 5),
        "HEALTH_LIMIT": os.environ.get("HEALTH_LIMIT", "30 per minute"),
        # Staff are alerted when no worker was seen for this long.
        "WORKER_ALERT_MINUTES": _env_int("WORKER_ALERT_MINUTES", 10),
        # Dates and times on pages and in emails are those of our users' clock.
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        # hide_parameters: SQL errors (and so logs) never show the values, which can be
        # names, emails or templates.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    }
    cfg.update(overrides)

    if cfg["FACE_TEMPLATE_POLICY"] == TemplatePolicy.ALL.value:
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
    check_single_sign_on(cfg)
    local = cfg["ENV_NAME"] in {"development", "testing"}
    if not cfg["SECRET_KEY"] and cfg["SECRET_KEY_FILE"]:
        cfg["SECRET_KEY"] = _read_secret_file(str(cfg["SECRET_KEY_FILE"]))
    if not cfg["SECRET_KEY"]:
        if local:
            cfg["SECRET_KEY"] = _development_secret(Path(cfg["INSTANCE_PATH"]))
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Outside development Likeness refuses to start "
                "without it: generate one with `python -c 'import secrets; "
                "print(secrets.token_hex(32))'` and export SECRET_KEY."
            )
    elif cfg["ENV_NAME"] not in {"development", "testing"}:
        check_secret_key(str(cfg["SECRET_KEY"]))
    if cfg["ENV_NAME"] not in {"development", "testing"}:
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
    check_dpo_contact(cfg)
    # Production behind TLS: HSTS, and `__Host-` cookies (kept by the browser only if
    # Secure, set by this very host, for path /: no subdomain can plant or read them).
    cfg["HTTPS_ONLY"] = bool(cfg["SESSION_COOKIE_SECURE"]) and cfg["ENV_NAME"] not in {
        "development", "testing"}
    if cfg["HTTPS_ONLY"]:
        cfg.setdefault("SESSION_COOKIE_NAME", "__Host-likeness-session")
    return cfg


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
