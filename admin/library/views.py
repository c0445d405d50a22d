"""The image library: upload, browse, an asset's faces, tagging and suggestions."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.forms import StaffActionForm
from admin.library.forms import DownloadForm, PublicationForm, ShareForm, TagForm, UploadForm
from admin.library.lookups import person_choice, person_label, wants_json
from likeness.errors import DomainError
from likeness.faces.engine import Box
from likeness.library import (
    catalogue,
    consent_status,
    disclosures,
    near_duplicates,
    people,
    policy_settings,
    sharing,
    tagging,
)
from likeness.library import upload as uploads
from likeness.library.renditions import Purpose, crop_face, render
from likeness.library.search_service import SearchUnavailable
from likeness.models import AssetStatus, Channel, Role
from likeness.platform.links import external_url
from likeness.web.form_fields import show_error, valid_ids
from likeness.web.stored_files import send_stored

EDITORS = (Role.LIBRARIAN, Role.PRIVACY_OFFICER)
CHANNELS = [c.value for c in Channel]
ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}


def _library_filter() -> catalogue.LibraryFilter:
    """The library's filter from the query string; unknown values are ignored."""
    status = request.args.get("status") or None
    if status not in {None, *[s.value for s in AssetStatus]}:
        status = None
    usable = request.args.get("usable") or None
    consent_filter = request.args.get("consent") or None
    return catalogue.LibraryFilter(
        status=status,
        collection=request.args.get("collection") or None,
        usable_on=usable if usable in CHANNELS else None,
        consent=consent_filter if consent_filter in {"expiring", "none"} else None,
    )


@blueprint.get("/library")
def library_index() -> ResponseReturnValue:
    where = _library_filter()
    page = catalogue.list_assets(where, page=request.args.get("page", 1, type=int))
    return render_template(
        "admin/library/library.html", page=page, rows=page.rows, status=where.status,
        collection=where.collection, usable=where.usable_on, consent_filter=where.consent,
        channels=CHANNELS, can_edit=current_user.has_role(*EDITORS),
    )


@blueprint.get("/library/selection")
@requires(*EDITORS)
def library_selection() -> ResponseReturnValue:
    """Photos chosen in the library (ticked, or every photo of the filter) for an
    invitation or a share link."""
    where = _library_filter()
    if request.args.get("all") == "1":
        asset_ids = catalogue.asset_ids(where)
    else:
        asset_ids = valid_ids(request.args.getlist("asset_id"))
    if not asset_ids:
        flash(_("Choose one or more photos first."), "error")
        back: dict[str, Any] = _filter_args(where)
        return redirect(url_for("admin.library_index", **back))
    if request.args.get("action") == "invite":
        return redirect(url_for("admin.quitclaim_invite", asset_id=asset_ids))
    form = ShareForm(asset_ids=",".join(str(a) for a in asset_ids))
    return render_template("admin/library/share.html", form=form, asset_ids=asset_ids)


@blueprint.post("/library/share")
@requires(*EDITORS)
def library_share() -> ResponseReturnValue:
    form = ShareForm()
    asset_ids = valid_ids((form.asset_ids.data or "").split(","))
    status = 400
    if form.validate_on_submit() and asset_ids:
        try:
            _link, token = sharing.create(
                asset_ids, channel=form.channel.data or "",
                recipient_name=form.recipient_name.data or "",
                recipient_email=form.recipient_email.data or None, actor=current_user,
                days=form.days.data or 30)
        except DomainError as exc:
            show_error(form, exc)
            status = exc.status
        else:
            return _share_made(asset_ids, token, url_for("admin.library_index"))
    return render_template("admin/library/share.html", form=form, asset_ids=asset_ids), status


def _filter_args(where: catalogue.LibraryFilter) -> dict[str, str]:
    return {k: v for k, v in {"status": where.status, "collection": where.collection,
                              "usable": where.usable_on, "consent": where.consent}.items()
            if v}


@blueprint.get("/library/upload")
@requires(*EDITORS)
def upload_page() -> ResponseReturnValue:
    return render_template("admin/library/upload.html", form=UploadForm())


