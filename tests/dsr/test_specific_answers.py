"""Answers a regulator would accept: specific to the person, complete, true, in Dutch."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.dsr import actions, casework, locate
from likeness.dsr.deadlines import due_date
from likeness.library import downloads
from likeness.models import (
    Quitclaim,
    RecipientNotice,
    TakedownTask,
    utcnow,
)
from likeness.platform.actor import person_actor
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, link_in, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    carry_out_for_person,
    invite_and_open,
    latest_request,
    record_identity_check,
    send_answer,
    sign,
    submit_request,
    verify_by_email,
)

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

CATALOGUE = (Path(__file__).resolve().parents[2]
             / "likeness/translations/nl/LC_MESSAGES/messages.po")


def _signed(client: FlaskClient, mailbox: Any, scenario: Any, librarian: Any,
            **fields: Any) -> Quitclaim:
    path = invite_and_open(client, mailbox, scenario, librarian,
                           channels=["website", "third_parties"])
    assert sign(client, path, **fields).status_code == 302
    run_jobs()
    from likeness.extensions import db

    return db.session.scalars(select(Quitclaim)).one()


def _answered_access(client: FlaskClient, mailbox: Any, db: Any, officer: Any,
                     language: str = "en") -> Any:
    submit_request(client, type_="access", details="The gala", language=language)
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    locate.link_person(subject_request.id, _barack(db), actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    for match, _face, _asset in locate.candidates(subject_request.id):
        locate.decide(match.id, "confirmed", actor=officer)
    actions.perform(subject_request.id, actor=officer)
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    return subject_request


def _barack(db: Any) -> int:
    from likeness.models import Person

    return db.session.scalars(select(Person.id).where(Person.name == "Barack Obama")).one()


def _pdf_text(relative: str) -> str:
    reader = PdfReader(instance_dir() / relative)
    return " ".join(page.extract_text() for page in reader.pages)


def test_a_download_for_third_parties_is_named_in_the_answer_and_taken_back_on_withdrawal(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    quitclaim = _signed(client, mailbox, tagged_barack, librarian,
                        channels=["website", "third_parties"])
    downloads.for_channel(tagged_barack.obama_asset, "third_parties",
                          recipient_name="Regional Newspaper", actor=librarian)
    officer = make_staff("privacy_officer")
    subject_request = _answered_access(client, mailbox, db, officer)
    text = _pdf_text(subject_request.response_pdf_path)
    assert "Regional Newspaper" in text
    assert "were not shared with anyone" not in text

    withdrawal.withdraw(quitclaim.id, actor=person_actor(tagged_barack.person.id))
    task = db.session.scalars(select(TakedownTask)).one()
    assert task.reason == "withdrawal" and task.done_at is None


def test_a_withdrawal_notice_to_a_share_link_recipient_uses_withdrawal_wording(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any,
):
    from likeness.library import sharing

    quitclaim = _signed(client, mailbox, tagged_barack, librarian,
                        channels=["website", "third_parties"])
    sharing.create([tagged_barack.obama_asset], channel="website", recipient_name="Agency",
                   recipient_email="desk@agency.example", actor=librarian)
    withdrawal.withdraw(quitclaim.id, actor=person_actor(tagged_barack.person.id),
                        channel="website")
    run_jobs()
    (notice,) = mailbox.to("desk@agency.example")
    body = notice.get_payload(decode=True).decode()
    # Recipients are written to in Dutch (the organisation's language).
    assert "heeft de toestemming ingetrokken" in body and "artikel 19" in body
    assert db.session.scalars(select(RecipientNotice)).one().kind == "withdrawal"


def test_the_export_holds_the_signed_quitclaims_template_facts_and_the_access_log(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any, logged_in: Any,
):
    _signed(client, mailbox, tagged_barack, librarian, channels=["website"],
            face_recognition="allow")
    viewer = logged_in("viewer")
    client.get(f"/admin/assets/{tagged_barack.obama_asset}")  # a colleague looks at it
    downloads.for_channel(tagged_barack.obama_asset, "website", recipient_name="Webteam",
                          actor=librarian)
    officer = make_staff("privacy_officer")
    subject_request = _answered_access(client, mailbox, db, officer)
    archive = zipfile.ZipFile(instance_dir() / subject_request.export_zip_path)
    names = archive.namelist()
    assert any(n.startswith("quitclaims/") and n.endswith(".pdf") for n in names)
    pdf = next(n for n in names if n.startswith("quitclaims/"))
    assert archive.read(pdf).startswith(b"%PDF")
    data = json.loads(archive.read("data.json"))
    assert {p["face"]["face_template_stored"] for p in data["photos"]} == {True}
    log = data["who_handled_your_photos"]
    assert {"asset.viewed", "asset.downloaded"} <= {e["what"] for e in log}
    assert viewer.email not in json.dumps(log)  # staff by role, not by name
    assert {e["who"] for e in log} >= {"viewer", "librarian"}
    text = _pdf_text(subject_request.response_pdf_path)
    assert "a face template exists" in " ".join(text.split())
    assert "Who handled your photos" in text


def test_the_requesters_own_confirmed_face_is_not_blurred_in_the_copy(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, make_staff: Any,
):
    import numpy as np
    from PIL import Image

    from likeness.faces import engine

    upload("two_people.jpg")
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    from likeness.dsr import scope

    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="Not named", actor=officer)
    approve_wider_scope(subject_request.id)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    (match, _face, _asset), = locate.candidates(subject_request.id)
    locate.decide(match.id, "confirmed", actor=officer)
    record_identity_check(subject_request.id, officer)  # his face is tagged to nobody
    actions.perform(subject_request.id, actor=officer)
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    archive = zipfile.ZipFile(instance_dir() / subject_request.export_zip_path)
    photo = next(n for n in archive.namelist() if n.startswith("photos/"))
    with Image.open(io.BytesIO(archive.read(photo))) as copy:
        found = engine.detect(np.asarray(copy.convert("RGB")))
    assert len(found) == 1  # his own face stays; the other man is blurred


def test_erasure_burns_the_face_into_the_original_and_removes_earlier_exports(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    import numpy as np
    from PIL import Image

    from likeness.faces import engine
    from likeness.library import upload as uploads
    from likeness.models import Asset, ErasureLedgerEntry
    from likeness.platform.storage import asset_path
    from tests.support.helpers import FIXTURES

    officer = make_staff("privacy_officer")
    earlier = _answered_access(client, mailbox, db, officer)
    earlier_zip = instance_dir() / earlier.export_zip_path
    assert earlier_zip.exists()
    casework.close(earlier.id, actor=officer)

    submit_request(client, type_="erasure", details="Remove me")
    verify_by_email(client, mailbox)
    erasure = latest_request(db)
    carry_out_for_person(erasure.id, tagged_barack.person.id, officer, erasure_choice="blur")
    run_jobs()

    group = db.session.get(Asset, tagged_barack.group_asset)
    with Image.open(asset_path(group.sha256)) as stored:
        found = engine.detect(np.asarray(stored.convert("RGB")))
    barack_box = next(f for f in group.faces if f.is_always_blurred)
    for box in found:  # only Biden is left; nothing where Barack was
        assert box.right < barack_box.left or box.left > barack_box.right
    assert len(found) == 1
    assert not earlier_zip.exists()
    db.session.refresh(earlier)
    assert earlier.export_zip_path is None and earlier.export_zip_sha256  # record stays
    entries = db.session.scalars(select(ErasureLedgerEntry)).all()
    assert {e.kind for e in entries} >= {"face_blurred", "person_suppressed"}
    assert group.sha256 in {e.asset_sha256 for e in entries}
    # Uploading the unblurred original again is no way back.
    again = uploads.add_photo((FIXTURES / "two_people.jpg").read_bytes(), "two_people.jpg",
                              actor=librarian)
    assert again.duplicate and again.asset_id == group.id  # the burnt one, not a new copy


def test_a_request_received_by_letter_three_days_ago_counts_from_that_day(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    received = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    local = received.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
    page = client.get("/admin/requests/new")
    response = client.post("/admin/requests/new", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "received_via": "letter", "received_at": local.strftime("%Y-%m-%dT%H:%M"),
        "name": "Anna de Vries", "email": "", "details": "Photos of the 2026 gala",
        "language": "nl", "incoming": (io.BytesIO(b"%PDF-1.4 scanned letter"), "letter.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    registered = latest_request(db)
    assert registered.received_via == "letter" and registered.status == "open"
    assert registered.due_on == due_date(received)
    assert (instance_dir() / registered.incoming_message_path).read_bytes().startswith(b"%PDF")
    future = client.post("/admin/requests/new", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "received_via": "phone", "received_at": "2999-01-01T10:00", "name": "X",
        "language": "nl"})
    assert future.status_code == 400 and "future" in future.get_data(as_text=True)


def test_a_manifestly_excessive_request_is_charged_a_fee_or_refused(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", details="Everything, again")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    casework.mark_unfounded(subject_request.id, "The fifth identical request this month.",
                            fee_cents=2500, actor=officer)
    run_jobs()
    (fee,) = [m for m in mailbox.to("barack@example.org") if "fee" in m["Subject"]]
    assert "25.00" in fee.get_payload(decode=True).decode()
    casework.mark_unfounded(subject_request.id, "Still excessive.", actor=officer)
    assert subject_request.status == "refused"
    assert "Art. 12(5)" in subject_request.refusal_reason


@pytest.mark.parametrize("controller, words", [("public", "bezwaar"),
                                               ("private", "district court")])
def test_remedies_fit_the_organisation(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any,
    controller: str, words: str,
):
    app.config["CONTROLLER_TYPE"] = controller
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", details="Gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    casework.refuse(subject_request.id, "We hold no photos of you.", actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    text = _pdf_text(subject_request.response_pdf_path)
    assert words in text and "Autoriteit Persoonsgegevens" in text


def test_every_portal_page_email_and_answer_links_the_privacy_notice(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    from likeness.cockpit import transparency
    from likeness.platform.actor import CLI

    transparency.update(notice="We keep photos for our magazine.\n\nAsk us anything.",
                        dpo="Jan Jansen, fg@example.org", actor=CLI)
    for path in ("/", "/request", "/consent"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/privacy"' in html and "fg@example.org" in html
    assert "We keep photos for our magazine." in client.get("/privacy").get_data(as_text=True)
    submit_request(client, type_="access", details="Gala")
    run_jobs()
    (verify,) = mailbox.to("barack@example.org")
    body = verify.get_payload(decode=True).decode()
    assert "/privacy" in body and "fg@example.org" in body


def test_third_parties_are_named_on_the_signing_page_and_in_the_signed_pdf(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any,
):
    from likeness.consent import invitations
    from likeness.errors import InvalidInput

    with pytest.raises(InvalidInput, match="Name the third parties"):
        invitations.invite(tagged_barack.person.id, [tagged_barack.obama_asset],
                           ["third_parties"], actor=librarian)
    invitations.invite(tagged_barack.person.id, [tagged_barack.obama_asset],
                       ["website", "third_parties"], language="en",
                       third_parties="Stichting Vrienden, Regional Newspaper", actor=librarian)
    run_jobs()
    path = link_in(mailbox.to("barack@example.org")[0], "/quitclaim/sign/")
    assert "Stichting Vrienden, Regional Newspaper" in client.get(path).get_data(as_text=True)
    assert sign(client, path, channels=["third_parties"]).status_code == 302
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert quitclaim.third_parties == "Stichting Vrienden, Regional Newspaper"
    assert "Stichting Vrienden" in _pdf_text(quitclaim.pdf_path)


def _translated_fragments() -> dict[str, str]:
    """English fragments (between placeholders, 14+ characters) whose Dutch differs."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    fragments: dict[str, str] = {}
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, dutch in zip(ids, strings, strict=False):
            if english == dutch:
                continue
            for fragment in re.split(r"%\(\w+\)[sd]|\n", english):
                fragment = fragment.strip(" .,:;()")
                if len(fragment) >= 14 and fragment not in dutch:
                    fragments[fragment] = dutch
    return fragments


