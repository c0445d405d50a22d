"""The case page's candidates: the decision on one tile (a form post, or the same post sent
by fetch and answered with JSON and the tile as the server now renders it), the decision
on every undecided tile shown, and the photo around a face."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from admin.access import blueprint, requires
from admin.dsr.forms import MatchDecisionForm
from admin.forms import StaffActionForm
from admin.library.lookups import wants_json
from likeness.dsr import candidate_review, casework, locate
from likeness.errors import DomainError
from likeness.extensions import db
from likeness.models import Face, Match, MatchDecision, Role, SubjectRequest
from likeness.web import confirmation
from likeness.web.form_fields import valid_ids
from likeness.web.stored_files import send_stored

HANDLERS = (Role.PRIVACY_OFFICER,)
# The case page pages through every candidate a search found (there is no cap).
PER_PAGE = 60


def page_context(subject_request: SubjectRequest, page: int, per_page: int) -> dict[str, Any]:
    """What the candidate section of the case page shows (templates/admin/dsr/_candidates)."""
    shown = locate.candidates_page(subject_request.id, page, per_page)
    return {"candidates": shown,
            "undecided_ids": [m.id for m, _f, _a in shown if m.decision == MatchDecision.PENDING],
            "other_people": candidate_review.other_people(subject_request,
                                                          [f for _m, f, _a in shown])}


def _bulk(subject_request: SubjectRequest, page: int) -> str:
    """The "all shown" buttons as they now are (their count follows the decisions)."""
    return render_template(
        "admin/dsr/_candidate_bulk.html", r=subject_request, action_form=StaffActionForm(),
        candidates_page=page, carried_out=casework.carried_out(subject_request.id),
        undecided_ids=[m.id for m, _f, _a in locate.candidates_page(subject_request.id, page,
                                                                      PER_PAGE)
                       if m.decision == MatchDecision.PENDING])


def _answer(ok: bool, message: str, match_id: int, page: int, status: int = 200
            ) -> ResponseReturnValue:
    """The JSON answer to a decision sent by fetch: what to say, the tile's decision now,
    and the tile and the "all shown" buttons to put on the page."""
    tile = _tile(match_id, page)  # (expires the session: read the state after it)
    match = db.session.get(Match, match_id)
    subject_request = casework.get(locate.request_of_match(match_id))
    return jsonify(ok=ok, message=message, html=tile, bulk=_bulk(subject_request, page),
                   decision=match.decision.value if match else None), status


def _tile(match_id: int, page: int) -> str:
    db.session.expire_all()  # the state after the decision (or after a rollback)
    match = db.session.get(Match, match_id)
    if match is None:
        return ""
    face = db.session.get(Face, match.face_id)
    subject_request = casework.get(match.request_id)
    if face is None:
        return ""
    return render_template(
        "admin/dsr/_candidate_tile.html", m=match, face=face, asset=face.asset,
        r=subject_request, action_form=StaffActionForm(), candidates_page=page,
        carried_out=casework.carried_out(subject_request.id),
        other=candidate_review.other_person(subject_request, face))


def _said(decision: str, filename: str) -> str:
    if decision == MatchDecision.CONFIRMED:
        return _("Confirmed: %(name)s.", name=filename)
    if decision == MatchDecision.REJECTED:
        return _("Rejected: %(name)s.", name=filename)
    return _("Undone: %(name)s is undecided again.", name=filename)


@blueprint.post("/matches/<int:match_id>/<decision>")
@requires(*HANDLERS)
def match_decide(match_id: int, decision: str) -> ResponseReturnValue:
    form = MatchDecisionForm()
    if decision not in {d.value for d in MatchDecision}:
        abort(404)
    as_json = wants_json()
    if not form.validate_on_submit():
        if as_json:
            return jsonify(ok=False, message=_("The page had expired; reload it.")), 400
        abort(400)
    page = request.form.get("candidates_page", 1, type=int) or 1
    request_id = locate.request_of_match(match_id)  # 404 for an unknown match
    back = url_for("admin.request_page", request_id=request_id,
                   candidates_page=page if page > 1 else None) + "#candidates"
    try:
        match = candidate_review.decide_one(
            match_id, decision, actor=current_user, erasure_choice=form.erasure_choice.data
            or None, knowingly=confirmation.is_confirmed())
    except candidate_review.OtherPerson as exc:
        if as_json:
            return _answer(False, exc.message, match_id, page, 409)
        asked = confirmation.ask(_("Confirm a face established as someone else?"),
                                 exc.message, yes=_("Confirm anyway"), back=back,
                                 layout="admin/_layout.html")
        return asked or redirect(back)
    except DomainError as exc:
        if as_json:
            return _answer(False, exc.message, match_id, page, exc.status)
        flash(exc.message, "error")
        return redirect(back)
    face = db.session.get(Face, match.face_id)
    said = _said(decision, face.asset.original_filename if face else "")
    if as_json:
        return _answer(True, said, match_id, page)
    return redirect(back)


@blueprint.post("/requests/<int:request_id>/candidates/<decision>")
@requires(*HANDLERS)
def candidates_decide(request_id: int, decision: str) -> ResponseReturnValue:
    """Confirm or reject every undecided candidate that was shown, after asking."""
    if decision not in candidate_review.DECISIONS:
        abort(404)
    form = MatchDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    page = request.form.get("candidates_page", 1, type=int) or 1
    back = url_for("admin.request_page", request_id=request_id,
                   candidates_page=page if page > 1 else None) + "#candidates"
    ids = valid_ids(request.form.getlist("match"))
    count = len(ids)
    if decision == MatchDecision.CONFIRMED:
        title = ngettext("Confirm %(num)d candidate?", "Confirm all %(num)d candidates?", count)
        yes = _("Confirm all shown (%(num)d)", num=count)
    else:
        title = ngettext("Reject %(num)d candidate?", "Reject all %(num)d candidates?", count)
        yes = _("Reject all shown (%(num)d)", num=count)
    if ids and (page_asked := confirmation.ask(
            title, _("Each is recorded as your decision, as if you had decided them one by "
                     "one; you can undo any of them until the request is carried out."),
            yes=yes, back=back, layout="admin/_layout.html")):
        return page_asked
    try:
        result = candidate_review.decide_shown(request_id, ids, decision, actor=current_user,
                                               erasure_choice=form.erasure_choice.data or None)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(back)
    _flash_result(decision, result)
    return redirect(back)


def _flash_result(decision: str, result: candidate_review.BulkResult) -> None:
    if decision == MatchDecision.CONFIRMED:
        flash(ngettext("%(num)d candidate confirmed.", "%(num)d candidates confirmed.",
                       result.decided), "info")
    else:
        flash(ngettext("%(num)d candidate rejected.", "%(num)d candidates rejected.",
                       result.decided), "info")
    if result.stale:
        flash(ngettext("%(num)d candidate had been decided meanwhile and was left as it is.",
                       "%(num)d candidates had been decided meanwhile and were left as they "
                       "are.", result.stale), "error")
    if result.other_person:
        flash(ngettext("%(num)d face is established as someone else and was left undecided: "
                       "decide it on its own.",
                       "%(num)d faces are established as someone else and were left "
                       "undecided: decide them one by one.", result.other_person), "error")


@blueprint.get("/requests/<int:request_id>/matches/<int:match_id>/context.jpg")
@requires(*HANDLERS)
def match_context(request_id: int, match_id: int) -> ResponseReturnValue:
    """The photo around a candidate face, other faces blurred; every look is audited."""
    key = candidate_review.context_image(request_id, match_id, actor=current_user)
    return send_stored(key, "image/jpeg")
