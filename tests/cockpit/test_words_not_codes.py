"""The cockpit in words, not codes: dates as people write them in Dutch and English, audit
actions as sentences with the code beside them, and pickers where the officer used to
type numbers and references (issue 27)."""

from __future__ import annotations

import html as html_lib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.cockpit import breaches, holds
from likeness.models import AuditEvent, Breach, ShareLink, ShareLinkAsset, utcnow
from likeness.platform import audit
from likeness.platform.actor import SYSTEM
from likeness.platform.clock import today as amsterdam_today
from tests.cockpit import factories
from tests.support.helpers import csrf_token_from

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

# 7 December 2025, 13:05 UTC: 14:05 on the Amsterdam clock.
MOMENT = datetime(2025, 12, 7, 13, 5, 9, tzinfo=UTC)


def _get(client: FlaskClient, path: str, language: str) -> tuple[int, str]:
    response = client.get(path, headers={"Accept-Language": language})
    return response.status_code, html_lib.unescape(response.get_data(as_text=True))


def _actions(page: str) -> list[str]:
    """The actions in the log's table, in words (the code after the line break left out)."""
    return [cell.split("<br>")[0]
            for cell in re.findall(r'<td class="audit-action">(.*?)</td>', page)]


def _link(db: Any, name: str, photos: int, created_at: datetime) -> ShareLink:
    link = ShareLink(token_sha256=secrets.token_hex(32), channel="website",
                     recipient_name=name, created_at=created_at,
                     expires_at=created_at + timedelta(days=30))
    db.session.add(link)
    db.session.flush()
    for _ in range(photos):
        db.session.add(ShareLinkAsset(share_link_id=link.id,
                                      asset_id=factories.asset(db, faces=0).id))
    db.session.flush()
    return link


