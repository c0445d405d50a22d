"""Quitclaims for staff: invite, follow, and read the evidence."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin import blueprint, requires
from admin.forms import InviteForm
from admin.lookups import person_choice, person_label
from likeness.errors import DomainError, InvalidInput
from likeness.models import QuitclaimInvitation, Role
from likeness.services import audit, library, outbox, people, quitclaims
from likeness.storage import instance_dir

EDITORS = (Role.LIBRARIAN, Role.PRIVACY_OFFICER)
STATES = ("active", "expiring", "expired", "withdrawn")


@blueprint.get("/quitclaims")
def quitclaim_list() -> ResponseReturnValue:
    state = request.args.get("state")
    state = state if state in STATES else None
    person_id = request.args.get("person_id", type=int)
    asset_id = request.args.get("asset_id", type=int)
    return render_template(
        "admin/quitclaims.html",
        rows=quitclaims.list_quitclaims(state=state, person_id=person_id, asset_id=asset_id),
        state=state, person_id=person_id, asset_id=asset_id, states=STATES,
    )


@blueprint.get("/quitclaims/<int:quitclaim_id>")
def quitclaim_page(quitclaim_id: int) -> ResponseReturnValue:
    quitclaim = quitclaims.get(quitclaim_id)
    return render_template(
        "admin/quitclaim.html",
        quitclaim=quitclaim,
        person=people.get(quitclaim.person_id),
        history=quitclaims.history(quitclaim.id),
    )


@blueprint.get("/quitclaims/<int:quitclaim_id>/pdf")
def quitclaim_pdf(quitclaim_id: int) -> ResponseReturnValue:
    quitclaim = quitclaims.get(quitclaim_id)
    if not quitclaim.pdf_path:
        flash(_("The PDF is still being made. Try again in a moment."), "info")
        return redirect(url_for("admin.quitclaim_page", quitclaim_id=quitclaim_id))
    audit.record("quitclaim.pdf_downloaded", actor=current_user.audit_ref,
                 subject=f"quitclaim:{quitclaim.id}")
    outbox.commit()
    path = instance_dir() / quitclaim.pdf_path
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=Path(quitclaim.pdf_path).name)


@blueprint.route("/quitclaims/invite", methods=["GET", "POST"])
@requires(*EDITORS)
def quitclaim_invite() -> ResponseReturnValue:
    form = InviteForm()
    if request.method == "GET":
        if person_id := request.args.get("person_id", type=int):
            form.person.data = person_label(person_id, people.get(person_id).name)
        if selected := request.args.getlist("asset_id", type=int):
            form.asset_ids.data = ",".join(str(a) for a in selected)
            form.asset_mode.data = "selected"
    status = 200
    if form.validate_on_submit():
        try:
            invitation = _invite(form)
        except DomainError as exc:
            outbox.rollback()
            form.form_errors.append(exc.message)
            status = 400
        else:
            flash(_("Invitation sent."), "info")
            return redirect(url_for("admin.person_page", person_id=invitation.person_id))
    elif request.method == "POST":
        status = 400
    selected_ids = [int(a) for a in (form.asset_ids.data or "").split(",") if a.isdigit()]
    return render_template("admin/invite.html", form=form, selected_ids=selected_ids), status


def _invite(form: InviteForm) -> QuitclaimInvitation:
    person_id, _name = person_choice(form.person.data or "")
    if person_id is None:
        if not (form.new_name.data or "").strip():
            raise InvalidInput(_("Pick a person, or fill in the new person's name."))
        # commit=False: the invitation below commits person and invitation together, so
        # an invitation refused for its photos or channels leaves no new person behind.
        person = people.create(
            form.new_name.data or "", actor=current_user, email=form.new_email.data or None,
            date_of_birth=form.new_birth_date.data, guardian_email=form.guardian_email.data,
            commit=False,
        )
        person_id = person.id
    elif form.guardian_email.data:
        people.set_guardian_email(person_id, form.guardian_email.data, actor=current_user,
                                  commit=False)
    mode = form.asset_mode.data
    if mode == "tagged":
        asset_ids = sorted({asset.id for _face, asset in people.faces_of(person_id)})
    elif mode == "collection":
        collection = (form.collection.data or "").strip()
        if not collection:
            raise InvalidInput(_("Name the collection."))
        asset_ids = [row.asset.id for row in library.list_assets(collection=collection,
                                                                 limit=10_000)]
    else:
        asset_ids = [int(a) for a in (form.asset_ids.data or "").split(",") if a.isdigit()]
    return quitclaims.invite(
        person_id, asset_ids, form.channels.data or [],
        validity_months=12 * (form.validity_years.data or 5),
        language=form.language.data or "nl", actor=current_user,
    )


@blueprint.post("/invitations/<int:invitation_id>/<action>")
@requires(*EDITORS)
def invitation_action(invitation_id: int, action: str) -> ResponseReturnValue:
    if action == "resend":
        invitation = quitclaims.resend(invitation_id, actor=current_user)
        flash(_("A new link was sent; the old one no longer works."), "info")
    elif action == "cancel":
        invitation = quitclaims.cancel(invitation_id, actor=current_user)
        flash(_("Invitation cancelled."), "info")
    else:
        abort(404)
    return redirect(url_for("admin.person_page", person_id=invitation.person_id))


@blueprint.get("/assets/<int:asset_id>/download")
def asset_download(asset_id: int) -> ResponseReturnValue:
    """The full photo for one channel: faces without consent there blurred, or refused."""
    from likeness.services import downloads

    channel = request.args.get("channel", "")
    path = downloads.for_channel(asset_id, channel, actor=current_user)
    asset = library.get(asset_id)
    name = Path(asset.original_filename).stem + f"-{channel}.jpg"
    return send_file(path, mimetype="image/jpeg", as_attachment=True, download_name=name)
