"""Every setting Likeness reads from the environment, as one typed schema.

Each field is an environment variable of the same name. Its description is the line in
`docs/configuration.md`, which `flask config-doc write docs/configuration.md` generates from
this class (a test fails when the two disagree). `likeness.config.load_config` turns a
validated `Settings` into Flask's config; values that depend on others (the instance
folder, the environment) are filled in there.

An empty variable counts as unset, so `FOO=` in an env file falls back to the default.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MiB = 1024 * 1024

GENERAL = "general"
SINGLE_SIGN_ON = "single sign-on"
API = "the image-bank API"

ROLE_MAP_DEFAULT = ",".join(f"Likeness.{role}={role}"
                            for role in ("admin", "privacy_officer", "librarian", "viewer"))


def setting(default: Any, doc: str, *, shown: str | None = None, group: str = GENERAL,
            **limits: Any) -> Any:
    """A field with the line the configuration page shows: `shown` is the default as a
    person reads it, when the value itself says little (a derived or empty default)."""
    return Field(default, description=doc, json_schema_extra={"shown": shown, "group": group},
                 **limits)


CommaList = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True,
                                      extra="ignore", validate_default=True)

    # --- where Likeness runs ---
    LIKENESS_ENV: Literal["development", "production", "testing"] = setting(
        "development", "`production` requires `SECRET_KEY`; cookies become `Secure`")
    SECRET_KEY: str = setting(
        "", "signs sessions and links; **required** outside development: hex or base64 of at "
        "least 32 random bytes (`python -c 'import secrets; print(secrets.token_hex(32))'`)",
        shown="random per checkout in development")
    SECRET_KEY_FILE: str = setting("", "a file holding `SECRET_KEY` (read when `SECRET_KEY` "
                                   "is not set)")
    LIKENESS_INSTANCE: str = setting(
        "", "folder for the SQLite file, photos and PDFs (with `STORAGE=local`), embedded "
        "Redis, dev mail", shown="`./instance`")
    LIKENESS_ADMIN_EMAIL: str = setting(
        "admin@localhost.localdomain",
        "the address of the staff account `flask ensure-admin` creates on the first run")
    DATABASE_URL: str = setting(
        "", "e.g. `postgresql://user:pw@host/db` (driven by psycopg 3)",
        shown="SQLite in the instance folder")
    REDIS_URL: str = setting(
        "", "e.g. `redis://:PASSWORD@host:6379/0`; queue and login throttling live here. "
        "Outside development a password (AUTH or an ACL user) is required, and `rediss://` "
        "(TLS) unless on this machine", shown="embedded Redis")
    RQ_QUEUE: str = setting("likeness", "name of the job queue")

    # --- mail and the organisation ---
    MAIL_SERVER: str = setting("", "SMTP server; unset means `.eml` files in "
                               "`instance/outbox/`")
    MAIL_PORT: int = setting(25, "SMTP port", ge=1, le=65535)
    MAIL_USE_TLS: bool = setting(False, "STARTTLS to the SMTP server")
    MAIL_USERNAME: str = setting("", "SMTP user")
    MAIL_PASSWORD: str = setting("", "SMTP password")
    MAIL_FROM: str = setting("Likeness <privacy@localhost>", "sender address")
    STAFF_ALERT_EMAIL: str = setting("", "where staff alerts go")
    ORGANISATION_NAME: str = setting("Likeness demo organisation", "shown on pages and PDFs")
    ORGANISATION_LOGO: str = setting("", "path of a PNG/JPEG logo printed on answer PDFs")
    PUBLIC_BASE_URL: str = setting("http://127.0.0.1:5000", "base of every link in an email")
    CONTROLLER_TYPE: Literal["public", "private"] = setting(
        "private", "`public` (answers explain objection under the Awb) or `private` "
        "(petition to the district court)")
    ORGANISATION_ADDRESS: str = setting(
        "", "the controller's postal address, named in the register of processing and the "
        "privacy notice (Art. 13(1)(a), 30(1)(a))")
    ORGANISATION_EMAIL: str = setting(
        "", "the controller's email address, named in the register and the privacy notice")
    DPO_CONTACT: str = setting(
        "", "the data protection officer's contact (also editable under *Settings → "
        "Transparency*). **Required with `LIKENESS_ENV=production`**: the app refuses to "
        "start while it is empty (Art. 37: large-scale biometric processing makes a DPO "
        "mandatory); the start-up check reads this environment setting, not the value saved "
        "in Settings")
    TRANSFERS_OUTSIDE_EEA: str = setting("none", "the Art. 15(2) statement in access answers")
    ACCESS_LOG_STAFF_NAMES: bool = setting(
        False, "name staff in the access log of an answer instead of their role")

    # --- links, downloads and limits ---
    QUITCLAIM_LINK_DAYS: int = setting(14, "how long a signing link works", ge=1)
    PORTABILITY_LINK_DAYS: int = setting(
        7, "how long the export download link mailed to another controller for a "
        "portability request works (Art. 20(2)); never longer than the export is kept",
        ge=1, le=90)
    MANAGE_LINK_HOURS: int = setting(
        24, "how long a *Manage my consent* link asked for on the portal works", ge=1)
    MANAGE_LINK_IN_EMAILS_DAYS: int = setting(
        30, "how long the manage link in a receipt (quitclaim signed, withdrawal confirmed) "
        "works", ge=1)
    DOWNLOAD_WITHOUT_CONSENT: Literal["blur", "refuse"] = setting(
        "blur", "`blur` faces without consent in channel downloads, or `refuse`")
    MAX_UPLOAD_BYTES: int = setting(200 * MiB, "request body limit for staff pages (photo "
                                    "uploads)", shown="200 MiB", ge=1)
    PORTAL_MAX_BYTES: int = setting(12 * MiB, "request body limit for the public portal",
                                    shown="12 MiB", ge=1)
    LOGIN_LIMIT_PER_IP: str = setting(
        "20 per 15 minutes", "failed staff logins per (client address, account) before 429; "
        "a browser the account used before is not counted")
    LOGIN_LIMIT_PER_ADDRESS: str = setting(
        "100 per 15 minutes", "failed staff logins per client address over all accounts")

    # --- the face engine and search ---
    FACE_TEMPLATE_POLICY: str = setting(
        "consented-only", "`consented-only` or `off` for a new installation; `all` only "
        "through the app, with its legal basis (see [legal.md](legal.md#face-template-policy))")
    FACE_KEYS: str = setting("", "template encryption keys (JSON), kept outside the database; "
                             "read when set, else `FACE_KEY_FILE`")
    FACE_KEY_FILE: str = setting("", "the file of template encryption keys",
                                 shown="`instance/face-keys.json`")
    FACE_MATCH_THRESHOLD: float = setting(
        0.6, "largest face distance that counts as the same person", gt=0, le=1)
    FACE_MIN_PX: int = setting(
        40, "the smallest face to find, in pixels of the original photo (see "
        "[Indexing](user-guide.md#the-library-and-the-face-pipeline))", ge=10)
    SEARCH_SERVICE: Literal["worker", "local"] | None = setting(
        None, "`worker`: one worker per machine keeps the face index and answers every "
        "process's searches; `local`: each process keeps its own (see [Several machines]"
        "(operations.md#several-machines-shared-storage-one-face-index-per-machine))",
        shown="`worker` (tests: `local`)")
    SEARCH_TIMEOUT_SECONDS: int = setting(
        8, "how long a page or job waits for the search worker (1-9: below the Redis "
        "socket timeout)", ge=1, le=9)
    SEARCH_CHUNK_ASSETS: int = setting(25, "photos per scan job under `consented-only`", ge=1)
    SCAN_SECONDS_PER_FACE: float = setting(
        0.08, "for the case page's estimate of how long a scoped scan takes", gt=0)
    MAX_IMAGE_PIXELS: int = setting(60_000_000, "decompression-bomb limit per image",
                                    shown="60 000 000", ge=1)
    MAX_UPLOAD_FILE_BYTES: int = setting(40 * MiB, "size limit per uploaded photo",
                                         shown="40 MiB", ge=1)
    SELFIE_MAX_SIDE: int = setting(2048, "a selfie is decoded at most this long (px)", ge=64)
    SELFIE_DECODE_BUDGET_MB: int = setting(
        200, "memory one selfie's decode may take (estimated from the header; above it the "
        "photo is refused with its format's pixel limit)", ge=1)
    PHOTO_DECODE_BUDGET_MB: int = setting(600, "the same for one staff photo", ge=1)
    IMAGE_DECODE_BUDGET_MB: int = setting(
        600, "memory all decodes of one process may take at once (others wait)", ge=1)

    # --- files and storage ---
    STORAGE: Literal["local", "s3"] = setting(
        "local", "`local` (files under the instance folder) or `s3` (S3-compatible object "
        "storage shared by several machines)")
    S3_BUCKET: str = setting("", "the bucket (required with `STORAGE=s3`)")
    S3_PREFIX: str = setting("", "a key prefix inside the bucket")
    S3_ENDPOINT_URL: str = setting("", "the store's address (unset: AWS)")
    S3_REGION: str = setting("", "the store's region")
    S3_ADDRESSING_STYLE: Literal["auto", "path", "virtual"] = setting(
        "auto", "`path` for most self-hosted stores (MinIO, Garage); `auto` lets boto3 choose")
    S3_ACCESS_KEY_ID: str = setting("", "credentials; unset: boto3's own chain (environment, "
                                    "instance role)")
    S3_SECRET_ACCESS_KEY: str = setting("", "the secret of `S3_ACCESS_KEY_ID`")
    LEDGER_DIR: str = setting(
        "", "the shared erasure and withdrawal ledger every machine reads at a restore; set it "
        "to a shared folder only with `STORAGE=local` on several machines",
        shown="unset: the object store under `ledger/`")
    WITHDRAWAL_LOG_FILE: str = setting(
        "", "local log of withdrawals written by older versions; copied to the shared ledger "
        "at the next restore", shown="`instance/ledger/withdrawals.jsonl`")
    BACKUP_DIR: str = setting(
        "", "where `flask backup` writes archives; the daily retention run deletes the ones "
        "older than the backup retention period", shown="`instance/backups`")
    BACKUP_KEY: str = setting(
        "", "seals every backup (base64, 32 bytes); keep a copy apart from the backups: "
        "without it no backup can be restored; read when set, else `BACKUP_KEY_FILE`")
    BACKUP_KEY_FILE: str = setting("", "the file holding `BACKUP_KEY`",
                                   shown="`instance/backup-key` (development only)")

    # --- security and operations ---
    TRUSTED_PROXY_HOPS: int | None = setting(
        None, "proxies in front of the app whose `X-Forwarded-For`/`-Proto` are believed (1 "
        "behind the TLS proxy)", shown="0 in development; **required** in production", ge=0)
    SESSION_COOKIE_SECURE: bool | None = setting(
        None, "send cookies over HTTPS only", shown="on outside development")
    SESSION_IDLE_MINUTES: int = setting(30, "a staff session ends after this idle time", ge=1)
    SESSION_MAX_HOURS: int = setting(12, "a staff session ends at the latest this long after "
                                     "login", ge=1)
    STAFF_2FA_ROLES: CommaList = setting(
        ("admin", "privacy_officer"), "roles that must use two-factor authentication "
        "(comma-separated)", shown="`admin,privacy_officer`")
    AUDIT_KEY: str = setting("", "HMAC key of the audit chain (base64, ≥ 32 bytes), kept "
                             "outside the database; read when set, else `AUDIT_KEY_FILE`")
    AUDIT_KEY_FILE: str = setting("", "the file holding `AUDIT_KEY`",
                                  shown="`instance/audit-key`")
    AUDIT_HEAD: str = setting(
        "", "where the audit chain head is kept: `redis` (production) or `file:/path`",
        shown="`instance/audit-head.json`")
    AUDIT_HEAD_REDIS_URL: str = setting(
        "", "with `AUDIT_HEAD=redis`: a Redis of its own for the head (same password/TLS "
        "rules), so that whoever can write the job queue's Redis cannot move the head too",
        shown="`REDIS_URL`")
    PDF_SIGNING_KEY_FILE: str = setting(
        "", "the organisation's private key (PEM) that signs every PDF",
        shown="self-signed in `instance/pdf-signing/` (development only)")
    PDF_SIGNING_CERT_FILE: str = setting("", "the certificate (PEM) of that key",
                                         shown="self-signed (development only)")
    PDF_SIGNING_KEY_PASSWORD: str = setting("", "the password of the signing key, if any")
    HEALTH_TOKEN: str = setting("", "bearer token that shows `/healthz`'s checks to a remote "
                                "monitor (loopback always sees them)")
    HEALTH_CACHE_SECONDS: int = setting(5, "how long a `/healthz` answer is reused", ge=0)
    HEALTH_LIMIT: str = setting("30 per minute", "the public `/healthz` probe's rate limit")
    WORKER_ALERT_MINUTES: int = setting(
        10, "staff are emailed when no worker was seen for this long", ge=1)
    OUTBOX_SWEEP_SECONDS: int = setting(15, "how often each worker hands waiting jobs to "
                                        "Redis", ge=1)

    # --- staff single sign-on, OpenID Connect ---
    OIDC_ISSUER: str = setting(
        "", "the provider's issuer, exactly as in its discovery document "
        "(`<issuer>/.well-known/openid-configuration`). Empty: single sign-on is off. Must be "
        "`https`. Multi-tenant endpoints (Entra's `common`, `organizations`, `consumers`) are "
        "refused at start-up", group=SINGLE_SIGN_ON)
    OIDC_CLIENT_ID: str = setting("", "from the app registration at the provider (required "
                                  "with `OIDC_ISSUER`)", group=SINGLE_SIGN_ON)
    OIDC_CLIENT_SECRET: str = setting("", "the client secret of that registration (required "
                                      "with `OIDC_ISSUER`)", group=SINGLE_SIGN_ON)
    OIDC_TENANT_ID: str = setting(
        "", "the only tenant whose users may sign in (checked against the `tid` claim). "
        "Required for Entra ID", group=SINGLE_SIGN_ON)
    OIDC_PROVIDER_NAME: str = setting("", "the name on the button, e.g. `Ziekenhuis Oost "
                                      "account`", group=SINGLE_SIGN_ON)
    OIDC_ROLES_CLAIM: str = setting("roles", "the claim that holds the roles",
                                    group=SINGLE_SIGN_ON)
    OIDC_ROLE_MAP: str = setting(
        ROLE_MAP_DEFAULT, "`provider value=role, ...` with the roles `admin`, "
        "`privacy_officer`, `librarian`, `viewer`; a user with none of these gets no access",
        group=SINGLE_SIGN_ON)
    OIDC_MFA_AMR: CommaList = setting(
        ("mfa",), "comma-separated `amr` values that mean \"multi-factor was used\" (then "
        "Likeness does not ask for its own code)", shown="`mfa`", group=SINGLE_SIGN_ON)
    OIDC_MFA_ACR: CommaList = setting(
        (), "comma-separated `acr` values that mean the same", shown="(none)",
        group=SINGLE_SIGN_ON)
    OIDC_SESSION_MAX_HOURS: int = setting(8, "a single sign-on session's longest life, 1 to 8",
                                          group=SINGLE_SIGN_ON)
    LOCAL_LOGIN: str = setting(
        "all", "`all` or `admins` (passwords for admins only, break-glass; needs "
        "`OIDC_ISSUER`)", group=SINGLE_SIGN_ON)

    # --- the image-bank API ---
    API_RATE_LIMIT: str = setting(
        "600 per minute", "requests per API key (requests without a well-formed key: per "
        "address)", group=API)
    API_KEY_CACHE_SECONDS: int = setting(
        30, "how long a process trusts an API key it read from the database (revocation and "
        "rotation reach every process at once through Redis; this bounds changes nobody "
        "announced, such as a restore)", ge=0, le=3600, group=API)
    API_BLURRED_CHANNELS: str = setting(
        "", "channels where an image bank may fetch a photo with the faces not allowed there "
        "blurred, comma-separated (e.g. `internal,website`)", shown="(none)", group=API)
    API_KEY_ROTATION_GRACE_HOURS: int = setting(
        24 * 7, "how long a rotated key keeps working next to its successor", ge=0, group=API)

    WEBHOOK_PRIVATE_HOSTS: CommaList = setting(
        (), "hosts a webhook may be delivered to although they resolve to a private, loopback "
        "or link-local address (exact host names, comma-separated); set by whoever runs the "
        "servers, not from a web page", shown="(none)", group=API)
    WEBHOOK_CONNECT_TIMEOUT_SECONDS: int = setting(5, "connect timeout of a webhook delivery",
                                                   ge=1, le=60, group=API)
    WEBHOOK_READ_TIMEOUT_SECONDS: int = setting(15, "read timeout of a webhook delivery",
                                                ge=1, le=120, group=API)
    WEBHOOK_SECRET_ROTATION_HOURS: int = setting(
        24, "how long a rotated webhook secret still signs next to the new one", ge=0,
        group=API)
    CONSENT_EXPIRING_DAYS: int = setting(
        30, "how many days before a quitclaim ends `consent.expiring` is sent", ge=1,
        group=API)

    @field_validator("STAFF_2FA_ROLES", "OIDC_MFA_AMR", "OIDC_MFA_ACR", "WEBHOOK_PRIVATE_HOSTS",
                     mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


class SettingError(ValueError):
    """A setting in the environment that does not validate, named with what is wrong."""


def read_settings() -> Settings:
    """The environment's settings; a SettingError names every setting that is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
                             for error in exc.errors())
        raise SettingError(problems) from None
