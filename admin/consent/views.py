"""Quitclaims for staff: invite, follow, and read the evidence."""

from __future__ import annotations

import posixpath
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.consent import invite_preview
from admin.consent.forms import InviteForm
from admin.library.forms import DownloadForm
from admin.library.lookups import person_choice, person_label
from likeness.consent import history, invitations, records, self_marks
from likeness.consent.evidence import signed_pdf
from likeness.errors import DomainError
from likeness.library import catalogue, downloads, people
from likeness.models import QuitclaimInvitation, Role
from likeness.web.form_fields import show_error
from likeness.web.ids import bounded_int
from likeness.web.stored_files import send_stored

EDITORS = (Role.LIBRARIAN, Role.PRIVACY_OFFICER)
# The services' names for what an error is about -> the invitation form's fields.
INVITE_FIELDS = {"email": "new_email", "date_of_birth": "new_birth_date",
                 "photos": "asset_mode"}


@blueprint.get("/quitclaims")
def quitclaim_list() -> ResponseReturnValue:
    state = request.args.get("state")
    state = state if state in records.STATES else None
    person_id = request.args.get("person_id", type=bounded_int)
    asset_id = request.args.get("asset_id", type=bounded_int)
    return render_template(
        "admin/consent/quitclaims.html",
        rows=records.list_quitclaims(state=state, person_id=person_id, asset_id=asset_id),
        state=state, person_id=person_id, asset_id=asset_id, states=records.STATES,
        proposals_waiting=self_marks.count_pending(),
    )


@blueprint.get("/quitclaims/<int:quitclaim_id>")
def quitclaim_page(quitclaim_id: int) -> ResponseReturnValue:
    quitclaim = records.get(quitclaim_id)
    return render_template(
        "admin/consent/quitclaim.html",
        quitclaim=quitclaim,
        person=people.get(quitclaim.person_id),
        history=history.of(quitclaim.id),
    )


@blueprint.get("/quitclaims/<int:quitclaim_id>/pdf")
def quitclaim_pdf(quitclaim_id: int) -> ResponseReturnValue:
    key = signed_pdf(quitclaim_id, actor=current_user)
    if key is None:
        flash(_("The PDF is still being made. Try again in a moment."), "info")
        return redirect(url_for("admin.quitclaim_page", quitclaim_id=quitclaim_id))
    return send_stored(key, "application/pdf", download_name=posixpath.basename(key))


@blueprint.route("/quitclaims/invite", methods=["GET", "POST"])
@requires(*EDITORS)
def quitclaim_invite() -> ResponseReturnValue:
    form = InviteForm()
    if request.method == "GET":
        if person_id := request.args.get("person_id", type=bounded_int):
            form.person.data = person_label(person_id, people.get(person_id).name)
        if selected := request.args.getlist("asset_id", type=bounded_int):
            form.asset_ids.data = ",".join(str(a) for a in selected)
            form.asset_mode.data = "selected"
    status = 200
    if form.validate_on_submit():
        if page := invite_preview.ask_first(form):
            return page
        try:
            invitation = _invite(form)
        except DomainError as exc:
            exc.field = INVITE_FIELDS.get(exc.field or "", exc.field)
            show_error(form, exc)
            status = 400
        else:
            flash(_("Invitation sent."), "info")
            return redirect(url_for("admin.person_page", person_id=invitation.person_id))
    elif request.method == "POST":
        status = 400
    selected_ids = [int(a) for a in (form.asset_ids.data or "").split(",") if a.isdigit()]
    return render_template("admin/consent/invite.html", form=form,
                           selected_ids=selected_ids), status


def _invite(form: InviteForm) -> QuitclaimInvitation:
    person_id, _name = person_choice(form.person.data or "")
    return invitations.invite_person(
        person_id,
        invitations.PhotoChoice(
            mode=form.asset_mode.data or "tagged", collection=form.collection.data or "",
            asset_ids=tuple(int(a) for a in (form.asset_ids.data or "").split(",")
                            if a.isdigit()),
        ),
        form.channels.data or [],
        new_person=invitations.NewPerson(
            name=form.new_name.data or "", email=form.new_email.data or None,
            date_of_birth=form.new_birth_date.data,
        ),
        guardian_email=form.guardian_email.data or None,
        validity_months=12 * (form.validity_years.data or 5),
        language=form.language.data or "nl", third_parties=form.third_parties.data or "",
        actor=current_user,
    )


@blueprint.post("/invitations/<int:invitation_id>/<action>")
@requires(*EDITORS)
def invitation_action(invitation_id: int, action: str) -> ResponseReturnValue:
    if action == "resend":
        invitation = invitations.resend(invitation_id, actor=current_user)
        flash(_("A new link was sent; the old one no longer works."), "info")
    elif action == "cancel":
        invitation = invitations.cancel(invitation_id, actor=current_user)
        flash(_("Invitation cancelled."), "info")
    else:
        abort(404)
    return redirect(url_for("admin.person_page", person_id=invitation.person_id))


@blueprint.post("/assets/<int:asset_id>/download")
def asset_download(asset_id: int) -> ResponseReturnValue:
    """The full photo for one channel: faces without consent there blurred, or refused.
    Outside internal use it is a disclosure, registered with its recipient."""
    form = DownloadForm()
    if not form.validate_on_submit():
        abort(400)
    channel = form.channel.data or ""
    key = downloads.for_channel(asset_id, channel, recipient_name=form.recipient_name.data
                                or "", actor=current_user)
    asset = catalogue.get(asset_id)
    name = Path(asset.original_filename).stem + f"-{channel}.jpg"
    return send_stored(key, "image/jpeg", download_name=name)
