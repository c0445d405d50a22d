"""Public pages that are neither consent nor requests: home, the privacy notice and share links."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from likeness.cockpit import notice as privacy_notice_facts
from likeness.cockpit import transparency
from likeness.extensions import limiter
from likeness.library import sharing
from likeness.web.stored_files import send_stored
from portal.blueprint import blueprint


@blueprint.get("/")
def home() -> ResponseReturnValue:
    return render_template("portal/home.html")


@blueprint.get("/privacy")
def privacy_notice() -> ResponseReturnValue:
    """The privacy notice (Art. 13), generated from the register's facts; the
    organisation's own text, if any, introduces it."""
    notice = transparency.privacy_notice()
    return render_template("portal/privacy.html",
                           paragraphs=[p.strip() for p in notice.split("\n\n") if p.strip()],
                           notice=privacy_notice_facts.build())


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
