from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from likeness.form_fields import MultiCheckboxField


class SignForm(FlaskForm):
    channels = MultiCheckboxField(_l("Where may the photos be used?"), choices=[],
                               validate_choice=False)
    biometric_consent = BooleanField(
        _l("Likeness may keep a template of my face to find me in photos (optional).")
    )
    signer_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    signature = HiddenField()
    date_of_birth = DateField(_l("Your date of birth"), validators=[Optional()])
    guardian_name = StringField(_l("Name of parent or guardian"),
                                validators=[Optional(), Length(max=200)])
    guardian_signature = HiddenField()


class ManageConsentForm(FlaskForm):
    email = EmailField(_l("Your email address"),
                       validators=[DataRequired(), Email(), Length(max=254)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a confirmation button."""
