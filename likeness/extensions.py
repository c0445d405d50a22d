"""Extensions, created without an app and bound in `create_app` with `init_app`."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import g
from flask_babel import Babel, Domain, get_domain, get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from likeness.models.base import Base


class RequestCachedDomain(Domain):
    """Flask-Babel's domain, finding the catalogue once per request and locale.

    Flask-Babel looks the catalogue up for every string it translates (the domain, the
    locale, the locale's name as text, a cache lookup), about as much work as rendering
    a short string; a page translates 20-160 strings (`_()` in templates, lazy labels).
    The catalogue found is kept on `g` with the locale object it is for: `force_locale`
    (an email in its recipient's language) sets another locale object and so gets its
    own catalogue, and `refresh()` makes a new one too. The kept one is found through
    `g`'s own object, read once: each attribute read through the `g` proxy is a context
    lookup and a few calls, and Flask-Babel's path made eight of them per string."""

    def get_translations(self) -> NullTranslations:
        app_globals = _app_globals()
        if app_globals is None:
            return super().get_translations()
        kept = app_globals.__dict__.get("likeness_translations")
        if kept is not None and kept[1] is self and kept[0] is _chosen_locale(app_globals):
            return kept[2]
        locale = get_locale()
        translations = super().get_translations()
        app_globals.likeness_translations = (locale, self, translations)
        return translations


def current_translations() -> NullTranslations:
    """`flask_babel.get_translations()` (the current domain's catalogue for the current
    locale), as cheaply as the kept catalogue allows: for the template functions."""
    app_globals = _app_globals()
    if app_globals is None:
        return NullTranslations()  # as Flask-Babel answers outside an app context
    state = app_globals.__dict__.get("_flask_babel")
    domain = getattr(state, "babel_domain", None) or get_domain()
    return domain.get_translations()


def _app_globals() -> Any:
    """`g`'s object itself, or None outside an app context."""
    try:
        return g._get_current_object()
    except RuntimeError:
        return None


def _chosen_locale(app_globals: Any) -> Locale | None:
    """The locale Flask-Babel chose in this context, if it has chosen yet: its own state
    on `g` (what `get_locale()` reads after three reads through the proxy). Were that
    state to move in a later Flask-Babel, this finds nothing and the catalogue is looked
    up as Flask-Babel does it: slower, never wrong."""
    state = app_globals.__dict__.get("_flask_babel")
    return getattr(state, "babel_locale", None)


class CachedBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return RequestCachedDomain(domain=self.domain)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = CachedBabel()
# No default limits: only the routes that need throttling declare them.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

