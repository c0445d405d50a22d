"""Forms of the privacy officer's cockpit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from likeness.cockpit import schedules
from likeness.cockpit.dpia import LEVEL_LABELS, OUTCOME_LABELS, AiActDuties, PriorConsultation
from likeness.cockpit.processors import SERVICE_LABELS
from likeness.library import sharing
from likeness.models import HoldScope
from likeness.platform.clock import AMSTERDAM
from likeness.translation import lazy_gettext as _l
from likeness.web.form_fields import MultiCheckboxField, parse_ids, valid_ids
from likeness.web.labels import HEALTH_GROUND_LABELS, long_date

LEVEL_CHOICES = [SelectChoice(value, label) for value, label in LEVEL_LABELS.items()]
YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


def _period_field(period: schedules.Period) -> IntegerField:
    unit = _l("days") if period.unit == "days" else _l("years")
    return IntegerField(
        period.label, validators=[InputRequired(), NumberRange(period.minimum, period.maximum)],
        description=_l("In %(unit)s, from %(min)d to %(max)d.", unit=unit, min=period.minimum,
                       max=period.maximum))


class RetentionForm(FlaskForm):
    untagged_template_days = _period_field(schedules.UNTAGGED_TEMPLATE_DAYS)
    closed_request_years = _period_field(schedules.CLOSED_REQUEST_YEARS)
    email_days = _period_field(schedules.EMAIL_DAYS)
    expired_review_days = _period_field(schedules.EXPIRED_REVIEW_DAYS)
    quitclaim_evidence_years = _period_field(schedules.QUITCLAIM_EVIDENCE_YEARS)
    photo_years = _period_field(schedules.PHOTO_YEARS)
    unconsented_person_days = _period_field(schedules.UNCONSENTED_PERSON_DAYS)
    disclosure_years = _period_field(schedules.DISCLOSURE_YEARS)
    audit_years = _period_field(schedules.AUDIT_YEARS)
    breach_years = _period_field(schedules.BREACH_YEARS)
    age_answer_days = _period_field(schedules.AGE_ANSWER_DAYS)
    backup_days = _period_field(schedules.BACKUP_DAYS)
    export_days = _period_field(schedules.EXPORT_DAYS)

    FIELDS = {
        "untagged_template_days": schedules.UNTAGGED_TEMPLATE_DAYS,
        "closed_request_years": schedules.CLOSED_REQUEST_YEARS,
        "email_days": schedules.EMAIL_DAYS,
        "expired_review_days": schedules.EXPIRED_REVIEW_DAYS,
        "quitclaim_evidence_years": schedules.QUITCLAIM_EVIDENCE_YEARS,
        "photo_years": schedules.PHOTO_YEARS,
        "unconsented_person_days": schedules.UNCONSENTED_PERSON_DAYS,
        "disclosure_years": schedules.DISCLOSURE_YEARS,
        "audit_years": schedules.AUDIT_YEARS,
        "breach_years": schedules.BREACH_YEARS,
        "age_answer_days": schedules.AGE_ANSWER_DAYS,
        "backup_days": schedules.BACKUP_DAYS,
        "export_days": schedules.EXPORT_DAYS,
    }

    def values(self) -> dict[str, int]:
        return {period.key: int(getattr(self, name).data) for name, period in self.FIELDS.items()}


class HoldForm(FlaskForm):
    scope = SelectField(_l("On"), choices=[
        SelectChoice(HoldScope.ASSET, _l("a photo (its number)")),
        SelectChoice(HoldScope.COLLECTION, _l("a collection (its name)")),
        SelectChoice(HoldScope.PERSON, _l("a person (their number)")),
    ])
    target = StringField(_l("Photo number, collection or person number"),
                         validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField(_l("Reason (e.g. the law that requires keeping it)"),
                           validators=[DataRequired(), Length(max=2000)])


class NoteForm(FlaskForm):
    note = StringField(_l("Why"), validators=[DataRequired(), Length(max=2000)])


class ReviewForm(FlaskForm):
    action = RadioField(_l("Decision"), choices=[
        SelectChoice("keep", _l("Keep the photo")),
        SelectChoice("delete", _l("Delete the photo")),
    ], validators=[DataRequired()])
    note = StringField(_l("Why (to keep it)"), validators=[Length(max=2000)])


class RiskForm(Form):
    risk = TextAreaField(_l("Risk"), validators=[Length(max=2000)])
    likelihood = SelectField(_l("Likelihood"), choices=LEVEL_CHOICES)
    severity = SelectField(_l("Severity"), choices=LEVEL_CHOICES)
    measures = TextAreaField(_l("Measures"), validators=[Length(max=4000)])
    residual = SelectField(_l("Residual risk"), choices=LEVEL_CHOICES)


class DpiaForm(FlaskForm):
    description = TextAreaField(_l("Description of the processing"),
                                validators=[Length(max=20000)])
    necessity = TextAreaField(_l("Necessity and proportionality"),
                              validators=[Length(max=20000)])
    risks = FieldList(FormField(RiskForm), min_entries=1, max_entries=30)
    dpo_advice = TextAreaField(_l("Advice of the data protection officer"),
                               validators=[Length(max=20000)])
    conclusion = TextAreaField(_l("Conclusion"), validators=[Length(max=20000)])
    outcome = RadioField(_l("The conclusion"), choices=[
        SelectChoice("positive", _l("Positive: the processing may go ahead")),
        SelectChoice("negative", _l("Negative: not as it stands")),
    ], validators=[DataRequired(_l("Say whether the conclusion is positive."))])
    ap_submitted_on = DateField(_l("Prior consultation submitted to the AP on"),
                                validators=[Optional()])
    ap_reference = StringField(_l("Reference of the prior consultation"),
                               validators=[Length(max=200)])
    ap_period_extended = BooleanField(_l("The AP extended its period by six weeks "
                                         "(Art. 36(2))"))
    ap_advice_on = DateField(_l("The AP's written advice, dated"), validators=[Optional()])
    ap_outcome = SelectField(_l("What the AP advised"), choices=[
        SelectChoice("", _l("no advice yet")),
        *(SelectChoice(value, label) for value, label in OUTCOME_LABELS.items())], default="")
    ap_advice = TextAreaField(_l("The AP's advice"), validators=[Length(max=20000)])
    ai_human_oversight = BooleanField(_l("Human oversight is in place: trained staff "
                                         "confirm every suggestion and match (Art. 14, "
                                         "26(2))"))
    ai_log_retention = BooleanField(_l("The logs of searches, suggestions and tags are "
                                       "kept for at least six months (Art. 26(6))"))
    ai_fria = BooleanField(_l("A fundamental rights impact assessment was made (Art. 27; "
                              "public bodies)"))

    def consultation(self) -> PriorConsultation:
        return PriorConsultation(
            submitted_on=self.ap_submitted_on.data, reference=self.ap_reference.data or "",
            period_extended=bool(self.ap_period_extended.data),
            advice_on=self.ap_advice_on.data, outcome=self.ap_outcome.data or "",
            advice=self.ap_advice.data or "")

    def ai_act(self) -> AiActDuties:
        return AiActDuties(human_oversight=bool(self.ai_human_oversight.data),
                           log_retention=bool(self.ai_log_retention.data),
                           fria=bool(self.ai_fria.data))

    def fill_from(self, version: Any) -> None:
        """Start from the last version's consultation and duties."""
        self.ap_submitted_on.data = version.ap_consultation_submitted_on
        self.ap_reference.data = version.ap_consultation_reference or ""
        self.ap_period_extended.data = version.ap_period_extended
        self.ap_advice_on.data = version.ap_advice_on
        self.ap_outcome.data = version.ap_outcome or ""
        self.ap_advice.data = version.ap_advice or ""
        self.ai_human_oversight.data = version.ai_act_human_oversight
        self.ai_log_retention.data = version.ai_act_log_retention
        self.ai_fria.data = version.ai_act_fria


