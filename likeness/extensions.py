"""Extensions, created without an app and bound in `create_app` with `init_app`."""

from __future__ import annotations

from functools import cached_property

from babel.support import NullTranslations
from flask import g
from flask_babel import Babel, Domain, get_locale
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
    a short string; a page translates 20-60 strings (`_()` in templates, lazy labels).
    The catalogue found is kept on `g` with the locale object it is for: `force_locale`
    (an email in its recipient's language) sets another locale object and so gets its
    own catalogue, and `refresh()` makes a new one too."""

    def get_translations(self) -> NullTranslations:
        if not g:
            return super().get_translations()
        locale = get_locale()
        kept = g.get("likeness_translations")
        if kept is not None and kept[0] is locale and kept[1] is self:
            return kept[2]
        translations = super().get_translations()
        g.likeness_translations = (locale, self, translations)
        return translations


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

