from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
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
    validity_years = IntegerField(_l("Valid for (years)"), default=5,
                                  validators=[DataRequired(), NumberRange(min=1, max=10)])
    language = SelectField(_l("Language of the invitation"),
                           choices=[SelectChoice("nl", "Nederlands"),
                                    SelectChoice("en", "English")])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"),
                         validators=[DataRequired(_l("Write a note.")), Length(max=5000)])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message to the person"),
                         validators=[DataRequired(_l("Write a message.")), Length(max=5000)])
    ask_information = BooleanField(_l("We have a reasonable doubt and ask for more "
                                      "information (never an ID copy)"))


class ExtendForm(FlaskForm):
    months = SelectField(_l("Extend by"), choices=[SelectChoice("1", _l("1 month")),
                                                   SelectChoice("2", _l("2 months"))])
    reason = TextAreaField(_l("Reason (the person is told)"),
                           validators=[DataRequired(_l("An extension needs a reason; the person "
                                                       "is told it.")), Length(max=2000)])


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("Reasons for refusing"),
                           validators=[DataRequired(_l("A refusal needs its reasons.")),
                                       Length(max=5000)])


class PerformForm(FlaskForm):
    decision = TextAreaField(_l("Decision (objection), correction (rectification), or what is "
                                "kept and why (erasure, Art. 17(3))"),
                             validators=[Length(max=2000)])


class AssignForm(FlaskForm):
    assignee = IntegerField(_l("Assignee"), validators=[Optional()])


class LinkPersonForm(FlaskForm):
    """Empty unlinks the person; otherwise a choice from the list (`Name (#12)`)."""

    person = StringField(_l("Person"), validators=[Length(max=220)])


class MatchDecisionForm(FlaskForm):
    erasure_choice = SelectField(
        _l("Erasure"),
        choices=[SelectChoice("", ""), SelectChoice("blur", _l("blur face")),
                 SelectChoice("delete", _l("delete photo"))],
        # Only erasure requests post it; the service ignores anything but blur/delete.
        validate_choice=False,
    )


class CloseForm(FlaskForm):
    outcome = TextAreaField(_l("Outcome"), validators=[Length(max=5000)])


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
