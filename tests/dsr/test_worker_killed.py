"""A worker SIGKILLed while rendering the answer PDF and while mailing the answer: after a
restart the end state is that of a clean run, with one PDF (one sha256),
one email of each kind, and each step audited once."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.dsr import actions, answer, identity, locate
from likeness.extensions import db
from likeness.library import policy_settings, sharing, tagging
from likeness.library import upload as uploads
from likeness.models import (
    AuditEvent,
    Face,
    Match,
    OutboxJob,
    OutboxStatus,
    SubjectRequest,
    TemplatePolicy,
)
from likeness.platform.actor import CLI
from likeness.platform.storage import instance_dir
from likeness.staff import accounts
from tests.platform.test_faults import _worker_env
from tests.support.helpers import FIXTURES, positive_dpia_version, run_jobs
from tests.support.scenarios import submit_request, verify_by_email

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parents[2]

# A real worker, except that at one point it stops as if the machine died: after the
# PDF is rendered (nothing stored yet), or just before an email goes out. Neither it nor
# the restarted worker loads the face models: no job here looks at a face
# (tests/support/queue_worker.py).
_DOOMED_WORKER = r"""
import os, sys, time
from pathlib import Path
from likeness.app import create_app
from likeness.platform.worker import run_worker
from tests.support.queue_worker import skip_face_models

skip_face_models()

marker, target = Path(os.environ["KILL_MARKER"]), os.environ["KILL_AT"]

def stop_here():
    marker.write_text(target)
    time.sleep(3600)  # the test SIGKILLs us here

app = create_app()
with app.app_context():
    if target == "render":
        import likeness.dsr.answer as answer
        original = answer.render_pdf
        def render_pdf(*args, **kwargs):
            original(*args, **kwargs)
            stop_here()
        answer.render_pdf = render_pdf
    else:
        import likeness.platform.mail as mail
        mail._send = lambda email, body: stop_here()
    run_worker()
"""


def _kill_worker_at(app: Flask, target: str) -> None:
    marker = Path(app.config["INSTANCE_PATH"]) / f"killed-at-{target}"
    env = dict(_worker_env(app), KILL_MARKER=str(marker), KILL_AT=target)
    worker = subprocess.Popen([sys.executable, "-c", _DOOMED_WORKER], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):  # bounded: at most a minute
            if marker.exists() or worker.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), "the worker never reached the point to die at"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)


def _restart_worker(app: Flask) -> None:
    """A fresh worker: it requeues what the dead one left, then runs everything."""
    subprocess.run([sys.executable, "-m", "tests.support.queue_worker", "--burst"], cwd=ROOT,
                   env=dict(_worker_env(app), FLASK_APP="wsgi:app"), check=True,
                   timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killed_while_rendering_the_answer_and_sending_the_mail_ends_as_a_clean_run(
    committed_app: Flask, mailbox: Any
):
    app = committed_app
    client = app.test_client()
    # So the library is searchable:
    policy_settings.set_template_policy(TemplatePolicy.ALL, actor=CLI,
                                 legal_basis="Test: a legal basis beyond consent",
                                 dpia_reference="DPIA-TEST-1",
                                 dpia_version_id=positive_dpia_version())
    officer_id = accounts.create_staff("dpo@example.org", "privacy_officer",
                                       password="privacy pass 1")[0].id
    librarian_id = accounts.create_staff("lib@example.org", "librarian",
                                         password="library pass 123")[0].id
    ids = [uploads.add_photo((FIXTURES / name).read_bytes(), name, actor=CLI).asset_id
           for name in ("obama.jpg", "two_people.jpg")]
    run_jobs()
    face = db.session.scalars(select(Face).where(Face.asset_id == ids[0])).first()
    librarian = accounts.get(librarian_id)  # jobs end the session: load again
    tagging.tag_new_person(face.id, "Barack Obama", actor=librarian)
    sharing.create([ids[0]], channel="website", recipient_name="Daily News",
                   recipient_email="desk@news.example", actor=librarian)
    submit_request(client, type_="erasure", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    db.session.rollback()
    request_id = db.session.scalars(select(SubjectRequest.id)).one()
    locate.start(request_id, actor=accounts.get(officer_id))
    run_jobs()
    db.session.rollback()
    officer = accounts.get(officer_id)
    for match in db.session.scalars(select(Match).where(Match.request_id == request_id)):
        locate.decide(match.id, "confirmed", actor=officer, erasure_choice="blur")
    identity.record_identity_check(request_id, method="in_person", outcome="confirmed",
                                   why="The tagged person has no address on file; seen at "
                                   "the desk", actor=officer)
    mailbox.messages.clear()
    actions.perform(request_id, actor=officer, decision="")  # the erasure (web side)

    _kill_worker_at(app, "render")  # mid-draft: the PDF rendered, nothing stored
    _restart_worker(app)  # the draft is finished; the Art. 19 notice goes out
    db.session.rollback()
    answer.send(request_id, actor=accounts.get(officer_id))  # staff reviewed the draft
    _kill_worker_at(app, "send")  # mid-mail: the answer's link to the person
    _restart_worker(app)

    db.session.rollback()
    subject_request = db.session.get(SubjectRequest, request_id)
    pdfs = sorted((instance_dir() / "pdf").rglob(f"*{subject_request.reference}*.pdf"))
    assert [p.relative_to(instance_dir()).as_posix() for p in pdfs] == [
        subject_request.response_pdf_path]
    assert hashlib.sha256(pdfs[0].read_bytes()).hexdigest() == \
        subject_request.response_pdf_sha256
    subjects = Counter((m["To"], m["Subject"]) for m in mailbox.messages)
    assert subjects and set(subjects.values()) == {1}, subjects
    assert len(mailbox.to("desk@news.example")) == 1  # the Art. 19 notice, once
    assert len(mailbox.to("barack@example.org")) == 1  # the answer's link, once
    steps = Counter(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["request.erasure", "request.answer_drafted",
                               "request.answer_sent", "share.revoked",
                               "disclosure.recipient_notified"]))))
    assert steps == {"request.erasure": 1, "request.answer_drafted": 1,
                     "request.answer_sent": 1, "share.revoked": 1,
                     "disclosure.recipient_notified": 1}
    assert set(db.session.scalars(select(OutboxJob.status))) == {OutboxStatus.DONE}
