"""Forms of the cockpit's collections page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from likeness.models import HealthGround

GROUND_LABELS = {
    HealthGround.EXPLICIT_CONSENT.value: _l("Explicit consent of each person (Art. 9(2)(a))"),
    HealthGround.VITAL_INTERESTS.value: _l("Vital interests (Art. 9(2)(c))"),
    HealthGround.MADE_PUBLIC.value: _l("Made public by the person (Art. 9(2)(e))"),
    HealthGround.LEGAL_CLAIMS.value: _l("Legal claims (Art. 9(2)(f))"),
    HealthGround.SUBSTANTIAL_PUBLIC_INTEREST.value: _l(
        "Substantial public interest under a specific law (Art. 9(2)(g))"),
    HealthGround.HEALTH_CARE.value: _l("Provision of care, under professional secrecy "
                                       "(Art. 9(2)(h))"),
    HealthGround.ARCHIVING.value: _l("Archiving in the public interest (Art. 9(2)(j))"),
}


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
