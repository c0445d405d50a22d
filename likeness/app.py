"""The application factory: config -> extensions -> areas -> blueprints -> errors -> CLI."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from likeness import cli
from likeness.config import PROJECT_ROOT, load_config
from likeness.extensions import babel, csrf, db, limiter, login_manager, migrate
from likeness.platform import embedded_redis, redis_client
from likeness.platform.database import configure_engine
from likeness.platform.queue import ensure_embedded_redis, limiter_storage_uri
from likeness.web import (
    compiled_templates,
    error_pages,
    form_fields,
    health,
    i18n,
    ids,
    labels,
    security,
    template_gettext,
    uncommitted,
)

# The areas, each registering its own jobs, daily tasks and restore hooks
# (`register_jobs()` in its package). The platform never imports an area; the factory
# does, here, once.
AREAS = ("platform", "library", "consent", "dsr", "cockpit", "staff", "integrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(
        "likeness",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=settings["INSTANCE_PATH"],
    )
    compiled_templates.share(app)
    app.config.update(settings)
    configure_redis(app)
    # Before the extensions: the body limit must be in place before CSRF reads the form.
    security.register(app)
    register_extensions(app)
    register_areas()
    ids.register_converters(app)
    register_blueprints(app)
    error_pages.register(app)
    uncommitted.register(app)
    ids.register_handlers(app)
    health.register(app)
    cli.register(app)
    return app


def configure_redis(app: Flask) -> None:
    """Use REDIS_URL, or the embedded Redis under instance/ (started on first use)."""
    if not app.config["REDIS_URL"]:
        app.config["EMBEDDED_REDIS"] = True
        app.config["REDIS_URL"] = embedded_redis.url_for_instance(app.instance_path)
        # Serving pages needs it at once (login throttling); a CLI command only if it
        # uses the queue (see likeness.platform.queue).
        app.before_request(ensure_embedded_redis)
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    # If Redis is down, throttle in memory rather than fail every login.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # ... and notice that at once (see likeness.platform.redis_client).
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_client.client_options())
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    template_gettext.register(app)
    i18n.register(app)
    labels.register(app)
    form_fields.register(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = None  # the login page explains itself
    # Stolen-cookie protection comes from server-side session versions (see StaffUser).
    login_manager.session_protection = "basic"

    from likeness.staff import accounts

    login_manager.user_loader(accounts.load_session_user)


def register_areas() -> None:
    for area in AREAS:
        importlib.import_module(f"likeness.{area}").register_jobs()


def register_blueprints(app: Flask) -> None:
    from admin import blueprint as admin_blueprint
    from portal import blueprint as portal_blueprint

    app.register_blueprint(portal_blueprint)
    app.register_blueprint(admin_blueprint, url_prefix="/admin")
    register_api(app)


def register_api(app: Flask) -> None:
    """The image-bank API: no cookies, so no CSRF; requests counted per key."""
    from api import blueprint as api_blueprint
    from api import viewer
    from api.openapi import OpenApi

    csrf.exempt(api_blueprint)
    # One per app (it keeps itself in app.extensions): the document of this app's routes.
    api = OpenApi(app)
    api.register_blueprint(api_blueprint, url_prefix="/api/v1")
    app.register_blueprint(viewer.blueprint, url_prefix="/api/v1")