def test_cockpit_dates_are_written_out_in_dutch_and_english_on_the_amsterdam_clock(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    breach = breaches.record(discovered_at=MOMENT, description="A laptop was stolen.",
                             actor=officer)
    photo = factories.asset(db)
    hold = holds.place("asset", str(photo.id), "Tax law", actor=officer)
    hold.placed_at = MOMENT
    event = audit.record("face.tagged", actor=officer, subject=f"asset:{photo.id}")
    event.created_at = MOMENT
    db.session.commit()

    for language, words in (("nl", "7 december 2025"), ("en", "7 December 2025")):
        status, page = _get(client, f"/admin/cockpit/breaches/{breach.id}", language)
        assert status == 200 and f"{words} 14:05" in page  # discovered
        assert not re.search(r"\b2025-12-0\d", page)
        assert ("Wordt beoordeeld" if language == "nl" else "Being assessed") in page
        status, page = _get(client, "/admin/cockpit/breaches", language)
        assert f"{words} 14:05" in page and "<td>open</td>" not in page
        status, page = _get(client, "/admin/cockpit/retention", language)
        assert words in page and "2025-12-07" not in page  # the hold's day
        status, page = _get(client, "/admin/cockpit/audit", language)
        assert f"{words} 14:05:09" in page
        # The machine-readable value stays ISO, in UTC as stored.
        assert '<time datetime="2025-12-07T13:05:09' in page
        # The on-time chart names its months ("dec 26"), not "26-12".
        status, page = _get(client, "/admin/cockpit/", language)
        short = format_date(amsterdam_today(), "LLL yy",
                            locale="nl" if language == "nl" else "en_GB")
        assert f'text-anchor="middle">{short}</text>' in page
        assert not re.search(r'text-anchor="middle">\d\d-\d\d<', page)


def test_the_audit_log_names_actions_in_words_and_keeps_the_code_for_the_dpo(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    audit.record("retention.purged", actor=SYSTEM, subject="asset:1")
    audit.record("legacy.thing_done", actor=SYSTEM, subject="asset:2")
    db.session.commit()

    _status, page = _get(client, "/admin/cockpit/audit", "nl")
    cells = re.findall(r'<td class="audit-action">(.*?)</td>', page)
    assert any(cell.startswith("Verwijderd volgens de bewaartermijnen")
               and ">retention.purged</code>" in cell for cell in cells)
    assert "legacy.thing_done" in cells  # no label: the code, once, as it is
    assert officer.id and 'title="Actiecode"' in page
    _status, page = _get(client, "/admin/cockpit/audit", "en")
    assert 'title="Action code"' in page
    shown = _actions(page)
    assert "Deleted by the retention schedule" in shown
    assert "Audit log viewed" in shown  # the earlier read is itself in the log


def test_the_audit_filter_offers_staff_by_name_and_recent_photos_by_file_name(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    officer.name = "Petra de Vries"
    photo = factories.asset(db, collection="Open dag")
    photo.original_filename = "IMG_0042.jpg"
    jane = factories.person(db, "Jane Doe")
    audit.record("person.renamed", actor=officer, subject=f"person:{jane.id}")
    audit.record("asset.viewed", actor=SYSTEM, subject=f"asset:{photo.id}")
    db.session.commit()

    _status, page = _get(client, "/admin/cockpit/audit", "en")
    actor_select = re.search(r'<select[^>]*name="actor".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', actor_select)
    assert ("", "Anyone") in options and ("system", "the system") in options
    assert (f"staff:{officer.id}", "Petra de Vries") in options
    assert f'<option value="IMG_0042.jpg · Open dag (#{photo.id})">' in page
    assert 'class="person-input"' in page and "people-lookup.js" in page
    assert '<option value="face.tagged">Face tagged</option>' in page  # the action's hint
    _status, page = _get(client, "/admin/cockpit/audit", "nl")
    assert '<option selected value="">Iedereen</option>' in page or ">Iedereen<" in page
    assert "Typ een naam en kies de persoon uit de lijst." in page
    assert '<option value="face.tagged">Gezicht getagd</option>' in page

    # Picked values filter as the numbers did.
    _status, page = _get(client, f"/admin/cockpit/audit?actor=staff:{officer.id}", "en")
    shown = _actions(page)
    assert "Person renamed" in shown and "Photo viewed" not in shown
    _status, page = _get(client, f"/admin/cockpit/audit?photo=IMG_0042.jpg · Open dag "
                                 f"(%23{photo.id})", "en")
    assert _actions(page) == ["Photo viewed"]
    _status, page = _get(client, f"/admin/cockpit/audit?person=Jane Doe (%23{jane.id})", "en")
    assert _actions(page) == ["Person renamed"]
    filters = [e.details["filters"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.viewed")
        .order_by(AuditEvent.id))]
    assert filters[-3:] == [{"actor": f"staff:{officer.id}"}, {"asset_id": photo.id},
                            {"person_id": jane.id}]


def test_unknown_or_unreadable_picks_fail_closed_with_a_clear_message(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    db.session.commit()
    for query, english, dutch in [
        ("actor=staff:999999", "Choose someone from the list.", "Kies iemand uit de lijst."),
        ("person=Nobody", "Pick a person from the list.", "Kies een persoon uit de lijst."),
        ("person=Ghost (%23999999)", "There is no person with that number.",
         "Er is geen persoon met dat nummer."),
        ("photo=99999999999999", "There is no photo with that number.",
         "Er is geen foto met dat nummer."),
        ("photo=holiday", "Pick a photo from the list, or type its number.",
         "Kies een foto uit de lijst, of typ het nummer ervan."),
    ]:
        status, page = _get(client, f"/admin/cockpit/audit?{query}", "en")
        assert status == 400, query
        assert 'class="error-summary"' in page and english in page, query
        status, page = _get(client, f"/admin/cockpit/audit?{query}", "nl")
        assert status == 400 and dutch in page, query
    assert client.get("/admin/cockpit/audit.csv?person=Nobody").status_code == 302


def test_the_breach_form_ticks_leaked_share_links_by_name_date_and_photos(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    dagblad = _link(db, "Dagblad", 3, MOMENT)
    _link(db, "Omroep", 1, MOMENT - timedelta(days=2))
    db.session.commit()

    _status, page = _get(client, "/admin/cockpit/breaches", "en")
    assert "Dagblad · 7 December 2025 · 3 photos" in page
    assert "Omroep · 5 December 2025 · 1 photo" in page
    assert f'type="checkbox" value="{dagblad.id}"' in page
    assert "numbers, comma-separated)" not in page.split("Disclosures that leaked")[0]
    _status, page = _get(client, "/admin/cockpit/breaches", "nl")
    assert "Dagblad · 7 december 2025 · 3 foto's" in page

    response = client.post("/admin/cockpit/breaches", data={
        "csrf_token": csrf_token_from(page), "discovered_at": "2026-12-07T10:00",
        "description": "The link was posted online.", "share_link_ids": [str(dagblad.id)]})
    assert response.status_code == 302
    (breach,) = db.session.scalars(select(Breach))
    assert breach.share_link_ids == [dagblad.id]


def test_a_share_link_that_is_not_offered_is_refused_at_the_field(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    _link(db, "Dagblad", 1, utcnow())
    db.session.commit()
    page = client.get("/admin/cockpit/breaches").get_data(as_text=True)
    for value in ("424242", "two"):
        response = client.post("/admin/cockpit/breaches", data={
            "csrf_token": csrf_token_from(page), "discovered_at": "2026-12-07T10:00",
            "description": "x", "share_link_ids": [value]},
            headers={"Accept-Language": "en"})
        body = html_lib.unescape(response.get_data(as_text=True))
        assert response.status_code == 400
        assert 'class="error-summary"' in body and "Tick share links from the list." in body
    assert db.session.scalars(select(Breach)).first() is None


def test_a_legal_hold_that_cannot_be_placed_is_summarised_at_the_top_of_its_form(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    db.session.commit()
    token = csrf_token_from(client.get("/admin/cockpit/retention").get_data(as_text=True))
    for language, missing, unknown in (
        ("en", "This field is required.", "There is no person with that number."),
        ("nl", "Dit veld is vereist.", "Er is geen persoon met dat nummer."),
    ):
        response = client.post("/admin/cockpit/holds", data={
            "csrf_token": token, "scope": "person", "target": "999999", "reason": ""},
            headers={"Accept-Language": language})
        page = html_lib.unescape(response.get_data(as_text=True))
        assert response.status_code == 400
        summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
        assert '<a href="#reason">' in summary and missing in summary
        # The reason is checked first; with a reason, the unknown person is said at its field.
        response = client.post("/admin/cockpit/holds", data={
            "csrf_token": token, "scope": "person", "target": "999999", "reason": "Archiefwet"},
            headers={"Accept-Language": language})
        page = html_lib.unescape(response.get_data(as_text=True))
        assert response.status_code == 400
        summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
        assert f'<a href="#target">{unknown}</a>' in summary
        assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="target"[^>]*>', page).group(0)
        assert "\nArchiefwet</textarea>" in page  # what was typed stays
    assert holds.active() == []
