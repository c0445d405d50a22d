"""Language choice: the visitor's switcher choice, else the browser's preference."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, redirect, request, session
from flask.typing import ResponseReturnValue

from likeness.extensions import limiter
from likeness.web import held_files

LANGUAGE_POSTS_PER_HOUR = "30 per hour"


def select_locale() -> str | None:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs pass their language explicitly
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def switch_language(code: str) -> ResponseReturnValue:
    """Switch, and go back. A form posted here (the switcher's buttons on a page whose
    form must survive) is kept and shown again, filled in, in the new language."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = safe_next(request.args.get("next"))
    if request.method == "POST":
        held_files.keep_form(target, request.form, request.files)
    return redirect(target)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: `//evil.example` and `https://...` become the default."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def register(app: Flask) -> None:
    # A post here keeps its files for an hour (held_files): limited, so nobody can fill
    # Redis, which also carries the job queue, by posting files from fresh sessions.
    limited = limiter.limit(LANGUAGE_POSTS_PER_HOUR, methods=["POST"])(switch_language)
    app.add_url_rule("/lang/<code>", "switch_language", limited, methods=["GET", "POST"])

    @app.context_processor
    def inject_languages() -> dict[str, object]:
        from flask_babel import get_locale

        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
