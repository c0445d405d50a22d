"""`flask` commands for staff, operators and scripts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from likeness.errors import DomainError
from likeness.extensions import db
from likeness.models import Role, StaffUser, TemplatePolicy
from likeness.platform.actor import CLI


def register(app: Flask) -> None:
    from likeness.cockpit.commands import retention_command
    from likeness.integrations.commands import create_integration_command

    for command in (
        retention_command,
        create_integration_command,
        create_staff_command,
        ensure_admin_command,
        worker_command,
        verify_audit_command,
        reanchor_audit_command,
        outbox_sweep_command,
        serve_all_command,
        import_photos_command,
        find_face_command,
        rotate_face_key_command,
        retire_face_key_command,
        template_policy_command,
        deadline_command,
        seed_demo_command,
        config_doc_command,
    ):
        app.cli.add_command(command)
    from likeness import cli_operations

    cli_operations.register(app)


@click.command("create-staff")
@click.argument("email")
# click compares plain strings, not enum members.
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.VIEWER.value)
@click.option("--name", default="")
def create_staff_command(email: str, role: str, name: str) -> None:
    """Create a staff account and print its one-time password."""
    from likeness.staff import accounts

    try:
        user, password = accounts.create_staff(email, role, name=name, actor=CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.email} ({user.role}).")
    click.echo(f"One-time password (change it at first login): {password}")


@click.command("ensure-admin")
def ensure_admin_command() -> None:
    """On first run, create the admin account `admin@localhost` and print its password."""
    from likeness.staff import accounts

    if db.session.scalar(select(func.count()).select_from(StaffUser)):
        click.echo("Staff accounts exist; no admin created.")
        return
    email = current_app.config["ADMIN_EMAIL"]
    user, password = accounts.create_staff(email, Role.ADMIN, name="Administrator", actor=CLI)
    click.echo("=" * 64)
    click.echo(f"First run: created admin {user.email}")
    click.echo(f"One-time password: {password}")
    click.echo("Log in at http://127.0.0.1:5000/admin/login and change it.")
    click.echo("=" * 64)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker in the app context (start several to scale out)."""
    from likeness.platform.worker import run_worker

    try:
        run_worker(burst=burst)
    except KeyboardInterrupt:
        # Ctrl-C while starting (loading models, starting the face workers): stop quietly;
        # the pool was stopped on the way out. Once running, RQ handles Ctrl-C itself.
        click.echo("Worker stopped.", err=True)
        sys.exit(130)


@click.command("verify-audit")
def verify_audit_command() -> None:
    """Check the audit hash chain; exit 1 at the first broken event."""
    from likeness.platform import audit

    result = audit.verify()
    if result.ok:
        reach = (f"; it reaches its head, event {result.head.id}" if result.head else "")
        click.echo(f"OK: {result.checked} audit events, chain intact{reach}.")
        return
    where = (f"at audit event {result.broken_event_id}" if result.broken_event_id
             else "the chain")
    click.echo(
        f"BROKEN {where}: {result.problem} "
        f"({result.checked} events before it are intact).",
        err=True,
    )
    sys.exit(1)


@click.command("reanchor-audit")
@click.option("--reason", required=True, help="Why the chain legitimately moved back.")
@click.confirmation_option(prompt="Accept the audit chain as it is now and record that?")
def reanchor_audit_command(reason: str) -> None:
    """After investigating a refused audit write: make the chain's current end the head,
    recording an `audit.reanchored` event that names the head it replaces."""
    from likeness.platform import audit

    if not reason.strip():
        raise click.ClickException("Give the reason (--reason).")
    event = audit.reanchor(reason.strip(), actor=CLI)
    click.echo(f"Re-anchored: event {event.id} records it; audited writes work again.")


@click.command("outbox-sweep")
def outbox_sweep_command() -> None:
    """Hand every waiting outbox job to Redis now."""
    from likeness.platform import outbox

    click.echo(f"{outbox.sweep()} job(s) handed to the queue.")


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command("serve-all")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve_all_command(host: str, port: int) -> None:
    """Run the web app and one worker together (the `make run` default); Ctrl-C stops both."""
    # Ctrl-C and `kill` both stop everything, even when started from a shell that
    # ignores SIGINT for background jobs (the children would inherit that).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    from likeness.platform.queue import redis_url

    # The children share this process's Redis (the embedded one is started here, once).
    env = dict(os.environ, REDIS_URL=redis_url(), FLASK_APP="wsgi:app")
    flask_bin = [sys.executable, "-m", "flask"]
    children = [
        subprocess.Popen([*flask_bin, "worker"], env=env),  # noqa: S603
        subprocess.Popen(  # noqa: S603
            [*flask_bin, "run", "--host", host, "--port", str(port), "--no-reload"], env=env
        ),
    ]
    click.echo(f"Likeness on http://{host}:{port}/  (admin: /admin/login). Ctrl-C stops.")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)  # RQ: warm shutdown; web: exit
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if current_app.config.get("EMBEDDED_REDIS"):
            from likeness.platform import embedded_redis

            embedded_redis.stop(current_app.instance_path)
        click.echo("Stopped.")


IMPORT_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"}