def _id_list(form: Any, field: Any) -> None:
    try:
        field.ids = parse_ids(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(_l("Enter numbers separated by commas."))) from exc


class BreachForm(FlaskForm):
    discovered_at = DateTimeLocalField(_l("Discovered at (Amsterdam time)"),
                                       validators=[InputRequired()])
    occurred_at = DateTimeLocalField(_l("Happened at, if known"), validators=[Optional()])
    description = TextAreaField(_l("What happened"),
                                validators=[DataRequired(), Length(max=10000)])
    data_concerned = TextAreaField(_l("Which data"), validators=[Length(max=5000)])
    share_link_ids = MultiCheckboxField(_l("Share links that leaked"), choices=[],
                                        validate_choice=False)
    disclosure_ids = StringField(_l("Disclosures that leaked (numbers, comma-separated)"),
                                 validators=[Length(max=2000), _id_list])
    asset_ids = StringField(_l("Photos that leaked (numbers, comma-separated)"),
                            validators=[Length(max=2000), _id_list])


    def validate_share_link_ids(self, field: MultiCheckboxField) -> None:
        offered = {str(value) for value, _label in field.choices}
        if any(value not in offered for value in field.data or []):
            raise ValidationError(str(_l("Tick share links from the list.")))

    def share_link_id_list(self) -> list[int]:
        return valid_ids(self.share_link_ids.data or [])


def share_link_choices() -> list[tuple[str, str]]:
    """Each share link as the officer knows it: recipient, day made, photos shown."""
    return [(str(link.id), "{} · {} · {}".format(
        link.recipient_name, long_date(link.created_at),
        ngettext("%(num)d photo", "%(num)d photos", count)))
        for link, count in sharing.with_photo_counts()]


def amsterdam(value: datetime | None) -> datetime | None:
    """A time typed in the form (Amsterdam wall clock) as an aware instant."""
    return value.replace(tzinfo=AMSTERDAM) if value is not None else None


class DecisionForm(FlaskForm):
    notify_authority = RadioField(_l("Notify the Autoriteit Persoonsgegevens?"),
                                  choices=YES_NO, validators=[DataRequired()])
    notify_subjects = RadioField(_l("Notify the people concerned?"), choices=YES_NO,
                                 validators=[DataRequired()])
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=10000)])
    likely_consequences = TextAreaField(_l("Likely consequences for the people concerned"),
                                        validators=[Length(max=10000)])
    measures_taken = TextAreaField(_l("Measures taken or proposed, including to limit the "
                                      "harm"), validators=[Length(max=10000)])
    advice = TextAreaField(_l("Advice to the people concerned (what they can do)"),
                           validators=[Length(max=10000)])
    late_reasons = TextAreaField(_l("Reasons for notifying after 72 hours"),
                                 validators=[Length(max=10000)])


class PublicCommunicationForm(FlaskForm):
    text = TextAreaField(_l("Where and how the public was informed"),
                         validators=[DataRequired(), Length(max=10000)])


class AuthorityForm(FlaskForm):
    reference = StringField(_l("Reference given by the Autoriteit Persoonsgegevens"),
                            validators=[DataRequired(), Length(max=100)])


class TransparencyForm(FlaskForm):
    notice = TextAreaField(
        _l("Privacy notice"), validators=[Length(max=20000)],
        description=_l("Shown at /privacy and linked from every portal page, email and PDF. "
                       "Leave empty for the built-in notice."))
    dpo = StringField(_l("Data protection officer (name and contact)"),
                      validators=[Length(max=500)])


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
