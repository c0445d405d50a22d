from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from likeness.models import Role, TemplatePolicy
from likeness.staff.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from likeness.web.form_fields import MultiCheckboxField
from likeness.web.labels import CHANNEL_LABELS

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.PRIVACY_OFFICER: _l("Privacy officer"),
    Role.LIBRARIAN: _l("Librarian"),
    Role.VIEWER: _l("Viewer"),
}

ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
CHANNEL_CHOICES = [SelectChoice(value, label) for value, label in CHANNEL_LABELS.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )


class CreateStaffForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class StaffActionForm(FlaskForm):
    """An empty form: only the CSRF token, for buttons that change state."""


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class UploadForm(FlaskForm):
    collection = StringField(_l("Collection (event)"), validators=[Length(max=200)])


class TagForm(FlaskForm):
    person = StringField(
        _l("Person"),
        validators=[DataRequired(), Length(max=220)],
        description=_l("Pick someone from the list, or type a new name to add a person."),
    )


class PersonNameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class NoBiometricsForm(FlaskForm):
    reason = StringField(_l("How the person asked (e.g. by email on 3 May)"),
                         validators=[DataRequired(), Length(max=300)])


class MergeForm(FlaskForm):
    target = StringField(_l("Merge into"), validators=[DataRequired(), Length(max=220)])


class TemplatePolicyForm(FlaskForm):
    policy = SelectField(
        _l("Face template policy"),
        choices=[
            SelectChoice(TemplatePolicy.ALL.value,
                         _l("all: every face gets an encrypted template")),
            SelectChoice(TemplatePolicy.CONSENTED_ONLY.value,
                         _l("consented-only: templates only with biometric consent")),
            SelectChoice(TemplatePolicy.OFF.value,
                         _l("off: no face recognition; purges every template")),
        ],
    )
    legal_basis = TextAreaField(
        _l("Legal basis (required for all)"), validators=[Length(max=2000)],
        description=_l("Why a template of every face is lawful for your organisation: the "
                       "exception of GDPR Art. 9(2) and the national law it rests on."))
    dpia_reference = StringField(_l("DPIA reference (required for all)"),
                                 validators=[Length(max=200)])


class TransparencyForm(FlaskForm):
    notice = TextAreaField(
        _l("Privacy notice"), validators=[Length(max=20000)],
        description=_l("Shown at /privacy and linked from every portal page, email and PDF. "
                       "Leave empty for the built-in notice."))
    dpo = StringField(_l("Data protection officer (name and contact)"),
                      validators=[Length(max=500)])


class InviteForm(FlaskForm):
    person = StringField(
        _l("Person"), validators=[Length(max=220)],
        description=_l("Pick someone from the list, or leave empty and fill in a new person."),
    )
    new_name = StringField(_l("New person: name"), validators=[Length(max=200)])
    new_email = EmailField(_l("New person: email"), validators=[Optional(), Email(),
                                                                Length(max=254)])
    new_birth_date = DateField(_l("New person: date of birth"), validators=[Optional()])
    guardian_email = EmailField(_l("Email of parent or guardian (under 16)"),
                                validators=[Optional(), Email(), Length(max=254)])
    asset_mode = RadioField(
        _l("Photos"),
        choices=[
            SelectChoice("tagged", _l("All photos where this person is tagged")),
            SelectChoice("collection", _l("All photos of a collection (event)")),
            SelectChoice("selected", _l("The photos chosen in the library")),
        ],
        default="tagged",
    )
    collection = StringField(_l("Collection"), validators=[Length(max=200)])
    asset_ids = HiddenField()
    channels = MultiCheckboxField(_l("Channels asked for"), choices=CHANNEL_CHOICES,
                                  default=[c.value for c in CHANNEL_CHOICES])
    third_parties = StringField(
        _l("The third parties, by name (when asking for that channel)"),
        validators=[Length(max=2000)],
        description=_l("For example: the regional newspaper, our foundation's partners. The "
                       "person sees these names before signing."))
    validity_years = IntegerField(_l("Valid for (years)"), default=5,
                                  validators=[DataRequired(), NumberRange(min=1, max=10)])
    language = SelectField(_l("Language of the invitation"),
                           choices=[SelectChoice("nl", "Nederlands"),
                                    SelectChoice("en", "English")])


class DownloadForm(FlaskForm):
    channel = SelectField(_l("For"), choices=CHANNEL_CHOICES)
    recipient_name = StringField(_l("Recipient (not needed for internal use)"),
                                 validators=[Length(max=200)])


class PublicationForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=CHANNEL_CHOICES)
    recipient_name = StringField(_l("Published by or sent to"),
                                 validators=[DataRequired(), Length(max=200)])
    location = StringField(_l("Where (URL, post, print run)"),
                           validators=[DataRequired(), Length(max=2000)])
    recipient_email = EmailField(_l("Their email, for notices (optional)"),
                                 validators=[Optional(), Email(), Length(max=254)])


class TakedownDoneForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Length(max=2000)])


class ShareForm(FlaskForm):
    channel = SelectField(_l("For"), choices=CHANNEL_CHOICES)
    recipient_name = StringField(_l("Recipient"), validators=[DataRequired(), Length(max=200)])
    recipient_email = EmailField(_l("Recipient's email (for notices)"),
                                 validators=[Optional(), Email(), Length(max=254)])
    days = IntegerField(_l("Valid for (days)"), default=30,
                        validators=[DataRequired(), NumberRange(min=1, max=365)])


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text"})


class TwoFactorSetupForm(FlaskForm):
    code = StringField(_l("The 6-digit code your app shows now"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