@blueprint.post("/library/upload")
@requires(*EDITORS)
def upload() -> ResponseReturnValue:
    form = UploadForm()
    collection = (form.collection.data or "").strip() or None
    results: list[uploads.UploadResult] = []
    files = request.files.getlist("files")
    # `.xmp` sidecars travel with their photos (photo.jpg.xmp or photo.xmp).
    sidecars = {(f.filename or "").lower(): f for f in files
                if (f.filename or "").lower().endswith(".xmp")}
    paired: set[int] = set()
    for storage in files:
        name = storage.filename or ""
        if name.lower() in sidecars:
            continue
        data = storage.read()
        if name.lower().endswith(".zip") or storage.mimetype in ZIP_TYPES:
            try:
                results.extend(uploads.add_zip(data, actor=current_user, collection=collection))
            except DomainError as exc:
                results.append(uploads.UploadResult(name, error=exc.message))
        else:
            sidecar = uploads.sidecar_for(name, sidecars)
            paired.add(id(sidecar))
            results.append(uploads.add_photo(
                data, name, actor=current_user, collection=collection,
                sidecar=sidecar.read(uploads.MAX_SIDECAR_BYTES + 1) if sidecar else None))
    results += [uploads.UploadResult(name, error=uploads.unpaired_sidecar())
                for name, sidecar in sidecars.items() if id(sidecar) not in paired]
    if not results:
        if wants_json():
            return jsonify(error=_("Choose one or more photos.")), 400
        flash(_("Choose one or more photos."), "error")
        return redirect(url_for("admin.upload_page"))
    payload = [
        {"filename": r.filename, "ok": r.ok, "error": r.error, "asset_id": r.asset_id,
         "duplicate": r.duplicate}
        for r in results
    ]
    if wants_json():
        return jsonify(results=payload)
    return render_template("admin/library/upload_results.html", results=results)


@blueprint.get("/library/status")
def upload_status() -> ResponseReturnValue:
    ids = [int(v) for v in request.args.get("ids", "").split(",") if v.strip().isdigit()]
    return jsonify(assets=catalogue.statuses(ids))


@blueprint.get("/assets/<int:asset_id>")
def asset_page(asset_id: int) -> ResponseReturnValue:
    asset = catalogue.view(asset_id, actor=current_user)  # who looked is in the access log
    can_edit = current_user.has_role(*EDITORS)
    suggestions: dict[int, tagging.Suggestion] = {}
    if can_edit:
        try:
            suggestions = tagging.suggest([f.id for f in asset.faces], actor=current_user)
        except SearchUnavailable:
            flash(_("Suggestions are not shown: the search worker did not answer in time. "
                    "Tagging works as usual; reload the page to try again."), "info")
    # After the last commit (suggestions audit their template reads): the commit expires
    # what was loaded, and faces loaded before it were read again one query per face.
    faces = list(asset.faces)
    person_names = {p.id: p.name for p in (people.get(f.person_id) for f in faces
                                           if f.person_id is not None)}
    channel = request.args.get("channel")
    return render_template(
        "admin/library/asset.html",
        asset=asset,
        consent=consent_status.for_asset(asset.id),
        channel=channel if channel in CHANNELS else Channel.WEBSITE,
        channels=CHANNELS,
        faces=faces,
        suggestions=suggestions,
        person_names=person_names,
        can_edit=can_edit,
        tag_form=TagForm(),
        action_form=StaffActionForm(),
        share_form=ShareForm(),
        download_form=DownloadForm(channel=channel if channel in CHANNELS else None),
        publication_form=PublicationForm(),
        disclosures=disclosures.of_asset(asset.id),
        policy=policy_settings.template_policy().value,
    )