def test_a_dutch_answer_has_no_english_line(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    _signed(client, mailbox, tagged_barack, librarian, channels=["website"])
    officer = make_staff("privacy_officer")
    english = _pdf_text(_answered_access(client, mailbox, db, officer, "en")
                        .response_pdf_path)
    dutch = _pdf_text(_answered_access(client, mailbox, db, officer, "nl").response_pdf_path)
    flat_english, flat_dutch = " ".join(english.split()), " ".join(dutch.split())
    used = [f for f in _translated_fragments() if f in flat_english]
    assert len(used) > 20  # the English answer really is made of catalogue strings
    leftovers = [f for f in used if f in flat_dutch]
    assert leftovers == []
    assert re.search(r"\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|"
                     r"september|oktober|november|december) \d{4}", flat_dutch)


def test_a_legal_hold_keeps_the_photo_and_the_answer_says_why(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    from likeness.cockpit import holds
    from likeness.models import Asset
    from likeness.platform.storage import asset_path

    officer = make_staff("privacy_officer")
    holds.place("asset", str(tagged_barack.obama_asset),
                "Archiefwet 1995: the municipal archive keeps this photo", actor=officer)
    original = asset_path(db.session.get(Asset, tagged_barack.obama_asset).sha256).read_bytes()
    submit_request(client, type_="erasure", details="Remove me")
    verify_by_email(client, mailbox)
    erasure = latest_request(db)
    carry_out_for_person(erasure.id, tagged_barack.person.id, officer, erasure_choice="delete")
    run_jobs()
    held = db.session.get(Asset, tagged_barack.obama_asset)
    assert held is not None  # not deleted
    assert asset_path(held.sha256).read_bytes() == original  # not burnt either
    face = held.faces[0]
    assert face.person_id is None and face.template_ciphertext is None
    assert face.is_always_blurred  # blurred in every copy that leaves
    db.session.refresh(erasure)
    text = " ".join(_pdf_text(erasure.response_pdf_path).split())
    assert "Art. 17(3)(b)" in text and "Archiefwet 1995" in text
