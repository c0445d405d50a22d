"""Filing a request: stored first, verified by email, followed on a status page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.models import OutboxJob, SubjectRequest
from likeness.platform import embedded_redis, outbox
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, reference_in, submit_request, verify_by_email


def test_request_is_stored_before_the_answer_shows_its_reference(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any
):
    response = submit_request(client, details="Open day, 12 May 2026, main hall")
    assert response.status_code == 200
    reference = reference_in(response.get_data(as_text=True))
    stored = latest_request(db)
    assert stored.reference == reference
    assert stored.status == "awaiting_verification"
    assert stored.due_on > stored.received_at.date()


def test_verification_link_is_single_use_and_opens_the_status_page(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any
):
    submit_request(client, details="Gala 2026")
    status_path = verify_by_email(client, mailbox)
    stored = latest_request(db)
    assert stored.status == "open" and stored.email_verified_at is not None
    page = client.get(status_path).get_data(as_text=True)
    assert stored.reference in page
    assert format_date(stored.due_on, "long", locale="en_GB") in page  # 26 December 2026
    # The same link a second time confirms nothing again: it leads to the status page.
    run_jobs()
    verify_mail = [m for m in mailbox.to("barack@example.org") if "confirm" in m["Subject"]]
    from tests.support.helpers import link_in

    path = link_in(verify_mail[0], "/request/verify/")
    again = client.get(path)
    # A status link of the same request (signed afresh, so its timestamp may differ).
    assert again.status_code == 302
    assert again.headers["Location"].startswith("/request/status/")
    status = client.get(again.headers["Location"]).get_data(as_text=True)
    assert stored.reference in status and "already confirmed" in status


def test_selfie_needs_its_own_tick_and_no_selfie_needs_a_description(
    app: Flask, client: FlaskClient, db: Any
):
    page = client.get("/request")
    import io

    from tests.support.helpers import FIXTURES

    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "X", "email": "x@example.org", "language": "en",
        "selfie": (io.BytesIO((FIXTURES / "obama2.jpg").read_bytes()), "me.jpg"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Tick that we may use your photo" in response.get_data(as_text=True)
    bare = submit_request(client, details="")
    assert bare.status_code == 400
    assert "describe where and when" in bare.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0
    assert not (instance_dir() / "selfies").exists() or \
        list((instance_dir() / "selfies").iterdir()) == []


def test_a_bad_selfie_file_is_refused_and_nothing_is_stored(app: Flask, client: FlaskClient,
                                                            db: Any):
    import io

    page = client.get("/request")
    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "X", "email": "x@example.org", "language": "en", "selfie_consent": "y",
        "selfie": (io.BytesIO(b"<html>no</html>"), "me.jpg"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not a photo we accept" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0


def test_another_persons_request_or_file_is_404(app: Flask, client: FlaskClient, db: Any,
                                                mailbox: Any):
    submit_request(client, details="Gala")
    status_path = verify_by_email(client, mailbox)
    assert client.get(status_path + "/response.pdf").status_code == 404  # not made yet
    assert client.get(status_path + "/../../etc/passwd").status_code == 404
    assert client.get("/request/status/not-a-token").status_code == 400


def test_rate_limited_per_email(app: Flask, client: FlaskClient, db: Any):
    for _ in range(5):
        assert submit_request(client, details="x", email="busy@example.org").status_code == 200
    assert submit_request(client, details="x", email="busy@example.org").status_code == 429


def test_with_redis_down_requests_are_stored_and_verified_later(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tmp_path: Path
):
    own = tmp_path / "own-redis"
    url = embedded_redis.ensure_running(own)
    embedded_redis.stop(own)
    app.config["REDIS_URL"] = url
    app.extensions.pop("likeness.redis", None)
    # The rate limiter falls back to memory; the request is stored all the same.
    response = submit_request(client, details="Gala")
    assert response.status_code == 200
    stored = latest_request(db)
    assert reference_in(response.get_data(as_text=True)) == stored.reference
    assert db.session.scalars(select(OutboxJob)).one().status == "pending"
    try:
        embedded_redis.ensure_running(own)
        app.extensions.pop("likeness.redis", None)
        outbox.sweep()
        verify_by_email(client, mailbox)
        db.session.refresh(stored)
        assert stored.status == "open"
    finally:
        embedded_redis.stop(own)
