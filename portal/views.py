from __future__ import annotations

import secrets

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
from likeness.dsr import casework, identity, intake, links
from likeness.errors import DomainError, InvalidInput
from likeness.extensions import limiter
from likeness.library import catalogue, sharing
from likeness.models import SignatureKind
from likeness.platform import idempotency
from likeness.platform.actor import person_actor
from likeness.platform.clock import today as amsterdam_today
from likeness.staff import settings, transparency
from likeness.web import held_files
from likeness.web.form_fields import show_error
from likeness.web.labels import CHANNEL_LABELS
from likeness.web.ratelimit import email_key
from likeness.web.stored_files import send_stored
from portal import blueprint
from portal.forms import ConfirmForm, ManageConsentForm, ReplyForm, RequestForm, SignForm


@blueprint.get("/")
def home() -> ResponseReturnValue:
    return render_template("portal/home.html")


@blueprint.get("/privacy")
def privacy_notice() -> ResponseReturnValue:
    """The privacy notice (Art. 13): the organisation's own text, or the built-in one."""
    notice = transparency.privacy_notice()
    return render_template("portal/privacy.html",
                           paragraphs=[p.strip() for p in notice.split("\n\n") if p.strip()],
                           policy=settings.template_policy().value)


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
                signing.sign(token, _signature(form))
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
    return render_template("portal/sign.html", opened=opened, form=form, token=token,
                           show_guardian=show_guardian, valid_until=valid_until,
                           markable=markable), status


def _drawing(field: Field, kind: str) -> bytes | None:
    """The drawn signature of a field, if it was drawn; an unreadable drawing is an
    error at that field."""
    if not field.data or kind != SignatureKind.DRAWN.value:
        return None
    try:
        return parse_signature(field.data)
    except DomainError as exc:
        exc.field = field.name
        raise


