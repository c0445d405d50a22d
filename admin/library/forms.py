"""Forms of the photo library: uploads, tags, people, downloads, share links, take-downs
and the template policy."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from admin.forms import CHANNEL_CHOICES
from likeness.models import TemplatePolicy
from likeness.translation import lazy_gettext as _l
from likeness.web.labels import TEMPLATE_POLICY_LABELS


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
        choices=[SelectChoice(policy, TEMPLATE_POLICY_LABELS[policy])
                 for policy in (TemplatePolicy.ALL, TemplatePolicy.CONSENTED_ONLY,
                                TemplatePolicy.OFF)],
    )
    legal_basis = TextAreaField(
        _l("Legal basis (required for “Every face”)"), validators=[Length(max=2000)],
        description=_l("Why a template of every face is lawful for your organisation: the "
                       "exception of GDPR Art. 9(2) and the national law it rests on."))
    dpia_reference = StringField(_l("DPIA reference (required for “Every face”)"),
                                 validators=[Length(max=200)])


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
    asset_ids = HiddenField("")


class PolicyWithDpiaForm(TemplatePolicyForm):
    """The settings page's policy form, with the DPIA version the policy `all` relies on."""

    dpia_version = SelectField(_l("DPIA version (cockpit)"), coerce=int, default=0,
                               choices=[SelectChoice(0, "—")])
