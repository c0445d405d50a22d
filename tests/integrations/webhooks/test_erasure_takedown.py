"""A real erasure: the image bank hears `subject.erased` with its ids, confirms the
take-down, and the answer to the person names the image bank and the copies removed."""

from __future__ import annotations

from pypdf import PdfReader
from sqlalchemy import select

from likeness.models import TakedownTask
from likeness.platform.storage import instance_dir
from tests.dsr.test_suppression import _erase
from tests.integrations.webhooks.conftest import deliver_due
from tests.support.scenarios import latest_request, send_answer


def test_erasure_reaches_the_image_bank_and_the_answer_names_it(
        client, db, mailbox, registered, endpoint, receiver, bearer, make_staff, logged_in):
    officer = make_staff("privacy_officer", email="dpo@example.org")
    _erase(client, mailbox, db, registered.person.id, officer)
    deliver_due()
    (erased,) = [m for m in receiver.processed if m["type"] == "subject.erased"]
    assert erased["data"]["external_ids"] == ["IMG-1"]
    assert erased["data"]["reason"] == "erasure"
    assert "Barack" not in str(erased) and "barack@" not in str(erased)
    task = db.session.scalars(select(TakedownTask).where(
        TakedownTask.integration_id.is_not(None))).one()
    assert erased["data"]["takedown_id"] == task.id

    # The answer (drafted when the erasure was carried out) names the image bank.
    erasure = latest_request(db)
    send_answer(erasure.id, officer)
    db.session.refresh(erasure)
    reader = PdfReader(instance_dir() / erasure.response_pdf_path)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert ("1 copy of your photos at the image bank Beeldbank: the image bank was told to "
            "remove it") in text

    # The image bank confirms; the case page says so.
    assert client.post(f"/api/v1/takedowns/{task.id}/done", headers=bearer).status_code == 200
    logged_in("privacy_officer")
    page = client.get(f"/admin/requests/{erasure.id}").get_data(as_text=True)
    assert "1 copy of your photos removed by the image bank Beeldbank" in page
