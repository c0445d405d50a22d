"""The form that records a processor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from likeness.cockpit.processors import SERVICE_LABELS


class ProcessorForm(FlaskForm):
    name = StringField(_l("Name of the processor"), validators=[DataRequired(), Length(max=200)])
    service = SelectField(_l("What it does for us"),
                          choices=[SelectChoice(k, v) for k, v in SERVICE_LABELS.items()])
    location = StringField(_l("Where it processes the data (country)"),
                           validators=[Optional(), Length(max=100)])
    agreement = StringField(_l("Processing agreement (reference or date)"),
                            validators=[Optional(), Length(max=200)])


class RemoveProcessorForm(FlaskForm):
    pass
