"""Forms of the request case page: every case action is validated by its own form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from likeness.translation import lazy_gettext as _l
from likeness.web.form_fields import MultiCheckboxField
from likeness.web.labels import OBJECTION_SCOPE_LABELS


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"),
                         validators=[DataRequired(_l("Write a note.")), Length(max=5000)],
                         description=_l("Only staff see this: it never goes to the person "
                                        "or into the answer."))


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message to the person"),
                         validators=[DataRequired(_l("Write a message.")), Length(max=5000)],
                         description=_l("Emailed to the person and shown on their status "
                                        "page."))
    ask_information = BooleanField(_l("We have a reasonable doubt and ask for more "
                                      "information (never an ID copy)"))


class ExtendForm(FlaskForm):
    months = SelectField(_l("Extend by"), choices=[SelectChoice("1", _l("1 month")),
                                                   SelectChoice("2", _l("2 months"))])
    reason = TextAreaField(_l("Reason (the person is told)"),
                           validators=[DataRequired(_l("An extension needs a reason; the person "
                                                       "is told it.")), Length(max=2000)],
                           description=_l("Emailed to the person with the new deadline."))


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("Reasons for refusing"),
                           validators=[DataRequired(_l("A refusal needs its reasons.")),
                                       Length(max=5000)],
                           description=_l("Goes into the answer: the person reads these "
                                          "reasons, with how to complain."))


class PerformForm(FlaskForm):
    decision = TextAreaField(_l("Decision (objection), correction (rectification), or what is "
                                "kept and why (erasure, Art. 17(3))"),
                             validators=[Length(max=2000)])


class RectifyForm(FlaskForm):
    """Art. 16: one field of the person's record and its corrected value."""

    field = SelectField(_l("Field to correct"), choices=[
        SelectChoice("name", _l("Name")), SelectChoice("email", _l("Email address")),
        SelectChoice("date_of_birth", _l("Date of birth")),
    ], validators=[DataRequired()])
    value = StringField(_l("Corrected value"), validators=[Length(max=254)],
                        description=_l("The person is told the old and the new value in "
                                       "the answer. A date as YYYY-MM-DD."))


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

class LocateForm(FlaskForm):
    early_reason = TextAreaField(
        _l("Why search before the email address is confirmed (only then)"),
        validators=[Length(max=2000)])


class ScopeForm(FlaskForm):
    collections = SelectMultipleField(_l("Collections (events)"), choices=[],
                                      validate_choice=False)
    date_from = DateField(_l("Photographed from"), validators=[Optional()])
    date_until = DateField(_l("Photographed until"), validators=[Optional()])
    library_wide_reason = TextAreaField(
        _l("Or scan the whole library, because (privacy officer's reason)"),
        validators=[Length(max=2000)])


CHECK_METHODS = [SelectChoice(v, label) for v, label in [
    ("video_call", _l("Video call: I compared the person with the photos")),
    ("event_questions", _l("Questions about the event only the person can answer")),
    ("in_person", _l("In person, at our desk")),
]]


class ScopeApprovalForm(FlaskForm):
    reason = TextAreaField(_l("Why the wider scope is needed (at least a sentence)"),
                           validators=[DataRequired(), Length(max=2000)])


class IdentityCheckForm(FlaskForm):
    method = RadioField(_l("How identity was checked (never an ID copy)"),
                        choices=CHECK_METHODS, validators=[DataRequired()])
    outcome = RadioField(_l("Outcome"), choices=[
        SelectChoice("confirmed", _l("The requester is the person on the photos")),
        SelectChoice("failed", _l("Not confirmed")),
    ], validators=[DataRequired()])
    why = TextAreaField(_l("Why this check suffices"),
                        validators=[DataRequired(), Length(max=1500)])
    address = TextAreaField(_l("Postal address checked (requests without an email address; "
                               "the answer goes there)"), validators=[Length(max=500)])


class AskForCheckForm(FlaskForm):
    method = RadioField(_l("How identity will be checked"), choices=CHECK_METHODS,
                        validators=[DataRequired()])


class RelationshipCheckForm(FlaskForm):
    note = TextAreaField(_l("How the relationship was checked"),
                         validators=[DataRequired(), Length(max=2000)])


class LiftRestrictionForm(FlaskForm):
    reason = TextAreaField(_l("Why the restriction ends (the person is told this first)"),
                           validators=[DataRequired(), Length(max=5000)])


class ObjectionScopeForm(FlaskForm):
    scope = MultiCheckboxField(
        _l("What the objection covers"),
        choices=[SelectChoice(value, label) for value, label in OBJECTION_SCOPE_LABELS.items()],
        description=_l("As the person chose it; correct it to what they told you. Only this "
                       "is carried out."))


class ObjectionDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("upheld", _l("Uphold: erase the person from the confirmed photos")),
        SelectChoice("rejected", _l("Reject: we have compelling legitimate grounds")),
    ], validators=[DataRequired()])
    grounds = TextAreaField(_l("Grounds (required to reject; the person is told them)"),
                            validators=[Length(max=5000)])


RECEIVED_VIA = [SelectChoice(v, label) for v, label in [
    ("email", _l("Email")), ("letter", _l("Letter")), ("phone", _l("Phone")),
    ("in_person", _l("In person")),
]]
REQUEST_TYPES = [SelectChoice(v, label) for v, label in [
    ("access", _l("Access (Art. 15)")), ("erasure", _l("Erasure (Art. 17)")),
    ("objection", _l("Objection (Art. 21)")), ("withdrawal", _l("Withdrawal of consent")),
    ("rectification", _l("Rectification (Art. 16)")),
    ("restriction", _l("Restriction (Art. 18)")), ("portability", _l("Portability (Art. 20)")),
]]


class RegisterRequestForm(FlaskForm):
    type = SelectField(_l("What the person asks for"), choices=REQUEST_TYPES)
    received_via = SelectField(_l("Received by"), choices=RECEIVED_VIA)
    received_at = DateTimeLocalField(
        _l("Received on (Amsterdam time)"), validators=[DataRequired()],
        description=_l("The deadline counts from this day."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email address (for the answer; empty: answer by post)"),
                       validators=[Optional(), Email(), Length(max=254)])
    details = TextAreaField(_l("What the request says"), validators=[Length(max=5000)])
    language = SelectField(_l("Language of the answer"),
                           choices=[SelectChoice("nl", "Nederlands"),
                                    SelectChoice("en", "English")])
    incoming = FileField(_l("The message as received (optional)"))


class UnfoundedForm(FlaskForm):
    reason = TextAreaField(_l("Why it is manifestly unfounded or excessive"),
                           validators=[DataRequired(), Length(max=2000)])
    fee_euros = DecimalField(_l("Charge a reasonable fee instead of refusing (euro)"),
                             validators=[Optional(), NumberRange(min=0.01, max=1000)],
                             places=2)
