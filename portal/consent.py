"""Quitclaim signing and managing one's consent (signed links, no login)."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from likeness.consent import (
    age_answers,
    forwarding,
    invitations,
    receipts,
    records,
    self_marks,
    signing,
)
from likeness.consent import portal as consent_portal
from likeness.consent.evidence import signed_pdf
from likeness.consent.rules import under_guardian_age
from likeness.consent.signatures import parse_signature
from likeness.errors import DomainError
from likeness.extensions import limiter
from likeness.library import catalogue, collection_settings, people
from likeness.models import SignatureKind
from likeness.platform.actor import person_actor
from likeness.platform.clock import today as amsterdam_today
from likeness.web import held_files
from likeness.web.form_fields import show_error
from likeness.web.labels import CHANNEL_LABELS
from likeness.web.ratelimit import email_key
from likeness.web.stored_files import send_stored
from portal.blueprint import blueprint
from portal.forms import ConfirmForm, ManageConsentForm, SignForm


@blueprint.get("/quitclaim")
def quitclaim_info() -> ResponseReturnValue:
    return render_template("portal/quitclaim_info.html")


@blueprint.route("/quitclaim/sign/<token>", methods=["GET", "POST"])
def sign_quitclaim(token: str) -> ResponseReturnValue:
    opened = invitations.open_invitation(token)
    # After a language switch, what was typed and ticked comes back (held_files).
    kept = held_files.kept_form(request.path) if request.method == "GET" else None
    form = SignForm(formdata=kept) if kept is not None else SignForm()
    form.channels.choices = [SelectChoice(c, _label(c, opened.invitation.third_parties))
                             for c in opened.invitation.channels]
    markable = self_marks.markable(opened.assets, opened.person.id)
    form.my_faces.choices = [SelectChoice(str(f.face_id), str(f.number))
                             for photo in markable for f in photo.faces]
    status = 200
    # A child under 16 on their own link never signs: the link goes on to the parent.
    child = opened.child_on_own_link or (
        opened.needs_birth_date and under_guardian_age(form.date_of_birth.data))
    # Allowing or refusing face recognition is one required choice for someone signing for
    # themselves; a parent signing for a child, or a child passing the link on, makes none.
    offer_face_recognition = not (opened.needs_guardian or opened.child_on_own_link)
    form.face_recognition.validate_choice = offer_face_recognition and not child
    if form.validate_on_submit():
        try:
            # Kept even if the signing fails (e.g. "a guardian must sign too").
            age_answers.record(token, form.date_of_birth.data)
            if child:
                forwarding.to_guardian(
                    token, date_of_birth=form.date_of_birth.data,
                    guardian_name=form.guardian_name.data or "",
                    guardian_email=form.guardian_email.data or "",
                    language=str(get_locale()))
            else:
                signing.sign(token, _signature(form, offer_face_recognition))
        except DomainError as exc:
            if exc.status == 410:
                raise
            show_error(form, exc)
            status = 400
        else:
            return redirect(url_for("portal.quitclaim_forwarded" if child
                                    else "portal.quitclaim_signed"))
    elif request.method == "POST":
        status = 400
    show_guardian = not opened.needs_guardian and child
    valid_until = amsterdam_today() + relativedelta(months=opened.invitation.validity_months)
    care_setting = collection_settings.reveals_health(opened.invitation.asset_ids)
    dependent = people.get(opened.invitation.person_id).is_dependent
    return render_template("portal/sign.html", opened=opened, form=form, token=token,
                           show_guardian=show_guardian, valid_until=valid_until,
                           care_setting=care_setting, dependent=dependent,
                           markable=markable,
                           offer_face_recognition=offer_face_recognition), status


def _label(channel: str, third_parties: str | None = None) -> str:
    """A channel as the signer sees it; "third parties" with their names."""
    label = str(CHANNEL_LABELS[channel])
    if channel == "third_parties" and third_parties:
        return f"{label}: {third_parties}"
    return label


def _drawing(field: Field, kind: str) -> bytes | None:
    """The drawn signature of a field, if it was drawn; an unreadable drawing is an
    error at that field."""
    if not field.data or kind != SignatureKind.DRAWN:
        return None
    try:
        return parse_signature(field.data)
    except DomainError as exc:
        exc.field = field.name
        raise


def _signature(form: SignForm, face_recognition_offered: bool) -> signing.Signature:
    """What was signed, from the form; a drawing that cannot be read is an error at the
    signature. A face recognition choice counts only where the page offered it."""
    typed = SignatureKind.TYPED
    kind = typed if form.signature_kind.data == typed else SignatureKind.DRAWN
    guardian_kind = (typed if form.guardian_signature_kind.data == typed
                     else SignatureKind.DRAWN)
    # Required of adults (checked by the service); optional for a child.
    png = _drawing(form.signature, kind)
    guardian_png = _drawing(form.guardian_signature, guardian_kind)
    choice = form.face_recognition.data if face_recognition_offered else None
    return signing.Signature(
        channels=form.channels.data or [],
        biometric_consent=choice == "allow",
        signer_name=form.signer_name.data or "",
        signature_png=png,
        signature_kind=kind,
        date_of_birth=form.date_of_birth.data,
        guardian_name=form.guardian_name.data or None,
        guardian_signature_png=guardian_png,
        guardian_signature_kind=guardian_kind,
        no_biometrics=choice == "never",
        language=str(get_locale()),
        my_faces=tuple(int(f) for f in form.my_faces.data or [] if str(f).isdigit()),
    )


@blueprint.get("/quitclaim/sign/<token>/photo/<int:asset_id>.jpg")
def quitclaim_photo(token: str, asset_id: int) -> ResponseReturnValue:
    opened = invitations.open_invitation(token)
    asset = next((a for a in opened.assets if a.id == asset_id), None)
    if asset is None:
        abort(404)
    return send_stored(consent_portal.photo_for_person(asset, opened.person.id), "image/jpeg")


@blueprint.get("/quitclaim/signed")
def quitclaim_signed() -> ResponseReturnValue:
    return render_template("portal/signed.html")


@blueprint.get("/quitclaim/passed-on")
def quitclaim_forwarded() -> ResponseReturnValue:
    return render_template("portal/forwarded.html")


@blueprint.route("/consent", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=email_key("consent-email"))
def manage_consent() -> ResponseReturnValue:
    form = ManageConsentForm()
    if form.validate_on_submit():
        consent_portal.send_manage_link(form.email.data or "")
        # The same answer whether or not we know the address: membership is personal data.
        return render_template("portal/consent_link_sent.html")
    status = 400 if request.method == "POST" else 200
    return render_template("portal/consent_request.html", form=form), status


@blueprint.get("/consent/manage/<token>")
def consent_overview(token: str) -> ResponseReturnValue:
    try:
        email = consent_portal.email_from_link(token)
    except DomainError as exc:
        # An old link from an email: one step to a fresh one, not a dead end.
        form = ManageConsentForm()
        return render_template("portal/consent_request.html", form=form,
                               link_problem=exc.message), exc.status
    return render_template("portal/consent_overview.html", token=token,
                           rows=records.for_email(email), end_form=ConfirmForm())


@blueprint.post("/consent/manage/<token>/end")
def consent_end_link(token: str) -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    consent_portal.end_link(token)
    flash(_("This link no longer works. Ask for a new one whenever you need it."), "info")
    return redirect(url_for("portal.manage_consent"))


@blueprint.get("/consent/manage/<token>/<int:quitclaim_id>/photo/<int:asset_id>.jpg")
def consent_photo(token: str, quitclaim_id: int, asset_id: int) -> ResponseReturnValue:
    """A photo of a quitclaim, as its person may see it: everyone else blurred."""
    quitclaim, person = consent_portal.quitclaim_of(consent_portal.email_from_link(token),
                                                    quitclaim_id)
    if asset_id not in {a.asset_id for a in quitclaim.assets}:
        abort(404)
    return send_stored(consent_portal.photo_for_person(catalogue.get(asset_id), person.id),
                       "image/jpeg")


@blueprint.get("/consent/manage/<token>/<int:quitclaim_id>/quitclaim.pdf")
def consent_pdf(token: str, quitclaim_id: int) -> ResponseReturnValue:
    """The signed PDF, the person's own copy of the evidence (the download is audited)."""
    quitclaim, person = consent_portal.quitclaim_of(consent_portal.email_from_link(token),
                                                    quitclaim_id)
    key = signed_pdf(quitclaim.id, actor=person_actor(person.id))
    if key is None:
        abort(404)
    return send_stored(key, "application/pdf", download_name=f"quitclaim-{quitclaim.id}.pdf")


@blueprint.route("/consent/manage/<token>/withdraw/<int:quitclaim_id>", methods=["GET", "POST"])
def consent_withdraw(token: str, quitclaim_id: int) -> ResponseReturnValue:
    email = consent_portal.email_from_link(token)
    quitclaim, person = consent_portal.quitclaim_of(email, quitclaim_id)
    scope = request.args.get("scope", "all")
    channel = scope.split(":", 1)[1] if scope.startswith("channel:") else None
    biometric_only = scope == "biometric"
    if scope not in {"all", "biometric"} and channel is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        receipts.withdraw_and_confirm(quitclaim.id, email=email, actor=person_actor(person.id),
                                      channel=channel, biometric_only=biometric_only)
        flash(_("Your consent was withdrawn. We stop using the photos for this at once, and "
                "we have emailed you a confirmation."), "info")
        return redirect(url_for("portal.consent_overview", token=token))
    return render_template("portal/consent_withdraw.html", quitclaim=quitclaim, scope=scope,
                           channel=channel, biometric_only=biometric_only, form=form)
