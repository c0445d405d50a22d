"""Staff side of consent: invite from the admin, follow quitclaims, use photos per channel."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from likeness.faces import engine
from likeness.library import catalogue
from likeness.models import AuditEvent, Person, Quitclaim, QuitclaimInvitation
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import invite_and_open, sign


def test_invite_a_new_person_for_a_collection_from_the_admin(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any, upload: Any
):

    logged_in("librarian")
    ids = upload("biden.jpg", "obama2.jpg")
    for asset_id in ids:
        catalogue.get(asset_id).collection = "Gala 2026"
    db.session.commit()
    page = client.get("/admin/quitclaims/invite")
    form = {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "new_name": "Joe Biden", "new_email": "joe@example.org",
        "asset_mode": "collection", "collection": "Gala 2026",
        "channels": ["website", "internal"], "validity_years": "2", "language": "nl",
    }
    # By collection, the form asks first and says how far tagging got (issue 27).
    asked = client.post("/admin/quitclaims/invite", data=form)
    assert "Joe Biden is tagged on 0 of 2 photos." in asked.get_data(as_text=True)
    assert db.session.scalars(select(QuitclaimInvitation)).first() is None
    response = client.post("/admin/quitclaims/invite", data={**form, "confirmed": "yes"})
    assert response.status_code == 302
    invitation = db.session.scalars(select(QuitclaimInvitation)).one()
    assert invitation.asset_ids == sorted(ids)
    assert invitation.channels == ["internal", "website"]
    assert invitation.validity_months == 24
    run_jobs()
    (message,) = mailbox.to("joe@example.org")
    assert "Gala" not in message["Subject"]  # the subject names the organisation only
    person = db.session.scalars(select(Person)).one()
    person_page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "waiting" in person_page and "Resend" in person_page


def test_invite_form_explains_what_is_missing(client: FlaskClient, logged_in: Any):
    logged_in("librarian")
    page = client.get("/admin/quitclaims/invite")
    response = client.post("/admin/quitclaims/invite", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "asset_mode": "tagged", "channels": ["website"], "validity_years": "5",
        "language": "nl"})
    assert response.status_code == 400
    assert "Pick a person, or fill in the new person" in response.get_data(as_text=True)


def test_quitclaim_list_filters_and_pdf_download_is_audited(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, logged_in: Any,
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    sign(client, path, channels=["website"])
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    staff = logged_in("viewer")
    active = client.get("/admin/quitclaims?state=active").get_data(as_text=True)
    assert "Barack Obama" in active
    assert "Barack Obama" not in client.get("/admin/quitclaims?state=withdrawn")\
        .get_data(as_text=True)
    detail = client.get(f"/admin/quitclaims/{quitclaim.id}").get_data(as_text=True)
    assert "signed" in detail and quitclaim.pdf_sha256 in detail
    pdf = client.get(f"/admin/quitclaims/{quitclaim.id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "quitclaim.pdf_downloaded",
        AuditEvent.actor == staff.audit_ref)).one()


def test_asset_page_explains_why_a_photo_is_not_usable(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, logged_in: Any,
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    sign(client, path, channels=["website"])
    logged_in("viewer")
    page = client.get(f"/admin/assets/{tagged_barack.group_asset}?channel=website")
    html = page.get_data(as_text=True)
    assert ("Usable on Website: no — 1 face without consent (tag it, ask for a quitclaim, "
            "or blur it)") in html
    assert "light-green" in html and "light-red" in html
    obama = client.get(f"/admin/assets/{tagged_barack.obama_asset}").get_data(as_text=True)
    assert "Usable on Website: yes" in obama
    assert "Usable on Print: no" in obama

    usable = client.get("/admin/library?usable=website").get_data(as_text=True)
    assert "obama.jpg" in usable and "two_people.jpg" not in usable
    no_consent = client.get("/admin/library?consent=none").get_data(as_text=True)
    # two_people.jpg is usable nowhere (Biden has no quitclaim); obama.jpg on the website.
    assert "two_people.jpg" in no_consent and "obama.jpg" not in no_consent


def test_download_for_a_channel_blurs_faces_without_consent(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, logged_in: Any,
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    sign(client, path, channels=["website"])
    logged_in("viewer")
    token = csrf_token_from(client.get(f"/admin/assets/{tagged_barack.group_asset}")
                            .get_data(as_text=True))

    def download(asset_id: int, channel: str, recipient: str = "Regional paper") -> Any:
        return client.post(f"/admin/assets/{asset_id}/download", data={
            "csrf_token": token, "channel": channel, "recipient_name": recipient})

    response = download(tagged_barack.group_asset, "website")
    assert response.status_code == 200
    with Image.open(io.BytesIO(response.data)) as image:
        found = engine.detect(np.asarray(image.convert("RGB")))
    assert len(found) == 1  # Barack (consented) is left; Biden is blurred

    app.config["DOWNLOAD_WITHOUT_CONSENT"] = "refuse"
    refused = download(tagged_barack.group_asset, "website")
    assert refused.status_code == 403
    assert "without consent" in refused.get_data(as_text=True)
    assert download(tagged_barack.obama_asset, "website").status_code == 200
    assert download(tagged_barack.obama_asset, "tv").status_code == 400
    nameless = download(tagged_barack.obama_asset, "website", recipient="")
    assert nameless.status_code == 400 and "disclosure register" in nameless.get_data(as_text=True)