def _signature(form: SignForm) -> signing.Signature:
    """What was signed, from the form; a drawing that cannot be read is an error at the
    signature."""
    typed = SignatureKind.TYPED.value
    kind = typed if form.signature_kind.data == typed else SignatureKind.DRAWN.value
    guardian_kind = (typed if form.guardian_signature_kind.data == typed
                     else SignatureKind.DRAWN.value)
    # Required of adults (checked by the service); optional for a child.
    png = _drawing(form.signature, kind)
    guardian_png = _drawing(form.guardian_signature, guardian_kind)
    return signing.Signature(
        channels=form.channels.data or [],
        biometric_consent=bool(form.biometric_consent.data),
        signer_name=form.signer_name.data or "",
        signature_png=png,
        signature_kind=kind,
        date_of_birth=form.date_of_birth.data,
        guardian_name=form.guardian_name.data or None,
        guardian_signature_png=guardian_png,
        guardian_signature_kind=guardian_kind,
        no_biometrics=bool(form.no_biometrics.data),
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


# A language switch while filling in the request form keeps the chosen photo.
held_files.allow_file("/request", "selfie")


@blueprint.route("/request", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("5 per day", methods=["POST"], key_func=email_key("request-email"))
def new_request() -> ResponseReturnValue:
    """The request form. Nothing typed or chosen is lost: after an error, and after a
    language switch, every value and the photo come back (likeness.web.held_files)."""
    selfie_key = held_files.file_key(request.path, "selfie")
    if request.method == "GET":
        kept = held_files.kept_form(request.path)
        form = (RequestForm(formdata=kept) if kept is not None
                else RequestForm(language=str(get_locale())))
    else:
        form = RequestForm()
        if form.remove_selfie.data:
            held_files.drop(selfie_key)
    status = 200
    if request.method == "GET":
        # A fresh key per form shown: a second click on the same form files nothing new.
        form.submission.data = secrets.token_urlsafe(24)
    chosen = form.selfie.data if request.method == "POST" else None
    new_selfie = chosen.read() if chosen else None
    was_kept = held_files.is_kept(selfie_key)
    held = held_files.get(selfie_key)
    valid = form.validate_on_submit()
    if valid and was_kept and held is None and not new_selfie and not form.remove_selfie.data:
        # The visitor was told their photo is kept, but it expired (an hour) or Redis
        # lost it: never file the request silently without it.
        form.selfie.errors = [_("The photo you chose earlier is no longer kept. "
                                "Please choose it again.")]
        valid = False
    if valid:
        selfie = new_selfie or (held.read() if held else None)
        filed = intake.Intake(
            type=form.type.data or "", name=form.name.data or "",
            email=form.email.data or "", details=form.details.data or "",
            language=form.language.data or "nl", selfie=selfie or None,
            selfie_consent=bool(form.selfie_consent.data),
            on_behalf=form.on_behalf.data or "self",
            subject_name=form.subject_name.data or "",
            stated_relationship=form.stated_relationship.data or "",
            event=form.event.data or "",
            photographed_from=form.photographed_from.data,
            photographed_until=form.photographed_until.data,
        )
        try:
            # Checked (the selfie decoded) before the unit of work takes the write lock.
            checked = intake.check(filed)
            request_id, _new = idempotency.once(
                (form.submission.data or "")[:100], "subject-request",
                lambda: intake.submit(checked).id)
        except DomainError as exc:
            show_error(form, exc)
            status = 400
        else:
            held_files.drop(selfie_key)
            # Stored (and committed) before we answer: the reference is the receipt.
            # A second click on the same form gets the same receipt.
            return render_template("portal/request_received.html",
                                   request_row=casework.get(request_id))
    elif request.method == "POST":
        status = 400
    if new_selfie:
        held_files.hold(selfie_key, new_selfie, getattr(chosen, "filename", "") or "")
    return render_template("portal/request_form.html", form=form,
                           held_selfie=held_files.get(selfie_key)), status


@blueprint.route("/request/verify/<token>", methods=["GET", "POST"])
def verify_request(token: str) -> ResponseReturnValue:
    subject_request = links.from_verification_link(token)
    status_page = url_for("portal.request_status", token=links.status_token(subject_request))
    if subject_request.email_verified_at is not None:
        # The link opened again (a second tap, an old email): where it leads is the status.
        flash(_("Your email address was already confirmed. This is the status of your "
                "request."), "info")
        return redirect(status_page)
    form = ConfirmForm()
    if form.validate_on_submit():
        intake.verify(token)
        flash(_("Thank you: your email address is confirmed and we have started."), "info")
        return redirect(status_page)
    return render_template("portal/request_verify.html", form=form,
                           request_row=subject_request)


@blueprint.route("/request/status/<token>", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["GET"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("10 per hour", methods=["POST"], key_func=lambda: f"status-reply:{request.path}")
def request_status(token: str) -> ResponseReturnValue:
    subject_request = links.from_status_link(token)
    form = ReplyForm()
    status = 200
    if form.validate_on_submit():
        try:
            intake.reply(token, form.body.data or "")
        except InvalidInput as exc:
            exc.field = "body"
            show_error(form, exc)
            status = 400
        else:
            flash(_("Thank you, your answer was sent."), "info")
            return redirect(url_for("portal.request_status", token=token))
    elif request.method == "POST":
        status = 400
    return render_template(
        "portal/request_status.html", token=token, request_row=subject_request, form=form,
        history=casework.status_changes(subject_request.id),
        messages=casework.messages(subject_request.id, include_internal=False),
        deadline=casework.current_deadline(subject_request),
    ), status


@blueprint.get("/request/status/<token>/<kind>")
def request_file(token: str, kind: str) -> ResponseReturnValue:
    subject_request = links.from_status_link(token)
    files = {"response.pdf": (subject_request.response_pdf_path, "application/pdf"),
             "export.zip": (subject_request.export_zip_path, "application/zip")}
    relative, mimetype = files.get(kind, (None, ""))
    if not relative or subject_request.answer_sent_at is None:  # a draft is not theirs yet
        abort(404)
    return send_stored(relative, mimetype, download_name=f"{subject_request.reference}-{kind}")


def _label(channel: str, third_parties: str | None = None) -> str:
    """A channel as the signer sees it; "third parties" with their names."""
    label = str(CHANNEL_LABELS[channel])
    if channel == "third_parties" and third_parties:
        return f"{label}: {third_parties}"
    return label


# A share link may go round a newsroom: generous per address, but no scraping loop.
@blueprint.get("/s/<token>")
@limiter.limit("120 per hour")
def shared(token: str) -> ResponseReturnValue:
    link, asset_ids = sharing.open_link(token)
    return render_template("portal/shared.html", link=link, asset_ids=asset_ids, token=token)


@blueprint.get("/s/<token>/<int:asset_id>.jpg")
@limiter.limit("600 per hour")
def shared_photo(token: str, asset_id: int) -> ResponseReturnValue:
    return send_stored(sharing.rendition(token, asset_id), "image/jpeg")


@blueprint.route("/request/confirm/<token>", methods=["GET", "POST"])
def confirm_request_identity(token: str) -> ResponseReturnValue:
    """The person on file says whether a request about them is theirs."""
    subject_request, person = identity.from_confirmation_link(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        it_was_me = request.form.get("answer") == "yes"
        identity.answer_confirmation(token, it_was_me=it_was_me)
        return render_template("portal/identity_answered.html", it_was_me=it_was_me)
    return render_template("portal/identity_confirm.html", form=form, person=person,
                           request_row=subject_request)
