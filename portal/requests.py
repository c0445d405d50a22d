"""Data-subject requests: the form, e-mail verification, the status page and its files, and the
identity confirmation."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from likeness.dsr import casework, identity, intake, links, transmission
from likeness.errors import DomainError, InvalidInput
from likeness.extensions import limiter
from likeness.models import SubjectRequest
from likeness.platform import idempotency
from likeness.web import held_files
from likeness.web.form_fields import show_error
from likeness.web.labels import long_date
from likeness.web.ratelimit import email_key
from likeness.web.stored_files import send_stored
from portal.blueprint import blueprint
from portal.forms import ConfirmForm, ReplyForm, RequestForm, TransmitForm

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
            objection_scope=(list(form.objection_scope.data or [])
                             if form.type.data == "objection" else None),
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
    return _status_page(token, subject_request, form, TransmitForm(formdata=None), status)


def _status_page(token: str, subject_request: SubjectRequest, form: ReplyForm,
                 transmit_form: TransmitForm, status: int) -> ResponseReturnValue:
    return render_template(
        "portal/request_status.html", token=token, request_row=subject_request, form=form,
        transmit_form=transmit_form, can_transmit=transmission.available(subject_request),
        link_days=transmission.link_days(),
        history=casework.status_changes(subject_request.id),
        messages=casework.messages(subject_request.id, include_internal=False),
        deadline=casework.current_deadline(subject_request),
    ), status


@blueprint.post("/request/status/<token>/transmit")
@limiter.limit("10 per hour")
@limiter.limit("10 per day", key_func=lambda: f"transmit:{request.path}")
def transmit_export(token: str) -> ResponseReturnValue:
    """Art. 20(2): mail the receiving controller a time-limited link to the export."""
    subject_request = links.from_status_link(token)
    transmit_form = TransmitForm()
    if transmit_form.validate_on_submit():
        try:
            until = transmission.send_to_controller(
                subject_request.id, transmit_form.address.data or "",
                transmit_form.repeated.data or "")
        except InvalidInput as exc:
            show_error(transmit_form, exc)
        else:
            flash(_("We sent the organisation a link to download your data. The link works "
                    "until %(date)s.", date=long_date(until)), "info")
            return redirect(url_for("portal.request_status", token=token))
    return _status_page(token, subject_request, ReplyForm(formdata=None), transmit_form, 400)


@blueprint.get("/export/<token>")
@limiter.limit("30 per hour")
def transmitted_export(token: str) -> ResponseReturnValue:
    """The receiving controller downloads the export (audited)."""
    download = transmission.open_link(token)
    return send_stored(download.relative, "application/zip", download_name=download.name)


@blueprint.get("/request/status/<token>/<kind>")
def request_file(token: str, kind: str) -> ResponseReturnValue:
    subject_request = links.from_status_link(token)
    files = {"response.pdf": (subject_request.response_pdf_path, "application/pdf"),
             "export.zip": (subject_request.export_zip_path, "application/zip")}
    relative, mimetype = files.get(kind, (None, ""))
    if not relative or subject_request.answer_sent_at is None:  # a draft is not theirs yet
        abort(404)
    return send_stored(relative, mimetype, download_name=f"{subject_request.reference}-{kind}")


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
