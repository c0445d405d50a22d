"""Forms of the cockpit's collections page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from likeness.web.labels import HEALTH_GROUND_LABELS

GROUND_LABELS = HEALTH_GROUND_LABELS


class HealthForm(FlaskForm):
    collection = HiddenField(validators=[DataRequired(), Length(max=200)])
    reveals_health = BooleanField(_l("The photos reveal health (a care setting: patients, "
                                     "clients)"))
    ground = SelectField(_l("Article 9 ground"),
                         choices=[SelectChoice("", _l("No ground recorded")),
                                  *(SelectChoice(value, label)
                                    for value, label in GROUND_LABELS.items())])
    note = TextAreaField(_l("How the ground applies"), validators=[Length(max=5000)])


class NoticeExemptionForm(FlaskForm):
    collection = HiddenField(validators=[DataRequired(), Length(max=200)])
    assessment = TextAreaField(
        _l("Article 14(5)(b) assessment for tagged people without an address"),
        validators=[Length(max=5000)])
