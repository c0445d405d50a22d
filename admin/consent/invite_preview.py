"""Before an invitation for a whole collection goes out: say on how many of its photos
the person is tagged, and what happens with the others."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from admin.consent.forms import InviteForm
from admin.library.lookups import person_choice
from likeness.consent import self_marks
from likeness.library import catalogue, people
from likeness.web import confirmation


def ask_first(form: InviteForm) -> ResponseReturnValue | None:
    """The page that asks before sending, or None (confirmed, or not by collection)."""
    collection = (form.collection.data or "").strip()
    if form.asset_mode.data != "collection" or not collection:
        return None
    asset_ids = catalogue.asset_ids(catalogue.LibraryFilter(collection=collection))
    if not asset_ids:
        return None  # the invitation itself says there are no photos
    person_id, name = person_choice(form.person.data or "")
    if person_id is not None:
        name = people.get(person_id).name
    name = name or (form.new_name.data or "").strip() or _("The new person")
    tagged = self_marks.tagged_in(person_id, asset_ids)
    counted = ngettext("%(name)s is tagged on %(num)d of %(total)d photos.",
                       "%(name)s is tagged on %(num)d of %(total)d photos.",
                       tagged, name=name, total=len(asset_ids))
    if tagged == len(asset_ids):
        then = _("Their consent applies to their tagged faces as soon as they sign.")
    else:
        then = _("On the signing page the faces tagged to nobody are blurred and numbered, "
                 "and %(name)s can mark the ones that are them. Each mark comes to you as "
                 "a proposal (Quitclaims, faces marked by signers); their consent applies "
                 "to a face once you confirm it.", name=name)
    return confirmation.ask(
        _("Send the invitation for %(collection)s?", collection=collection),
        " ".join([counted, then]), yes=_("Send invitation"),
        back=url_for("admin.quitclaim_invite"), layout="admin/_layout.html")
