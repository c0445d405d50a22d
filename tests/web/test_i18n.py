from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale


def test_language_follows_the_browser(client: FlaskClient):
    dutch = client.get("/", headers={"Accept-Language": "nl-NL,nl;q=0.9"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="nl">' in dutch
    assert "Mijn toestemming beheren" in dutch
    assert "Manage my consent" in english


def test_switcher_overrides_the_browser(client: FlaskClient):
    client.get("/lang/nl?next=/request")
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Manage my consent" not in html
    client.get("/lang/en")
    assert "Manage my consent" in client.get("/").get_data(as_text=True)


def test_an_email_in_another_language_mid_page_and_the_page_after_it(app: Flask):
    """Templates keep the request's catalogue; text rendered for someone else's language
    (force_locale, as emails are) is in that language, and the page goes on in its own."""
    page = "{{ _('Make a request') }}"
    # Each request its own app context (and so its own `g`), as in production.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(page) == "Make a request"
        with force_locale("nl"):
            assert render_template_string(page) == "Een verzoek indienen"
            with force_locale("en"):
                assert render_template_string(page) == "Make a request"
            assert render_template_string(page) == "Een verzoek indienen"
        assert render_template_string(page) == "Make a request"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert render_template_string(page) == "Een verzoek indienen"


def test_lazy_labels_show_in_the_language_of_the_moment(app: Flask):
    """Our `lazy_gettext` (likeness.translation) shows what Flask-Babel's shows: in the
    request's language, in a forced one mid-request, untranslated outside an app."""
    import flask_babel

    from likeness.translation import lazy_gettext

    cases = [(("Your name",), {}), (("Not in the catalogue",), {}),
             (("Data protection officer: %(contact)s",), {"contact": "<dpo@example.org>"})]
    ours = [lazy_gettext(*args, **kwargs) for args, kwargs in cases]
    theirs = [flask_babel.lazy_gettext(*args, **kwargs) for args, kwargs in cases]
    assert [str(text) for text in ours] == [str(text) for text in theirs]
    assert str(ours[0]) == "Your name"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert str(ours[0]) == "Uw naam"
        assert [str(text) for text in ours] == [str(text) for text in theirs]
        with force_locale("en"):
            assert str(ours[0]) == "Your name"
            assert [str(text) for text in ours] == [str(text) for text in theirs]
        page = "{% for label in labels %}<p>{{ label }}</p>{% endfor %}"
        shown = render_template_string(page, labels=ours)
        assert "<p>Uw naam</p>" in shown
        assert shown == render_template_string(page, labels=theirs)