@click.command("import-photos")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--collection", default=None, help="Put the photos in this collection (event).")
def import_photos_command(directory: Path, collection: str | None) -> None:
    """Import every photo under DIRECTORY (recursively), with its `.xmp` sidecar if there is
    one (photo.jpg.xmp or photo.xmp); indexing runs on the workers."""
    from likeness.library import upload

    files = sorted(p for p in directory.rglob("*") if p.suffix.lower() in IMPORT_SUFFIXES)
    sidecars = {str(p).lower(): p for p in directory.rglob("*") if p.suffix.lower() == ".xmp"}
    added = duplicates = failed = 0
    with click.progressbar(files, label="Importing", show_pos=True) as bar:
        for path in bar:
            sidecar = upload.sidecar_for(str(path), sidecars)
            result = upload.add_photo(path.read_bytes(), path.name, actor=CLI,
                                      collection=collection,
                                      sidecar=_head(sidecar, upload.MAX_SIDECAR_BYTES + 1))
            if result.error:
                failed += 1
                click.echo(f"\n{path}: {result.error}", err=True)
            elif result.duplicate:
                duplicates += 1
            else:
                added += 1
    click.echo(f"{added} added, {duplicates} already in the library, {failed} refused.")
    if failed:
        sys.exit(1)


def _head(path: Path | None, limit: int) -> bytes | None:
    """At most `limit` bytes of the file (more than the limit is refused, not read)."""
    if path is None:
        return None
    with path.open("rb") as handle:
        return handle.read(limit)


@click.command("find-face")
@click.argument("photo", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def find_face_command(photo: Path) -> None:
    """Print the assets whose faces match the face in PHOTO, nearest first (audited)."""
    from likeness.library import search
    from likeness.library.search_service import SearchUnavailable

    try:
        hits = search.find_in_photo(photo.read_bytes(), actor=CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    except SearchUnavailable as exc:
        raise click.ClickException(
            "No search worker answered: start `flask worker` (one per machine keeps the "
            "face index), or run this command with SEARCH_SERVICE=local.") from exc
    if not hits:
        click.echo("No matching faces.")
        return
    click.echo(f"{'asset':>7}  {'distance':>8}  file")
    for hit in hits:
        click.echo(f"{hit.asset_id:>7}  {hit.distance:>8.4f}  {hit.original_filename}")


@click.command("rotate-face-key")
def rotate_face_key_command() -> None:
    """Add a new face template key and re-encrypt every template with it."""
    from likeness.library import face_keys

    version, count = face_keys.rotate(actor=CLI)
    click.echo(f"Re-encrypted {count} template(s) under key version {version}.")


@click.command("retire-face-key")
@click.argument("version", type=int)
def retire_face_key_command(version: int) -> None:
    """Remove old key VERSION once no template uses it (rotate first)."""
    from likeness.library import face_keys

    try:
        face_keys.retire(version, actor=CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Key version {version} retired.")


@click.command("template-policy")
@click.argument("policy", required=False, type=click.Choice([p.value for p in TemplatePolicy]))
@click.option("--basis", default="", help="Legal basis (required for `all`).")
@click.option("--dpia", default="", help="DPIA reference (defaults to the version's label).")
@click.option("--dpia-version", default=0, type=int,
              help="Number of the saved DPIA version `all` relies on (required for `all`): "
                   "complete and concluded positively.")
def template_policy_command(policy: str | None, basis: str, dpia: str,
                            dpia_version: int) -> None:
    """Show or set the face template policy (`off` purges every stored template)."""
    from likeness.library import policy_settings

    if policy is None:
        click.echo(policy_settings.template_policy().value)
        return
    try:
        purged = policy_settings.set_template_policy(policy, actor=CLI, legal_basis=basis,
                                              dpia_reference=dpia,
                                              dpia_version_id=_dpia_version_id(dpia_version))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Template policy is now {policy}; {purged} template(s) purged.")


def _dpia_version_id(number: int) -> int | None:
    """The id of DPIA version `number` (as people name it: "DPIA v3"), or None."""
    from sqlalchemy import select

    from likeness.extensions import db
    from likeness.models import DpiaVersion

    if not number:
        return None
    return db.session.scalar(select(DpiaVersion.id).where(DpiaVersion.number == number))


@click.command("deadline")
@click.argument("timestamp")
def deadline_command(timestamp: str) -> None:
    """Print the receipt day and due date of a request stored at TIMESTAMP (ISO 8601)."""
    from datetime import datetime

    from likeness.dsr.deadlines import due_date, extended_due_date, receipt_day

    try:
        stored = datetime.fromisoformat(timestamp)
    except ValueError as exc:
        raise click.ClickException(f"not an ISO 8601 timestamp: {timestamp!r}") from exc
    if stored.tzinfo is None:
        raise click.ClickException("give a time zone, e.g. 2026-03-27T10:00:00+01:00 or ...Z")
    click.echo(f"received: {receipt_day(stored).isoformat()} (Europe/Amsterdam)")
    click.echo(f"due:      {due_date(stored).isoformat()}")
    click.echo(f"extended: {extended_due_date(stored, 2).isoformat()} (at most, with 2 months)")


@click.command("seed-demo")
@click.option("--photos", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder with the demo's photo files (default: the ones shipped with "
                   "Likeness).")
def seed_demo_command(photos: Path | None) -> None:
    """Fill a fresh instance with sample photos, people, quitclaims and a request."""
    from likeness import demo

    try:
        seeded = demo.seed(photos or demo.DEMO_PHOTOS)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Demo ready: {seeded.photos} photos, people {', '.join(seeded.people)}, "
               f"quitclaims {', '.join(str(q) for q in seeded.quitclaims)} (the second "
               f"expires in {demo.EXPIRES_IN_DAYS} days), an invitation waiting for a "
               f"parent, request {seeded.request_reference} with a reference photo.")
    click.echo("Emails (with the links a person would get) are in instance/outbox/ unless "
               "MAIL_SERVER is set.")


@click.group("config-doc")
def config_doc_command() -> None:
    """The configuration page, docs/configuration.md, written from the settings schema."""


@config_doc_command.command("write")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def write_config_doc(path: Path) -> None:
    """Write the page to PATH (docs/configuration.md)."""
    from likeness import settings_doc

    path.write_text(settings_doc.render())
    click.echo(f"Wrote {path}.")
