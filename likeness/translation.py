"""Translated text, finding the catalogue once per request and locale.

Flask-Babel looks the catalogue up for every string it translates: the domain, the
locale, the locale's name as text and a cache lookup, each of the first two read through
the `g` proxy (eight reads, each a context lookup and a few calls): as much work as
rendering a short string, and a page translates 20-160 strings (`_()` in templates, lazy
labels of forms). Here the catalogue found is kept on `g` with the locale object and
domain it is for, and found again through `g`'s own object, read once. `force_locale`
(an email in its recipient's language) sets another locale object and so gets its own
catalogue, and `refresh()` makes a new one too.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import g
from flask_babel import Domain, get_domain, get_locale
from flask_babel.speaklater import LazyString


class RequestCachedDomain(Domain):
    """Flask-Babel's domain (the app's, through `CachedBabel`), keeping its catalogue."""

    def get_translations(self) -> NullTranslations:
        app_globals = _app_globals()
        if app_globals is None:
            return super().get_translations()
        kept = _kept(app_globals, self)
        if kept is not None:
            return kept
        locale = get_locale()
        translations = super().get_translations()
        app_globals.likeness_translations = (locale, self, translations)
        return translations


def current_translations() -> NullTranslations:
    """`flask_babel.get_translations()`: the current domain's catalogue for the current
    locale (none outside an app context, as Flask-Babel answers)."""
    app_globals = _app_globals()
    if app_globals is None:
        return NullTranslations()
    state = app_globals.__dict__.get("_flask_babel")
    domain = getattr(state, "babel_domain", None)
    kept = _kept(app_globals, domain)
    if kept is not None:
        return kept
    return (domain or get_domain()).get_translations()


def gettext(string: str, /, **variables: Any) -> str:
    """`flask_babel.gettext`: the translation, formatted with `variables` if any."""
    text = current_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, /, **variables: Any) -> LazyString:
    """`flask_babel.lazy_gettext` (text defined at import, translated when shown: form
    labels, choices), each showing through `gettext` above."""
    return LazyString(gettext, string, **variables)


def _app_globals() -> Any:
    """`g`'s object itself, or None outside an app context."""
    try:
        return g._get_current_object()
    except RuntimeError:
        return None


def _kept(app_globals: Any, domain: Domain | None) -> NullTranslations | None:
    """The catalogue kept in this context, if it is `domain`'s for the locale chosen now."""
    kept = app_globals.__dict__.get("likeness_translations")
    if kept is None or kept[1] is not domain or domain is None:
        return None
    return kept[2] if kept[0] is _chosen_locale(app_globals) else None


def _chosen_locale(app_globals: Any) -> Locale | None:
    """The locale Flask-Babel chose in this context, if it has chosen yet: its own state
    on `g` (what `get_locale()` reads after three reads through the proxy). Were that
    state to move in a later Flask-Babel, this finds nothing and the catalogue is looked
    up as Flask-Babel does it: slower, never wrong."""
    state = app_globals.__dict__.get("_flask_babel")
    return getattr(state, "babel_locale", None)
