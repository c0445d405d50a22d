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

from likeness.models import Channel, Role, TemplatePolicy
from likeness.staff.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from likeness.web.form_fields import MultiCheckboxField
from likeness.web.labels import CHANNEL_LABELS, ROLE_LABELS

# Least powerful first: a new staff member starts as a viewer unless chosen otherwise.
ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role.value])
                for role in (Role.VIEWER, Role.LIBRARIAN, Role.PRIVACY_OFFICER, Role.ADMIN)]
CHANNEL_CHOICES = [SelectChoice(value, label) for value, label in CHANNEL_LABELS.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000,
                                           message=_l("Use at least %(num)d characters.",
                                                      num=MIN_PASSWORD_LENGTH))],
        description=_l("At least %(num)d characters, and not your current one. A few "
                       "unrelated words make a strong password that is easy to remember.",
                       num=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )


class CreateStaffForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(
        _l("Role"), choices=ROLE_CHOICES, default=Role.VIEWER.value,
        description=_l("Viewer: sees photos and consent. Librarian: also uploads, tags and "
                       "asks for quitclaims. Privacy officer: also handles requests and "
                       "settings. Administrator: everything, including staff accounts."))


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


class PersonDetailsForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)],
                       description=_l("Where invitations and consent mail go."))
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()],
                              description=_l("Under 16, a parent or guardian signs."))
    guardian_email = EmailField(_l("Email of parent or guardian"),
                                validators=[Optional(), Email(), Length(max=254)])
    is_dependent = BooleanField(_l("Works for us (an employee, volunteer or intern)"),
                                description=_l("Their consent must be free: saying no may "
                                               "have no consequences for their work."))


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
        description=_l("Pick someone from the list, or leave this empty and fill in the name "
                       "of a new person below."),
    )
    new_name = StringField(_l("Name of a new person"), validators=[Length(max=200)])
    new_email = EmailField(
        _l("Email"), validators=[Optional(), Email(), Length(max=254)],
        description=_l("Where the invitation goes. For a person picked above, this adds or "
                       "changes their email."))
    new_birth_date = DateField(_l("Date of birth"), validators=[Optional()],
                               description=_l("Under 16, a parent or guardian signs."))
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
    # Giving photos to third parties is asked for only when staff tick it and name them.
    channels = MultiCheckboxField(_l("Channels asked for"), choices=CHANNEL_CHOICES,
                                  default=[c.value for c in CHANNEL_CHOICES
                                           if c.value != Channel.THIRD_PARTIES.value])
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
    # The photos of a link made from a library selection.
    asset_ids = HiddenField()


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text"})


class TwoFactorSetupForm(FlaskForm):
    code = StringField(_l("The 6-digit code your app shows now"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
