"""Redis is a trust boundary: whoever can write to it must not run code in a worker."""

from __future__ import annotations

import http.server
import logging
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq import Callback, Queue
from rq.job import JobStatus
from rq.serializers import JSONSerializer
from rq.webhook import Webhook
from sqlalchemy import select

from likeness.models import OutboxJob, OutboxStatus, OutgoingEmail
from likeness.platform import mail
from likeness.platform.queue import fetch_job, get_redis
from likeness.platform.worker import make_worker
from likeness.staff import accounts


def _attackers_queue(app: Flask, **options: Any) -> Queue:
    """The app's queue, as a process that reached Redis (and nothing else) sees it."""
    return Queue(app.config["RQ_QUEUE"], connection=get_redis(), **options)


@pytest.mark.parametrize("serializer", [JSONSerializer, None], ids=["json", "pickle"])
def test_a_job_naming_another_function_is_refused_and_nothing_runs(
    app: Flask, tmp_path: Path, serializer: Any, caplog: pytest.LogCaptureFixture
):
    marker = tmp_path / "owned"
    options = {"serializer": serializer} if serializer else {}
    job = _attackers_queue(app, **options).enqueue("os.system", f"touch {marker}")

    with caplog.at_level(logging.ERROR):
        make_worker().work(burst=True)

    assert not marker.exists()
    stored = fetch_job(job.id)
    assert stored is None or stored.get_status() == JobStatus.FAILED
    assert get_redis().llen(f"rq:queue:{app.config['RQ_QUEUE']}") == 0


class _Listener(http.server.BaseHTTPRequestHandler):
    calls: list[str] = []  # noqa: RUF012 - one listener per test

    def do_GET(self) -> None:  # noqa: N802
        self.calls.append(self.path)
        self.send_response(204)
        self.end_headers()

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


def test_the_dispatcher_with_anything_but_one_outbox_id_is_refused(
    app: Flask, tmp_path: Path
):
    marker = tmp_path / "owned"
    listener = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{listener.server_port}/hook"
    queue = _attackers_queue(app, serializer=JSONSerializer)
    dispatcher = "likeness.platform.jobs.run_outbox_job"
    jobs = [
        queue.enqueue(dispatcher, f"touch {marker}"),
        queue.enqueue(dispatcher, 1, 2),
        queue.enqueue(dispatcher, outbox_id=1),
        # A callback is a function name in Redis too.
        queue.enqueue(dispatcher, 10**9, on_failure=Callback("os.system"),
                      on_success=Callback("os.system")),
        # ... and a webhook is a URL the worker would call from inside the network.
        queue.enqueue(dispatcher, 10**9 + 1, webhooks=[Webhook(url, "finished", method="POST"),
                                                       Webhook(url, "failed")]),
    ]

    try:
        make_worker().work(burst=True)
    finally:
        listener.shutdown()
        listener.server_close()

    assert not marker.exists()
    statuses = [fetch_job(job.id).get_status() for job in jobs]  # type: ignore[union-attr]
    assert statuses[:3] == [JobStatus.FAILED] * 3
    assert statuses[3:] == [JobStatus.FINISHED] * 2  # unknown outbox ids: "missing"
    assert _Listener.calls == []


def test_outbox_jobs_still_run_as_json(app: Flask, db: Any, make_staff: Any, mailbox: Any):
    user = make_staff()
    accounts.change_password(user.id, "correct horse 42", "new password 123")
    row = db.session.scalars(select(OutboxJob).where(OutboxJob.job_name == mail.deliver.name)
                             .order_by(OutboxJob.id.desc())).first()
    raw = get_redis().hget(f"rq:job:{row.rq_job_id}", "data")
    assert raw is not None and not raw.startswith(b"\x80")  # not a pickle
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(raw)  # noqa: S301 - shows the job is not pickled

    make_worker().work(burst=True)

    db.session.expire_all()
    assert db.session.get(OutboxJob, row.id).status == OutboxStatus.DONE
    assert db.session.scalars(select(OutgoingEmail)).first() is not None
    assert mailbox.to(user.email)


