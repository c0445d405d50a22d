"""Templates translate through our own `_()`, `gettext`, `ngettext` (likeness.web.
template_gettext): the same text as Jinja's newstyle functions over Flask-Babel's, in both
languages, escaping and `%%` included; and a page finds its catalogue once."""

from __future__ import annotations

from typing import Any

import flask_babel
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, get_translations
from jinja2 import Environment

CASES = [
    '{{ _("Make a request") }}',
    '{{ gettext("Make a request") }}',
    '{{ _("Likeness helps %(org)s handle photos of people lawfully (GDPR).", org="<b>A&B</b>") }}',
    '{{ _("100%% of <b>%(what)s</b>", what="\'quotes\' & \\"more\\"") }}',
    '{{ _("Not in the catalogue <i>as is</i>") }}',
    '{{ _("Make a request") ~ "<br>" }}',
    '{% for n in [0, 1, 2] %}{{ ngettext("%(num)d photo", "%(num)d photos", n) }};{% endfor %}',
    '{{ ngettext("%(num)d photo of %(who)s", "%(num)d photos of %(who)s", 2, who="<x>") }}',
    '{{ pgettext("menu", "Open %(x)s", x="<a>") }}',
    '{{ npgettext("menu", "%(num)d file", "%(num)d files", 3) }}',
    '{% trans name="<i>x</i>" %}Hello {{ name }}, 100%{% endtrans %}',
    '{% trans count=2 %}One photo{% pluralize %}{{ count }} photos{% endtrans %}',
]


def _flask_babels_own(autoescape: bool) -> Environment:
    """What Flask-Babel's `init_app` installs, on an environment of its own."""
    # Both ways, as our templates are: pages escape, plain-text emails do not.
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)  # noqa: S701
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: get_translations().ugettext(s),
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
        newstyle=True)
    return env


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_same_text_as_jinjas_own_functions(app: Flask, language: str):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        for autoescape in (True, False):
            reference = _flask_babels_own(autoescape)
            for case in CASES:
                source = case if autoescape else (
                    f"{{% autoescape false %}}{case}{{% endautoescape %}}")
                ours = app.jinja_env.from_string(source).render()
                assert ours == reference.from_string(case).render(), (language, source)
        dutch = app.jinja_env.from_string(CASES[0]).render()
        assert dutch == ("Een verzoek indienen" if language == "nl" else "Make a request")


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The locale of every catalogue lookup Flask-Babel makes from now on."""
    seen: list[str] = []
    original = flask_babel.Domain.get_translations

    def counted(self: flask_babel.Domain) -> Any:
        seen.append(str(flask_babel.get_locale()))
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    return seen


def test_a_page_in_dutch_finds_its_catalogue_once(client: FlaskClient, lookups: list[str]):
    """The request form's template text and its fields' labels are Dutch, from one lookup of
    the catalogue for the whole page (Flask-Babel's lookup counted)."""
    client.get("/request", headers={"Accept-Language": "nl"})
    lookups.clear()
    page = client.get("/request", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    for dutch in ("Naar de inhoud", "Een verzoek indienen", "Uw naam", "Verzoek versturen"):
        assert dutch in page
    for english in ("Skip to the content", "Your name", "Send request"):
        assert english not in page
    assert lookups == ["nl"]
    lookups.clear()
    assert "Mijn toestemming beheren" in client.get(
        "/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert lookups == ["nl"]


def test_a_string_in_another_language_mid_page_looks_up_that_catalogue(app: Flask,
                                                                       lookups: list[str]):
    page = app.jinja_env.from_string('{{ _("Make a request") }}')
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert [page.render(), page.render()] == ["Make a request"] * 2
        with force_locale("nl"):
            assert [page.render(), page.render()] == ["Een verzoek indienen"] * 2
        assert page.render() == "Make a request"
    assert lookups == ["en", "nl", "en"]
