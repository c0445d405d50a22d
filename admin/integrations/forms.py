"""Forms of the integrations page (image banks and their API keys)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from likeness.models import Scope
from likeness.translation import lazy_gettext as _l
from likeness.web.form_fields import MultiCheckboxField

SCOPE_CHOICES = [SelectChoice(s.value, s.value) for s in Scope]


class IntegrationForm(FlaskForm):
    name = StringField(_l("Name of the image bank"), validators=[DataRequired(), Length(max=200)])
    allowed_hosts = TextAreaField(
        _l("Hosts Likeness may fetch photos from"), validators=[Length(max=4000)],
        description=_l("One host name per line, e.g. images.example.org"))


class HostsForm(FlaskForm):
    allowed_hosts = TextAreaField(_l("Hosts Likeness may fetch photos from"),
                                  validators=[Length(max=4000)])


class ApiKeyForm(FlaskForm):
    label = StringField(_l("What the key is for"), validators=[DataRequired(), Length(max=200)])
    scopes = MultiCheckboxField(_l("Scopes"), choices=SCOPE_CHOICES)
    expires_on = DateField(_l("Expires on (optional)"), validators=[Optional()])