def test_an_outbox_job_queued_as_pickle_before_the_upgrade_runs_once_as_json(
    app: Flask, db: Any, make_staff: Any, mailbox: Any
):
    from likeness.platform import outbox
    from likeness.platform.queue import DISPATCHER, get_queue

    user = make_staff()
    accounts.change_password(user.id, "correct horse 42", "new password 123")
    row = db.session.scalars(select(OutboxJob).where(OutboxJob.job_name == mail.deliver.name)
                             .order_by(OutboxJob.id.desc())).first()
    # The same job as an older version queued it: pickled.
    get_queue().empty()
    get_redis().delete(f"rq:job:{row.rq_job_id}")
    _attackers_queue(app).enqueue(DISPATCHER, row.id, job_id=row.rq_job_id)

    make_worker().work(burst=True)  # refused: not JSON
    assert not mailbox.to(user.email)
    outbox.sweep()  # the failed job goes out again, as JSON
    make_worker().work(burst=True)

    db.session.expire_all()
    assert db.session.get(OutboxJob, row.id).status == OutboxStatus.DONE
    assert len(mailbox.to(user.email)) == 1


# --- production settings: Redis asks for a password, and takes TLS across the network ---

GOOD_SECRET = "f3b1c9e07a5d4b2c8e6f0a1d3c5b7e9f2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e0b"


def _production(tmp_path: Path, **settings: str) -> Flask:
    from likeness.app import create_app

    # What else production requires is said explicitly (each has its own tests).
    return create_app({"ENV_NAME": "production", "SECRET_KEY": GOOD_SECRET,
                       "TRUSTED_PROXY_HOPS": 0, "DPO_CONTACT": "fg@example.org",
                       "INSTANCE_PATH": str(tmp_path / "prod"),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
                       **settings})


@pytest.mark.parametrize("name", ["REDIS_URL", "AUDIT_HEAD_REDIS_URL"])
@pytest.mark.parametrize(("url", "problem"), [
    ("redis://127.0.0.1:6379/0", "has no password"),
    ("redis://redis.internal:6379/0", "has no password"),
    ("redis://:s3cret-pass@redis.internal:6379/0", "without TLS"),
    ("redis://likeness:s3cret-pass@10.0.0.7:6379/0", "without TLS"),
    ("http://:s3cret-pass@127.0.0.1:6379/0", "redis://, rediss:// or unix://"),
])
def test_production_refuses_redis_without_a_password_or_tls(
    tmp_path: Path, name: str, url: str, problem: str
):
    from likeness.config import ConfigError

    settings = {"REDIS_URL": "rediss://:s3cret-pass@redis.internal:6379/0", name: url}
    with pytest.raises(ConfigError, match=problem) as refused:
        _production(tmp_path, **settings)
    assert name in str(refused.value)
    assert "s3cret-pass" not in str(refused.value)


@pytest.mark.parametrize("url", ["redis://:s3cret-pass@127.0.0.1:6379/0",
                                 "redis://likeness:s3cret-pass@localhost:6379/0",
                                 "rediss://likeness:s3cret-pass@redis.internal:6380/0",
                                 "unix:///run/redis/redis.sock"])
def test_production_accepts_redis_with_a_password_and_tls_off_the_machine(
    tmp_path: Path, url: str
):
    app = _production(tmp_path, REDIS_URL=url, AUDIT_HEAD_REDIS_URL=url)
    assert app.config["REDIS_URL"] == url


def test_the_audit_head_can_live_on_a_redis_of_its_own(app: Flask, tmp_path: Path):
    from likeness.platform import audit, audit_head, embedded_redis
    from likeness.platform.actor import NamedActor
    from likeness.platform.uow import use_case

    own = tmp_path / "head-redis"
    url = embedded_redis.ensure_running(own)
    app.config.update(AUDIT_HEAD="redis", AUDIT_HEAD_REDIS_URL=url)
    app.extensions.pop("likeness.audit_head_redis", None)

    @use_case
    def write() -> Any:
        return audit.record("test.event", actor=NamedActor("staff:1"))

    try:
        event = write()
        import redis as redis_client

        stored = redis_client.Redis.from_url(url).get(audit_head.REDIS_KEY)
        assert stored is not None and str(event.id) in stored.decode()
        assert get_redis().get(audit_head.REDIS_KEY) is None  # not on the queue's Redis
        assert audit.verify().ok
    finally:
        embedded_redis.stop(own)
