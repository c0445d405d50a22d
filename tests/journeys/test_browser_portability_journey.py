"""Art. 20(2) on the status page, in a real browser: the form to send the export to
another organisation, its error state and its confirmation, each checked with axe."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from likeness.dsr import links
from likeness.extensions import db
from likeness.models import RequestStatus, RequestType, SubjectRequest, utcnow
from likeness.platform.pdf import sha256
from likeness.platform.storage import storage

pytestmark = pytest.mark.browser


def _answered_portability() -> str:
    """A request of the demo data, answered as a portability request with its export;
    returns its status path."""
    request = db.session.scalars(select(SubjectRequest)).first()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.json", json.dumps({"schema": "likeness-portability/1"}))
    digest = sha256(buffer.getvalue())
    relative = f"exports/{request.reference}-{digest[:12]}.zip"
    storage().write(relative, buffer.getvalue())
    request.type = RequestType.PORTABILITY
    request.status = RequestStatus.ANSWERED
    request.answer_sent_at = utcnow()
    request.export_zip_path, request.export_zip_sha256 = relative, digest
    db.session.commit()
    return f"/request/status/{links.status_token(request)}"


def test_sending_the_export_to_another_organisation(demo_app: Any, journey: Any):
    status_path = _answered_portability()
    with journey(phone=True) as j:
        page = j.page
        j.goto(status_path, "portability-status")
        address = page.get_by_label("Email address of the organisation that should receive")
        again = page.get_by_label("The same address again")
        address.fill("intake@newbank.example")
        again.fill("intake@newbank.exampel")
        page.get_by_role("button", name="Send the link").click()
        page.get_by_text("The two addresses are not the same").first.wait_for()
        j.check("portability-mismatch")
        assert address.input_value() == "intake@newbank.example"  # nothing typed is lost
        again.fill("intake@newbank.example")
        page.get_by_role("button", name="Send the link").click()
        page.get_by_text("We sent the organisation a link").wait_for()
        j.check("portability-sent")
