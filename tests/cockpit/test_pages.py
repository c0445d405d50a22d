"""The cockpit as staff use it: the dashboard's numbers, the audit viewer and its CSV,
roles, and bad input answered with clear errors (never a 500)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from admin.cockpit.forms import RetentionForm
from likeness.cockpit import audit_view, dpia, holds
from likeness.library import consent_status, policy_settings
from likeness.models import (
    Asset,
    AuditEvent,
    Channel,
    Face,
    LegalHold,
    RequestStatusChange,
    ReviewFlag,
    SubjectRequest,
    TakedownTask,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import SYSTEM
from likeness.platform.clock import AMSTERDAM
from likeness.platform.clock import today as amsterdam_today
from tests.cockpit import factories
from tests.support.helpers import csrf_token_from

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

COCKPIT_PAGES = ["/admin/cockpit/", "/admin/cockpit/retention", "/admin/cockpit/review",
                 "/admin/cockpit/register", "/admin/cockpit/dpia", "/admin/cockpit/breaches",
                 "/admin/cockpit/audit", "/admin/cockpit/processors"]


def _values(html: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(
        r'data-key="([a-z0-9_+-]+)">(\d+)<', html)}


def _request(db: Any, n: int, status: str, due_on: date, answered_at: datetime | None = None
             ) -> SubjectRequest:
    row = SubjectRequest(reference=f"DSR-2026-9{n:05d}", type="access", status=status,
                         name="x", email="x@example.org", due_on=due_on)
    db.session.add(row)
    db.session.flush()
    if answered_at is not None:
        db.session.add(RequestStatusChange(request_id=row.id, to_status="answered",
                                           actor="staff:1", created_at=answered_at))
    return row


def test_the_dashboard_numbers_equal_independent_counts(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    today = amsterdam_today()
    statuses = ["open", "open", "in_progress", "info_requested", "awaiting_verification",
                "open"]
    due = [today - timedelta(days=3), today + timedelta(days=2), today + timedelta(days=10),
           today + timedelta(days=30), today, today - timedelta(days=1)]
    for n, (status, due_on) in enumerate(zip(statuses, due, strict=True)):
        _request(db, n, status, due_on)
    noon = datetime.combine(today, datetime.min.time().replace(hour=12), tzinfo=AMSTERDAM)
    answered = [(today, noon), (today - timedelta(days=1), noon),
                (today - timedelta(days=40), noon - timedelta(days=35))]
    for n, (due_on, at) in enumerate(answered, start=10):
        _request(db, n, "answered", due_on, answered_at=at)
    jane, john = factories.person(db, "Jane"), factories.person(db, "John")
    photos = [factories.asset(db, faces=3) for _ in range(3)]
    factories.tag(db, photos[0].faces[0], jane)
    factories.tag(db, photos[1].faces[0], john)
    photos[2].faces[2].is_always_blurred = True
    photos[0].faces[1].template_ciphertext = b"t" * 40
    for days in (10, 45, 80, 200):
        factories.quitclaim(db, jane, [photos[0]], valid_until=today + timedelta(days=days),
                            channels=("website", "print"))
    disclosure = factories.disclosure(db, photos[0], recipient="Krant")
    db.session.add_all([TakedownTask(disclosure_id=disclosure.id, reason="withdrawal"),
                        TakedownTask(disclosure_id=disclosure.id, reason="erasure",
                                     done_at=utcnow())])
    db.session.commit()
    logged_in("privacy_officer")
    audit_view.verify_and_record(actor=SYSTEM)

    page = client.get("/admin/cockpit/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = _values(html)

    open_rows = list(db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.status.in_(["awaiting_verification", "open", "info_requested",
                                   "in_progress"]))))
    by_status = Counter(r.status for r in open_rows)
    for status in ("awaiting_verification", "open", "info_requested", "in_progress"):
        assert shown[f"status-{status}"] == by_status[status]
    overdue = sum(1 for r in open_rows if r.due_on < today)
    assert shown["overdue"] == shown["days-overdue"] == overdue == 2
    assert shown["days-0-7"] == sum(1 for r in open_rows if 0 <= (r.due_on - today).days <= 7)
    assert shown["days-15+"] == 1
    for days in (30, 60, 90):
        assert shown[f"ending-{days}"] == sum(1 for d in (10, 45, 80, 200) if d <= days)
    lights = consent_status.for_assets([p.id for p in photos])
    for channel in Channel:
        red = sum(1 for consent in lights.values() for face_id, per in consent.faces.items()
                  if per[channel.value] == "red" and face_id not in consent.blurred)
        assert shown[f"no-consent-{channel.value}"] == red
    assert shown["no-consent-website"] == 7 and shown["no-consent-social_media"] == 8
    assert shown["templates-held"] == db.session.scalar(select(func.count(Face.id)).where(
        Face.template_ciphertext.is_not(None))) == 1
    assert shown["takedowns"] == 1
    assert "Chain intact" in html
    # On time this month: the one due today (answered today); late: the one due yesterday.
    this_month = today.strftime("%Y-%m")
    row = re.search(rf'data-month="{this_month}"><td>[^<]*</td><td class="num">(\d+)</td>'
                    rf'<td class="num">(\d+)</td>', html)
    assert row and (int(row.group(1)), int(row.group(2))) == (2, 1)
    # The chart is drawn on the server: the page runs no script of its own.
    assert "<svg" in html and "<rect" in html
    assert [s for s in re.findall(r"<script[^>]*>", html) if "forms.js" not in s] == []


def test_audit_csv_neutralises_formulas_and_reading_is_audited(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    for subject in ("=HYPERLINK(\"http://x\")", "+31 6 1234", "-2+3", "@SUM(A1)", "\tTAB",
                    "\rCR", "plain"):
        audit.record("test.injection", actor=officer, subject=subject,
                     details={"note": "=1+1"})
    db.session.commit()
    response = client.get("/admin/cockpit/audit.csv?action=test.injection")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    subjects = [row[4] for row in rows[1:]]
    assert subjects == ["'=HYPERLINK(\"http://x\")", "'+31 6 1234", "'-2+3", "'@SUM(A1)",
                        "'\tTAB", "'\rCR", "plain"]
    for row in rows[1:]:
        assert not row[5].startswith(("=", "+", "-", "@"))
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    (exported,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit.exported"))
    assert exported.actor == f"staff:{officer.id}" and exported.details["rows"] == 7


def _events_table(response: Any) -> str:
    return response.get_data(as_text=True).split("<table", 1)[1].split("</table>", 1)[0]


def test_the_audit_viewer_filters_and_records_each_read(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    photo = factories.asset(db, faces=1)
    jane = factories.person(db, "Jane")
    audit.record("face.tagged", actor=officer, subject=f"face:{photo.faces[0].id}",
                 details={"person": f"person:{jane.id}"})
    audit.record("person.renamed", actor=officer, subject=f"person:{jane.id}")
    audit.record("person.renamed", actor=officer, subject=f"person:{jane.id + 1000}")
    db.session.commit()
    # The events table only (the action field's suggestions list every action code).
    page = _events_table(client.get(f"/admin/cockpit/audit?person={jane.id}"))
    assert "face.tagged" in page and page.count("person.renamed") == 1
    page = _events_table(client.get(f"/admin/cockpit/audit?photo={photo.id}"))
    assert "face.tagged" in page and "person.renamed" not in page
    viewed = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit.viewed")))
    assert [v.details["filters"] for v in viewed] == [{"person_id": jane.id},
                                                      {"asset_id": photo.id}]
    assert client.get("/admin/cockpit/audit?date_from=yesterday").status_code == 400
    assert client.get("/admin/cockpit/audit?person=abc").status_code == 400
    response = client.post("/admin/cockpit/audit/verify", data={
        "csrf_token": csrf_token_from(client.get("/admin/cockpit/audit").get_data(as_text=True))})
    assert response.status_code == 302
    assert audit_view.last_verification().ok


def test_cockpit_pages_are_for_privacy_officers_only(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("librarian")
    for path in COCKPIT_PAGES:
        assert client.get(path).status_code == 403, path


def test_every_cockpit_page_renders_for_a_privacy_officer_in_both_languages(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    version = dpia.save(description="d", necessity="n", dpo_advice="a", conclusion="c",
                        risks=[dpia.Risk("r", "low", "low", "m", "low")], actor=officer)
    db.session.commit()
    for language in ("en", "nl"):
        for path in [*COCKPIT_PAGES, f"/admin/cockpit/dpia/{version.id}"]:
            response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 200, (path, language)
    pdf = client.get(f"/admin/cockpit/dpia/{version.id}.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/admin/cockpit/register.pdf?lang=xx").data.startswith(b"%PDF")
    assert client.get("/admin/cockpit/dpia/999999").status_code == 404
    assert client.get("/admin/cockpit/breaches/999999").status_code == 404


@pytest.mark.parametrize(("path", "fields", "message"), [
    ("/admin/cockpit/breaches", {"discovered_at": "2026-01-01T10:00", "description": "x",
                                 "share_link_ids": "two"}, "Tick share links from the list."),
    ("/admin/cockpit/breaches", {"discovered_at": "2026-01-01T10:00", "description": "x",
                                 "asset_ids": "4242"}, "no photo with number 4242"),
    ("/admin/cockpit/breaches", {"discovered_at": "not a date", "description": "x"},
     "Not a valid datetime"),
    ("/admin/cockpit/retention", {"untagged_template_days": "0", "closed_request_years": "2",
                                  "email_days": "90", "expired_review_days": "0",
                                  "quitclaim_evidence_years": "5"}, "Number must be"),
    ("/admin/cockpit/retention", {"untagged_template_days": "x"}, "Not a valid integer"),
    ("/admin/cockpit/dpia", {"risks-0-risk": "A risk", "risks-0-likelihood": "extreme",
                             "risks-0-severity": "low", "risks-0-residual": "low"},
     "Not a valid choice"),
])
def test_bad_input_gets_a_clear_error_not_a_500(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any, path: str,
    fields: dict[str, str], message: str
):
    logged_in("privacy_officer")
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **fields})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_retention_settings_are_saved_audited_and_shape_the_dry_run(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    token = csrf_token_from(client.get("/admin/cockpit/retention").get_data(as_text=True))
    response = client.post("/admin/cockpit/retention", data={
        "csrf_token": token, "untagged_template_days": "30", "closed_request_years": "3",
        "email_days": "60", "expired_review_days": "14", "quitclaim_evidence_years": "7",
        **{name: str(period.default) for name, period in RetentionForm.FIELDS.items()
           if name not in {"untagged_template_days", "closed_request_years", "email_days",
                           "expired_review_days", "quitclaim_evidence_years"}}})
    assert response.status_code == 302
    page = client.get("/admin/cockpit/retention").get_data(as_text=True)
    assert 'value="30"' in page and "7 years" in page
    changes = [e.details for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "setting.retention_changed"))]
    assert {c["setting"]: c["to"] for c in changes} == {
        "retention_untagged_template_days": 30, "retention_closed_request_years": 3,
        "retention_email_days": 60, "retention_expired_review_days": 14,
        "retention_quitclaim_evidence_years": 7}


def test_holds_from_the_page_and_a_held_photo_cannot_be_deleted_on_review(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    held, free = factories.asset(db, "Archive"), factories.asset(db)
    jane = factories.person(db, "Jane")
    quitclaim = factories.quitclaim(db, jane, [held, free], valid_until=date(2020, 1, 1),
                                    status="expired")
    db.session.add_all([ReviewFlag(asset_id=held.id, quitclaim_id=quitclaim.id, reason="x"),
                        ReviewFlag(asset_id=free.id, quitclaim_id=quitclaim.id, reason="x")])
    db.session.commit()
    page = client.get("/admin/cockpit/retention").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post("/admin/cockpit/holds", data={
        "csrf_token": token, "scope": "collection", "target": "Archive",
        "reason": "Archiefwet 1995"}, follow_redirects=True)
    assert "Legal hold placed." in response.get_data(as_text=True)
    response = client.post("/admin/cockpit/holds", data={
        "csrf_token": token, "scope": "asset", "target": "nope", "reason": "r"})
    assert response.status_code == 400  # the page again, the error summarised at the top
    assert "There is no photo with that number." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LegalHold.id))) == 1

    flags = {f.asset_id: f.id for f in db.session.scalars(select(ReviewFlag))}
    response = client.post("/admin/cockpit/review", data={
        "csrf_token": token, "flag_id": flags[held.id], "action": "delete"},
        follow_redirects=True)
    assert "legal hold and may not be deleted: Archiefwet 1995" in response.get_data(
        as_text=True)
    assert db.session.get(Asset, held.id) is not None
    response = client.post("/admin/cockpit/review", data={
        "csrf_token": token, "flag_id": flags[free.id], "action": "delete"},
        follow_redirects=True)
    assert "Photo deleted." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Asset, free.id) is None
    assert holds.blocking_asset(held.id) is not None


def test_switching_to_all_records_and_links_the_dpia_version(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    admin = logged_in("admin")
    version = dpia.save(description="d", necessity="n", dpo_advice="a", conclusion="c",
                        risks=[dpia.Risk("r", "low", "low", "m", "low")], positive=True,
                        actor=admin)
    db.session.commit()
    token = csrf_token_from(client.get("/admin/settings").get_data(as_text=True))
    response = client.post("/admin/settings", data={
        "csrf_token": token, "policy": "all", "legal_basis": "Art. 9(2)(g) with the law X",
        "dpia_reference": "", "dpia_version": str(version.id)})
    assert response.status_code == 302
    state = policy_settings.policy_state()
    assert state.dpia_version_id == version.id and state.dpia_reference == "DPIA v1"
    page = client.get("/admin/settings").get_data(as_text=True)
    assert f'href="/admin/cockpit/dpia/{version.id}"' in page
    register_page = client.get("/admin/cockpit/register").get_data(as_text=True)
    assert "Art. 9(2)(g) with the law X" in register_page and "DPIA v1" in register_page