@blueprint.post("/assets/<int:asset_id>/publication")
@requires(*EDITORS)
def asset_publication(asset_id: int) -> ResponseReturnValue:
    form = PublicationForm()
    if not form.validate_on_submit():
        flash(_("Say who received the photo and where it was published."), "error")
        return _back_to(asset_id)
    try:
        disclosures.record_publication(
            asset_id, channel=form.channel.data or "", recipient_name=form.recipient_name.data
            or "", location=form.location.data or "",
            recipient_email=form.recipient_email.data or None, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Recorded in the disclosure register."), "info")
    return _back_to(asset_id)


@blueprint.get("/assets/<int:asset_id>/<purpose>.jpg")
def asset_image(asset_id: int, purpose: str) -> ResponseReturnValue:
    if purpose not in {Purpose.THUMBNAIL, Purpose.PREVIEW}:
        abort(404)
    asset = catalogue.get(asset_id)
    blur = [Box(*f.box) for f in asset.faces if f.is_always_blurred]
    if asset.is_held_as_erased:
        blur = near_duplicates.whole_image(asset)
    return send_stored(render(asset, Purpose(purpose), blur), "image/jpeg")


@blueprint.get("/faces/<int:face_id>/crop.jpg")
def face_crop(face_id: int) -> ResponseReturnValue:
    face = tagging.get_face(face_id)
    return send_stored(crop_face(face.asset, Box(*face.box), blurred=face.is_always_blurred
                                 or face.asset.is_held_as_erased),
                       "image/jpeg")


@blueprint.post("/assets/<int:asset_id>/retry")
@requires(*EDITORS)
def asset_retry(asset_id: int) -> ResponseReturnValue:
    uploads.retry_indexing(asset_id, actor=current_user)
    flash(_("Indexing was started again."), "info")
    return redirect(url_for("admin.asset_page", asset_id=asset_id))


@blueprint.post("/faces/<int:face_id>/tag")
@requires(*EDITORS)
def face_tag(face_id: int) -> ResponseReturnValue:
    form = TagForm()
    face = tagging.get_face(face_id)
    if not form.validate_on_submit():
        flash(_("Choose a person or type a name."), "error")
        return _back_to(face.asset_id)
    person_id, name = person_choice(form.person.data or "")
    try:
        if person_id is not None:
            tagging.tag(face.id, person_id, actor=current_user)
        else:
            tagging.tag_new_person(face.id, name, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Face tagged."), "info")
    return _back_to(face.asset_id)


@blueprint.post("/faces/<int:face_id>/untag")
@requires(*EDITORS)
def face_untag(face_id: int) -> ResponseReturnValue:
    face = tagging.untag(face_id, actor=current_user)
    flash(_("Tag removed."), "info")
    return _back_to(face.asset_id)


@blueprint.post("/faces/<int:face_id>/not-a-face")
@requires(*EDITORS)
def face_not_a_face(face_id: int) -> ResponseReturnValue:
    undo = request.form.get("undo") == "1"
    face = tagging.mark_not_a_face(face_id, actor=current_user, not_a_face=not undo)
    flash(_("Marked as a face again.") if undo else _("Marked as not a face."), "info")
    return _back_to(face.asset_id)


@blueprint.post("/faces/<int:face_id>/suggestion/<int:person_id>/<decision>")
@requires(*EDITORS)
def face_suggestion(face_id: int, person_id: int, decision: str) -> ResponseReturnValue:
    face = tagging.get_face(face_id)
    if decision == "confirm":
        tagging.confirm_suggestion(face_id, person_id, actor=current_user)
        flash(_("Suggestion confirmed: face tagged."), "info")
    elif decision == "reject":
        tagging.reject_suggestion(face_id, person_id, actor=current_user)
        flash(_("Suggestion rejected; it will not be made again."), "info")
    else:
        abort(404)
    return _back_to(face.asset_id)


@blueprint.get("/people/lookup")
def people_lookup() -> ResponseReturnValue:
    """Autocomplete for the tag field: at most 10 people whose name contains `q`."""
    query = request.args.get("q", "")
    matches = people.list_people(query, limit=10) if len(query.strip()) >= 1 else []
    return jsonify(people=[{"id": p.id, "label": person_label(p.id, p.name)}
                           for p, _count in matches])


def _back_to(asset_id: int) -> ResponseReturnValue:
    return redirect(url_for("admin.asset_page", asset_id=asset_id))



@blueprint.post("/assets/<int:asset_id>/share")
@requires(*EDITORS)
def asset_share(asset_id: int) -> ResponseReturnValue:
    form = ShareForm()
    if not form.validate_on_submit():
        flash(_("Fill in the recipient and the channel."), "error")
        return _back_to(asset_id)
    _link, token = sharing.create(
        [catalogue.get(asset_id).id], channel=form.channel.data or "",
        recipient_name=form.recipient_name.data or "",
        recipient_email=form.recipient_email.data or None, actor=current_user,
        days=form.days.data or 30,
    )
    return _share_made([asset_id], token, url_for("admin.asset_page", asset_id=asset_id))


def _share_made(asset_ids: list[int], token: str, back: str) -> ResponseReturnValue:
    """The link, shown once on a page of its own: never in a flash message (the session
    cookie that carries flashes is only signed, so anyone holding it can read them), and
    built on PUBLIC_BASE_URL, never on the Host header the client chose."""
    response = make_response(render_template(
        "admin/library/share_made.html", asset_ids=asset_ids, back=back,
        url=external_url("portal.shared", token=token)))
    response.headers["Cache-Control"] = "no-store"
    return response
