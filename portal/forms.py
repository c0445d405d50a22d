from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from likeness.translation import lazy_gettext as _l
from likeness.web.form_fields import MultiCheckboxField, OneLine
from likeness.web.labels import OBJECTION_SCOPE_LABELS

# Hidden fields get an empty label (`HiddenField("")`): without one, WTForms translates
# the field's name for a label nobody sees, and that parses WTForms' own catalogue from
# disk on every page that shows the form.

SIGNATURE_KINDS = [
    SelectChoice("drawn", _l("Draw my signature")),
    SelectChoice("typed", _l("Type my name as my signature")),
]


def _at_least_one(form: FlaskForm, field: Field) -> None:
    """Checked by the form too (the service checks again), so that an empty submit reports
    it together with the missing face recognition choice. A plain function: no `required`
    flag, which would mark every checkbox of the group as required."""
    if not field.data:
        raise ValidationError(_l("Tick at least one channel where the photos may be used."))


class SignForm(FlaskForm):
    channels = MultiCheckboxField(_l("Where may the photos be used?"), choices=[],
                                  validate_choice=False, validators=[_at_least_one])
    # One required choice (allow or never) where it is offered; a child signs neither
    # (the view says when the choice is required).
    face_recognition = RadioField(
        _l("Face recognition (a separate choice)"),
        choices=[SelectChoice("allow", _l("Allow face recognition on photos of me")),
                 SelectChoice("never", _l("Never use face recognition on photos of me"))],
        description=_l("If you allow this, our image bank keeps an encrypted description of "
                       "your face, so new photos of you can be found and you can be asked for "
                       "consent. Without it, photos of you are found by hand. You can "
                       "withdraw this on its own at any time. If you refuse it, we never make "
                       "such a description of you."),
        invalid_choice_message=_l("Choose whether we may use face recognition on photos "
                                  "of you."),
    )
    # "This is me" on numbered faces (choices: the faces offered; may stay empty).
    my_faces = MultiCheckboxField(_l("Which faces are you?"), choices=[],
                                  validate_choice=False)
    # Required of adults; a child's own name and signature are optional (checked by the
    # service, which knows the age).
    signer_name = StringField(_l("Your full name"), validators=[Length(max=200), OneLine()])
    signature_kind = RadioField(_l("How do you want to sign?"), choices=SIGNATURE_KINDS,
                                default="drawn")
    signature = HiddenField("")
    date_of_birth = DateField(_l("Your date of birth"), validators=[Optional()])
    guardian_name = StringField(_l("Name of parent or guardian"),
                                validators=[Optional(), Length(max=200), OneLine()])
    guardian_signature_kind = RadioField(_l("How do you want to sign?"),
                                         choices=SIGNATURE_KINDS, default="drawn")
    guardian_signature = HiddenField("")
    # On a child's own link: where the invitation goes on to (the parent signs there).
    guardian_email = EmailField(_l("Email address of your parent or guardian"),
                                validators=[Optional(), Length(max=254)])


class ManageConsentForm(FlaskForm):
    email = EmailField(_l("Your email address"),
                       validators=[DataRequired(), Email(), Length(max=254)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a confirmation button."""


REQUEST_TYPES = [SelectChoice(value, label) for value, label in [
    ("access", _l("Access: which photos of me do you hold? (Art. 15)")),
    ("erasure", _l("Erasure: remove me from your photos (Art. 17)")),
    ("objection", _l("Objection: stop using photos of me (Art. 21)")),
    ("withdrawal", _l("Withdraw my consent")),
    ("rectification", _l("Rectification: correct my data (Art. 16)")),
    ("restriction", _l("Restriction: pause the use of my data (Art. 18)")),
    ("portability", _l("Portability: my data in a machine-readable file (Art. 20)")),
]]


ON_BEHALF = [SelectChoice(value, label) for value, label in [
    ("self", _l("Myself")),
    ("child", _l("My child (under 18), as parent or guardian")),
    ("represented", _l("Someone I represent (with their authorisation)")),
]]


class RequestForm(FlaskForm):
    # A one-time key per form shown: a double click or a replay files one request.
    submission = HiddenField("")
    type = RadioField(_l("What would you like?"), choices=REQUEST_TYPES, default="access",
                      validators=[DataRequired()])
    # Only for an objection: what it is about (only that is stopped).
    objection_scope = MultiCheckboxField(
        _l("What do you object to?"),
        choices=[SelectChoice(value, label) for value, label in OBJECTION_SCOPE_LABELS.items()],
        description=_l("Only for an objection. We stop only what you tick; choose the first "
                       "to object to every use."))
    on_behalf = RadioField(_l("Who is the request about?"), choices=ON_BEHALF, default="self",
                           validators=[DataRequired()])
    subject_name = StringField(_l("Their name"), validators=[Length(max=200), OneLine()])
    stated_relationship = StringField(
        _l("Your relationship to them"), validators=[Length(max=500), OneLine()],
        description=_l("For example: mother, legal guardian, lawyer with written "
                       "authorisation. We check it before we answer."))
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200), OneLine()])
    email = EmailField(_l("Your email address"),
                       validators=[DataRequired(), Email(), Length(max=254)])
    details = TextAreaField(
        _l("Tell us more"),
        validators=[Length(max=5000)],
        description=_l("Without a photo: describe the event, the date and the place where you "
                       "were photographed, so we can find the photos."),
    )
    event = StringField(_l("Event or occasion (optional)"), validators=[Length(max=200)],
                        description=_l("For example: the opening of the new wing, or the "
                                       "summer party. We only search the photos of what "
                                       "you name."))
    photographed_from = DateField(_l("Photographed from (optional)"), validators=[Optional()])
    photographed_until = DateField(_l("Photographed until (optional)"), validators=[Optional()])
    language = SelectField(
        _l("Language of our answer"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
    )
    selfie = FileField(_l("A recent photo of your face (optional)"))
    selfie_consent = BooleanField(_l("You may use this photo only to search for me for this "
                                     "request; it is deleted when the request is closed."))
    # A photo chosen before the page came back (error, language switch) is kept; this
    # removes it.
    remove_selfie = BooleanField(_l("Remove this photo"))


class ReplyForm(FlaskForm):
    # Required only when staff asked something (the template says so); the service
    # refuses an empty message at this field either way.
    body = TextAreaField(_l("Your answer"), validators=[Length(max=5000)])


class TransmitForm(FlaskForm):
    """Art. 20(2): where the export goes; typed twice (the service compares them)."""

    address = StringField(_l("Email address of the organisation that should receive your "
                             "data"), validators=[Length(max=254), OneLine()])
    repeated = StringField(_l("The same address again"), validators=[Length(max=254),
                                                                       OneLine()])
