"""A worker SIGKILLed after its POST reached the receiver but before it recorded the try:
the outbox still holds the job, a new worker delivers again with the same `webhook-id`,
and the receiver processes the event once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.extensions import db
from likeness.integrations import keys, webhooks
from likeness.models import WebhookAttempt, WebhookDelivery
from likeness.platform.actor import CLI
from tests.integrations.webhooks.conftest import dam_client
from tests.integrations.webhooks.test_webhook_delivery import emit
from tests.platform.test_faults import _worker_env

pytestmark = pytest.mark.fault
ROOT = Path(__file__).resolve().parents[3]

# A real worker that dies right after the receiver got the message. Neither it nor the
# restarted worker loads the face models: a delivery never looks at a face
# (tests/support/queue_worker.py).
_DOOMED_WORKER = r"""
import os, time
from pathlib import Path
from likeness.app import create_app
from likeness.platform.worker import run_worker
from tests.support.queue_worker import skip_face_models

skip_face_models()

marker = Path(os.environ["KILL_MARKER"])
app = create_app()
with app.app_context():
    import likeness.integrations.webhook_urls as urls
    original = urls.post
    def post(*args, **kwargs):
        original(*args, **kwargs)
        marker.write_text("posted")
        time.sleep(3600)  # the test SIGKILLs us here
    urls.post = post
    run_worker()
"""


def test_killed_mid_delivery_delivers_later_from_the_outbox(committed_app: Flask):
    app = committed_app
    app.config["WEBHOOK_PRIVATE_HOSTS"] = ("127.0.0.1",)
    receiver = dam_client.Receiver()
    try:
        integration = keys.create_integration("Bank", [f"127.0.0.1:{receiver.port}"],
                                               actor=CLI)
        receiver.secret = webhooks.create_endpoint(integration.id, receiver.url(), [],
                                                   actor=CLI).secret
        event = emit(integration.id)
        env = dict(_worker_env(app), WEBHOOK_PRIVATE_HOSTS="127.0.0.1")
        marker = Path(app.config["INSTANCE_PATH"]) / "killed-mid-delivery"
        worker = subprocess.Popen([sys.executable, "-c", _DOOMED_WORKER], cwd=ROOT,
                                  env=dict(env, KILL_MARKER=str(marker)),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(1200):  # bounded: at most a minute
                if marker.exists() or worker.poll() is not None:
                    break
                time.sleep(0.05)
            assert marker.exists(), "the worker never delivered"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        db.session.rollback()
        assert db.session.scalars(select(WebhookAttempt)).all() == []  # never recorded
        subprocess.run([sys.executable, "-m", "tests.support.queue_worker", "--burst"],
                       cwd=ROOT, env=dict(env, FLASK_APP="wsgi:app"), check=True, timeout=300,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        db.session.rollback()
        (found,) = db.session.scalars(select(WebhookDelivery)).all()
        assert (found.status, found.attempts) == ("delivered", 1)
        assert receiver.requests == 2  # the first POST, and the one after the restart
        assert [m["webhook_id"] for m in receiver.processed] == [f"msg_{event.id}"]
    finally:
        receiver.stop()
