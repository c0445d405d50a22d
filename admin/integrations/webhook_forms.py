"""Forms of the webhook pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from likeness.integrations.webhooks import EVENT_TYPES
from likeness.translation import lazy_gettext as _l
from likeness.web.form_fields import MultiCheckboxField

EVENT_CHOICES = [SelectChoice(t, t) for t in EVENT_TYPES]


class EndpointForm(FlaskForm):
    url = StringField(_l("URL of the image bank's receiver"),
                      validators=[DataRequired(), Length(max=2000)],
                      description=_l("On one of the integration's allowed hosts, e.g. "
                                     "https://images.example.org/likeness-events"))
    event_types = MultiCheckboxField(_l("Events (none ticked: all of them)"),
                                     choices=EVENT_CHOICES)
