"""Form widgets render their attributes through our `html_params` (likeness.web.form_fields):
the same HTML as WTForms' own, attribute for attribute, escaping included."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms.widgets import core as widgets

from likeness.web.form_fields import WTFORMS_HTML_PARAMS, html_params
from portal.forms import RequestForm

_wtforms_html_params = WTFORMS_HTML_PARAMS


CASES: list[dict[str, Any]] = [
    {"id": "name", "name": "name", "type": "text", "value": ""},
    {"value": 'Say "hi" & <b>bye</b>', "class_": "a b", "for_": "x"},
    {"value": Markup('already "safe" <i>markup</i>'), "title": Markup("&amp;")},
    {"checked": True, "disabled": False, "required": True, "value": 0},
    {"data_busy": "Sending…", "aria_describedby": "x-hint x-error", "aria_invalid": "true"},
    {"value": None, "rows": 5, "maxlength": 200, "min": 1.5},
    {"placeholder": _l("Your name"), "accept": "image/jpeg,image/png"},
    {"onclick": "alert('x')", "style": "a<b>c", "<bad>": "name & key"},
]


def test_the_same_attributes_as_wtforms(app: Flask):
    with app.test_request_context("/"):
        for case in CASES:
            assert html_params(**case) == _wtforms_html_params(**case), case
            assert isinstance(html_params(**case), Markup)


def test_the_request_form_renders_as_with_wtforms_own_attributes(app: Flask,
                                                                 monkeypatch: Any):
    """Every field of the longest public form, rendered both ways."""
    with app.test_request_context("/request"):
        form = RequestForm(language="en")
        ours = [str(field(**{"aria_describedby": "h", "data_x": '"q"'})) for field in form]
        monkeypatch.setattr(widgets, "html_params", _wtforms_html_params)
        monkeypatch.setattr(widgets.Input, "html_params", staticmethod(_wtforms_html_params))
        theirs = [str(field(**{"aria_describedby": "h", "data_x": '"q"'})) for field in form]
    assert ours == theirs
    assert any('type="radio"' in html for html in ours)
    assert any("<select" in html for html in ours)
    assert any("<textarea" in html for html in ours)
