"""Staff handling requests: queue, deadlines, extension, refusal, questions, reminders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.dsr import casework, links
from likeness.errors import InvalidInput
from likeness.models import RequestMessage, SubjectRequest
from likeness.platform import daily
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, submit_request, verify_by_email

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _filed(client: FlaskClient, mailbox: Any, db: Any, **kwargs: Any) -> Any:
    submit_request(client, details="Gala 2026", **kwargs)
    verify_by_email(client, mailbox, kwargs.get("email", "barack@example.org"))
    return latest_request(db)


def test_extension_before_the_first_deadline_tells_the_person_why(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    with time_machine.travel(datetime(2025, 11, 26, 9, 0, tzinfo=UTC), tick=False):
        subject_request = _filed(client, mailbox, db)
    assert subject_request.due_on == date(2025, 12, 29)
    mailbox.messages.clear()
    casework.extend(subject_request.id, 2, "Many photo archives to search.", actor=officer,
                    today=date(2025, 12, 29))
    assert subject_request.extended_due_on == date(2026, 2, 26)
    run_jobs()
    (told,) = [m for m in mailbox.to("barack@example.org") if "more time" in m["Subject"]]
    body = told.get_payload(decode=True).decode()
    assert "26 February 2026" in body and "Many photo archives to search." in body
    assert "district court" in body  # the remedies, for a private organisation
    with pytest.raises(InvalidInput, match="already extended"):
        casework.extend(subject_request.id, 1, "again", actor=officer, today=date(2026, 1, 2))


def test_extension_after_the_first_deadline_is_refused(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    with time_machine.travel(datetime(2026, 3, 27, 9, 0, tzinfo=UTC), tick=False):
        subject_request = _filed(client, mailbox, db)
    assert subject_request.due_on == date(2026, 4, 28)
    with pytest.raises(InvalidInput, match="first deadline has passed"):
        casework.extend(subject_request.id, 1, "too late", actor=officer,
                        today=date(2026, 4, 29))
    assert subject_request.extended_due_on is None
    with pytest.raises(InvalidInput, match="needs a reason"):
        casework.extend(subject_request.id, 1, "  ", actor=officer, today=date(2026, 4, 1))


def test_refusal_names_the_reasons_and_the_right_to_complain(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    subject_request = _filed(client, mailbox, db)
    casework.refuse(subject_request.id, "The request is manifestly unfounded.", actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    pdf = PdfReader(instance_dir() / subject_request.response_pdf_path)
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "manifestly unfounded" in text
    assert "Autoriteit Persoonsgegevens" in text and "district court" in text


def test_staff_ask_for_more_information_and_the_person_answers(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    subject_request = _filed(client, mailbox, db)
    casework.send_message(subject_request.id, "Which event were you photographed at?",
                          actor=officer, ask_information=True)
    assert subject_request.status == "info_requested"
    path = "/request/status/" + links.status_token(subject_request)
    page = client.get(path).get_data(as_text=True)
    assert "Which event were you photographed at?" in page
    client.post(path, data={"body": "The gala of 2026.",
                            "csrf_token": csrf_token_from(page)})
    db.session.refresh(subject_request)
    assert subject_request.status == "open"
    bodies = [m.body for m in db.session.scalars(select(RequestMessage))]
    assert bodies == ["Which event were you photographed at?", "The gala of 2026."]
    casework.add_note(subject_request.id, "internal: check the gala folder", actor=officer)
    assert "internal: check" not in client.get(path).get_data(as_text=True)


def test_queue_is_sorted_by_deadline_with_badges(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), tick=False):
        early = _filed(client, mailbox, db, email="early@example.org")
    with time_machine.travel(datetime(2026, 1, 20, 9, 0, tzinfo=UTC), tick=False):
        late = _filed(client, mailbox, db, email="late@example.org")
    # (Logged in inside each travel: a session cookie from the future is not accepted.)
    with time_machine.travel(datetime(2026, 2, 2, 9, 0, tzinfo=UTC), tick=False):
        logged_in("privacy_officer")
        page = client.get("/admin/requests").get_data(as_text=True)
    assert page.index(early.reference) < page.index(late.reference)
    assert "3 days left" in page  # due 5 February
    with time_machine.travel(datetime(2026, 2, 10, 9, 0, tzinfo=UTC), tick=False):
        logged_in("privacy_officer")
        page = client.get("/admin/requests").get_data(as_text=True)
    assert "overdue by 5 days" in page
    logged_in("privacy_officer")
    detail = client.get(f"/admin/requests/{early.id}").get_data(as_text=True)
    assert early.reference in detail and "Gala 2026" in detail


def test_a_long_queue_is_paged_most_urgent_first_and_the_pager_keeps_the_filter(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    # 52 open erasure requests and one access request, deadlines spread over the year; one
    # extension moves a request back in line.
    for n in range(52):
        db.session.add(SubjectRequest(
            reference=f"DSR-2026-8{n:05d}", type="erasure", status="open", name="x",
            email="x@example.org", due_on=date(2026, 3, 1) + timedelta(days=(n * 7) % 52)))
    extended = SubjectRequest(reference="DSR-2026-800099", type="erasure", status="open",
                              name="x", email="x@example.org", due_on=date(2026, 2, 1),
                              extended_due_on=date(2026, 6, 30))
    db.session.add_all([extended, SubjectRequest(
        reference="DSR-2026-800100", type="access", status="open", name="x",
        email="x@example.org", due_on=date(2026, 2, 2))])
    db.session.commit()
    logged_in("privacy_officer")

    first = client.get("/admin/requests?type=erasure").get_data(as_text=True)
    assert "53 requests" in first
    references = re.findall(r">(DSR-2026-8\d{5})<", first)
    assert len(references) == casework.QUEUE_PAGE_SIZE
    assert "DSR-2026-800100" not in first  # the filter holds
    assert "DSR-2026-800099" not in first  # its extended deadline comes last
    assert "Page 1 of 2" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert next_link is not None
    second_url = next_link.group(1).replace("&amp;", "&")
    assert "type=erasure" in second_url and "page=2" in second_url
    second = client.get(second_url).get_data(as_text=True)
    rest = re.findall(r">(DSR-2026-8\d{5})<", second)
    assert rest[-1] == "DSR-2026-800099" and len(rest) == 3
    assert not set(rest) & set(references)
    due = [db.session.scalar(select(SubjectRequest).where(SubjectRequest.reference == r))
           for r in references + rest]
    deadlines = [casework.current_deadline(r) for r in due]
    assert deadlines == sorted(deadlines)
    # A page past the end shows the last page, and nonsense the first.
    assert "DSR-2026-800099" in client.get("/admin/requests?type=erasure&page=9").get_data(
        as_text=True)
    assert "Page 1 of 2" in client.get("/admin/requests?type=erasure&page=x").get_data(
        as_text=True)


def test_librarians_cannot_see_requests(client: FlaskClient, logged_in: Any):
    logged_in("librarian")
    assert client.get("/admin/requests").status_code == 403


def test_daily_reminder_lists_overdue_and_soon_due_requests(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), tick=False):
        subject_request = _filed(client, mailbox, db)
    mailbox.messages.clear()
    with time_machine.travel(datetime(2026, 2, 2, 9, 0, tzinfo=UTC), tick=False):
        daily.schedule_if_due()
        run_jobs()
    (reminder,) = mailbox.to(officer.email)
    assert "0 overdue, 1 due within 7 days" in reminder["Subject"]
    assert subject_request.reference in reminder.get_payload(decode=True).decode()


def test_deadline_command_prints_receipt_and_due_date(app: Flask):
    result = app.test_cli_runner().invoke(args=["deadline", "2025-01-31T23:30:00Z"])
    assert result.exit_code == 0
    assert "received: 2025-02-01" in result.output
    assert "due:      2025-03-03" in result.output
    bad = app.test_cli_runner().invoke(args=["deadline", "2025-01-31T23:30:00"])
    assert bad.exit_code != 0 and "time zone" in bad.output


def test_admin_actions_through_the_request_page(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    subject_request = _filed(client, mailbox, db)
    officer = logged_in("privacy_officer")
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    client.post(f"/admin/requests/{subject_request.id}/assign",
                data={"assignee": officer.id, "csrf_token": token})
    client.post(f"/admin/requests/{subject_request.id}/note",
                data={"body": "looked in the archive", "csrf_token": token})
    response = client.post(f"/admin/requests/{subject_request.id}/close",
                           data={"outcome": "nothing held", "csrf_token": token},
                           follow_redirects=True)
    assert "Request closed" in response.get_data(as_text=True)
    db.session.refresh(subject_request)
    assert subject_request.assignee_id == officer.id and subject_request.status == "closed"


