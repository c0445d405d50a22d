"""WTForms fields shared by the portal and the admin."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, SelectMultipleField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.widgets import core as widgets

from likeness.errors import DomainError
from likeness.models.base import MAX_ID
from likeness.platform.text import has_control_characters
from likeness.translation import lazy_gettext as _l


def parse_ids(text: str) -> list[int]:
    """"3, 5; #8" -> [3, 5, 8]. ValueError for anything that is not such a list."""
    parts = [p.strip().lstrip("#") for p in text.replace(";", ",").split(",") if p.strip()]
    ids = [int(p) for p in parts]
    if any(i <= 0 or i > MAX_ID for i in ids):
        raise ValueError("out of range")
    return ids


def valid_ids(values: Iterable[str]) -> list[int]:
    """The ids among `values` (e.g. ticked checkboxes, a hidden list), sorted, without
    duplicates; anything else (tampered values) is left out."""
    ids = set()
    for value in values:
        text = value.strip()
        if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
            ids.add(int(text))
    return sorted(ids)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice) instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OneLine:
    """A validator: one line of plain text (no line breaks or control characters)."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and has_control_characters(str(field.data)):
            raise ValidationError(str(_l("Use one line of plain text, without line breaks.")))
def input_attrs(field: Field, field_id: str, required: bool,
                extra: dict[str, Any]) -> dict[str, Any]:
    """The HTML attributes that tie an input to its hint and errors (templates/_forms.html):
    aria-describedby, aria-invalid and aria-required, with the caller's own."""
    described = ([f"{field_id}-hint"] if field.description else []) + (
        [f"{field_id}-error"] if field.errors else [])
    attrs = dict(extra, id=field_id)
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    # A group of radio buttons or checkboxes renders as a list, where aria-required is not
    # allowed (axe's aria-allowed-attr): its fieldset's legend carries the required mark.
    if required and field.type not in ("RadioField", "MultiCheckboxField"):
        attrs["aria-required"] = "true"
    return attrs


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's error at the field it is about (`error.field`), or at the top of
    the form when it is about no one field."""
    field = form._fields.get(error.field) if error.field else None
    if field is None:
        form.form_errors.append(error.message)
    else:
        field.errors = [*field.errors, error.message]


# WTForms' own, before `register` replaces it (the tests compare the two).
WTFORMS_HTML_PARAMS = widgets.html_params
_QUOTE, _QUOTE_ENTITY = Markup('"'), Markup("&quot;")


def html_params(**kwargs: Any) -> Markup:
    """`wtforms.widgets.core.html_params`, the same attributes in the same order and
    escaping: names and values escaped, a value's quotes as `&quot;`, True as a bare
    name, False left out. WTForms builds each attribute with `Markup.format`, a
    `string.Formatter` written in Python: about a hundred of them on the request form
    were a fifth of the page's time."""
    parts = []
    for key, value in sorted(kwargs.items()):
        name = _attribute_name(key)
        if value is True:
            parts.append(name)
        elif value is not False:
            text = escape(value)
            if '"' in text:  # only a Markup value can still hold one
                text = text.replace(_QUOTE, _QUOTE_ENTITY)
            parts.append(f'{name}="{text}"')
    # Every name and value above went through escape(): the joined text is safe HTML.
    return Markup(" ".join(parts))  # noqa: S704


@lru_cache(maxsize=1024)
def _attribute_name(key: str) -> str:
    """An attribute's name as WTForms writes it, escaped. The names come from our code
    and templates (a few dozen), each page rendering them over and over."""
    return str(escape(widgets.clean_key(key)))


def register(app: Flask) -> None:
    app.jinja_env.globals["input_attrs"] = input_attrs
    # Every widget renders its attributes through this: inputs as their class's
    # `html_params` (meant to be replaceable), the others (select, textarea, lists)
    # through the module's function. Tested to give WTForms' output exactly.
    widgets.html_params = html_params
    widgets.Input.html_params = staticmethod(html_params)
