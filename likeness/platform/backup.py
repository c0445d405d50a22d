"""Backups of the database and the files, and restoring them.

`flask backup` writes one archive, sealed (encrypted and authenticated with
BACKUP_KEY, see `backup_crypto`; mode 0600) and its sha256 recorded in the audit
chain. Inside the seal, a tar.gz:
`manifest.json` (format, schema revision, row counts), every table as JSON lines
under `database/`, and the stored objects that hold data under `files/` (from the
local folder or the object store, whichever `STORAGE` names). The
database is read in one transaction, before the files, so every file a row names
is in the archive (files are written before the rows that name them commit).

`flask restore` loads an archive in one transaction: it refuses an archive that is not
sealed, does not verify (checked in full before anything is extracted), or whose hash
the audit chain does not hold, and one of another schema revision. It runs the
`@before_restore` hooks (which save what the live data knows), replaces every row and
the data folders, drops the rendition cache, records an audited re-anchor of the
audit chain (the chain legitimately moved back), and then runs the `@after_restore`
hooks the areas register, before anything serves again. Hooks re-apply what happened
after the backup and must never be undone by it (withdrawn consent; erasures).
What they need lives outside the restored data.

Not in a backup, on purpose: keys (face templates, audit MAC, PDF signing, the dev
secret, the backup key), the audit chain head, the shared ledger hooks replay, the
rendition cache, the embedded Redis and development mail.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, delete, select, text

from likeness.extensions import db
from likeness.models import AuditEvent, Base, utcnow
from likeness.platform import audit, backup_crypto, backup_rows
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.storage import Storage, check_key, instance_dir, storage
from likeness.platform.uow import after_commit, on_rollback, use_case

log = logging.getLogger(__name__)

FORMAT = "likeness-backup/1"
# Key prefixes of stored objects that hold data (`incoming`: messages staff registered).
DATA_FOLDERS = ("assets", "pdf", "selfies", "exports", "incoming")
# Made again from the data when needed (XMP sidecars: at the next export or consent change).
CACHE_FOLDERS = ("renditions", "sidecars")
RESTORING_MARKER = "restore-in-progress"

RestoreHook = Callable[[], dict[str, int] | None]
_HOOKS: dict[str, RestoreHook] = {}
_BEFORE: dict[str, Callable[[], None]] = {}


class BackupError(RuntimeError):
    """The archive cannot be restored here (another schema, damaged, not ours)."""


def after_restore(name: str) -> Callable[[RestoreHook], RestoreHook]:
    """Register a hook that runs inside the restore's transaction, after the data is
    back and before the app serves again; it returns counts for the audit event."""

    def register(hook: RestoreHook) -> RestoreHook:
        _HOOKS[name] = hook
        return hook

    return register


def before_restore(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a hook that runs once the archive is checked, before any row or file is
    replaced (to save what the live data knows and the archive does not). It refuses
    the restore by raising BackupError."""

    def register(hook: Callable[[], None]) -> Callable[[], None]:
        _BEFORE[name] = hook
        return hook

    return register


def registered_hooks() -> list[str]:
    return list(_HOOKS)


# --- backup -----------------------------------------------------------------------


def create(destination: Path) -> dict[str, Any]:
    """Write the archive to `destination`; returns its manifest."""
    counts: dict[str, int] = {}
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".partial")
    tmp.touch(mode=0o600)
    tmp.chmod(0o600)
    with tmp.open("wb") as raw:
        sealer = backup_crypto.SealingWriter(raw)
        manifest = _write_archive(sealer, counts)
        sealer.close()
    tmp.replace(destination)
    manifest["sha256"] = backup_crypto.file_sha256(destination)
    _record_backup(manifest)
    return manifest


@use_case
def _record_backup(manifest: dict[str, Any]) -> None:
    """The archive's hash goes into the audit chain: a restore checks it there."""
    audit.record("backup.created", actor=SYSTEM, details={
        "sha256": manifest["sha256"], "created_at": manifest["created_at"],
        "rows": sum(manifest["rows"].values())})


def _write_archive(sealer: backup_crypto.SealingWriter, counts: dict[str, int]
                   ) -> dict[str, Any]:
    with tarfile.open(fileobj=sealer, mode="w|gz") as archive:  # type: ignore[call-overload]
        _begin_snapshot()
        for table in Base.metadata.sorted_tables:
            lines = [json.dumps(backup_rows.encode_row(row._mapping), separators=(",", ":"))
                     for row in db.session.execute(table.select().order_by(
                         *table.primary_key.columns))]
            counts[table.name] = len(lines)
            _add_bytes(archive, f"database/{table.name}.jsonl",
                       ("\n".join(lines) + "\n" if lines else "").encode())
        manifest: dict[str, Any] = {"format": FORMAT, "created_at": utcnow().isoformat(),
                    "revision": schema_revision(), "rows": counts,
                    "folders": list(DATA_FOLDERS)}
        db.session.commit()  # end the read snapshot (nothing was written); files follow
        store = storage()
        vanished = 0
        for folder in DATA_FOLDERS:
            for key in sorted(store.keys(f"{folder}/")):
                try:
                    data = store.read(key)
                except FileNotFoundError:
                    # Deleted since it was listed (an erasure, an expired export): it is
                    # no longer in the library, so it is not in the backup either.
                    vanished += 1
                    continue
                _add_bytes(archive, f"files/{key}", data)
        manifest["files_vanished"] = vanished
        _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
    return manifest


def _begin_snapshot() -> None:
    """One consistent view of every table: PostgreSQL's REPEATABLE READ (SQLite's read
    transaction is a snapshot already)."""
    db.session.commit()
    bind = db.session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def schema_revision() -> str | None:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- restore ----------------------------------------------------------------------


@use_case
def restore(source: Path, *, actor: Actor, expected_sha256: str | None = None
            ) -> dict[str, Any]:
    """Replace the data with the archive's, re-anchor the audit chain, run the hooks.

    Only a sealed archive that verifies under BACKUP_KEY is opened, and only one whose
    hash the audit chain recorded when it was made (or, restoring into another
    database, the hash the operator names: `expected_sha256`)."""
    if is_restoring():
        raise BackupError(
            "An earlier restore did not finish (the process stopped while the files were "
            "being swapped). Run `flask recover-restore` first: it puts the library's files "
            "back as they were, or finishes the cleanup if that restore had committed.")
    staging = Path(tempfile.mkdtemp(prefix="restore-", dir=instance_dir()))
    on_rollback(lambda: shutil.rmtree(staging, ignore_errors=True))
    try:
        sha256 = backup_crypto.checked_hash(source, expected_sha256)
    except backup_crypto.SealError as exc:
        raise BackupError(str(exc)) from exc
    manifest = _unpack(source, staging)
    manifest["sha256"] = sha256
    if manifest.get("revision") != schema_revision():
        raise BackupError(
            f"The backup is of schema revision {manifest.get('revision')}, the database is "
            f"at {schema_revision()}: restore into a database migrated to that revision "
            "(flask db upgrade/downgrade), then upgrade."
        )
    for before in _BEFORE.values():
        before()
    known_archives = backup_crypto.recorded_backups()
    restore_id = uuid.uuid4().hex
    _load_rows(staging / "content" / "database")
    _swap_objects(staging / "content" / "files", restore_id)
    audit.reanchor("restore of a backup", actor=actor)
    # The restored chain is older than the backups made since: they stay restorable.
    restored_archives = {d.get("sha256") for d in backup_crypto.recorded_backups()}
    for details in known_archives:
        if details.get("sha256") not in restored_archives:
            audit.record("backup.created", actor=SYSTEM, details={**details, "carried": True})
    audit.record("backup.restored", actor=actor, details={
        "backup_created_at": manifest.get("created_at"), "rows": sum(manifest["rows"].values()),
        "restore": restore_id, "sha256": sha256})
    results: dict[str, Any] = {}
    for name, hook in _HOOKS.items():
        results[name] = hook() or {}
        audit.record("backup.restore_hook", actor=actor, details={"hook": name,
                                                                   **results[name]})
    after_commit(lambda: shutil.rmtree(staging, ignore_errors=True))
    return {"manifest": manifest, "hooks": results}


def is_restoring() -> bool:
    return (instance_dir() / RESTORING_MARKER).exists()


def _unpack(source: Path, staging: Path) -> dict[str, Any]:
    plain = staging / "archive.tar.gz"
    try:
        backup_crypto.unseal(source, plain)  # every chunk verified before tar sees one
    except backup_crypto.SealError as exc:
        raise BackupError(str(exc)) from exc
    try:
        with tarfile.open(plain, "r:gz") as archive:
            archive.extractall(staging / "content", filter="data")  # no abs paths, ../, links
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{source} is not a readable backup archive") from exc
    finally:
        plain.unlink(missing_ok=True)
    try:
        manifest = json.loads((staging / "content" / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} has no manifest: not a Likeness backup") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a {FORMAT} archive")
    return dict(manifest)


def _load_rows(folder: Path) -> None:
    tables = Base.metadata.sorted_tables
    for table in reversed(tables):
        db.session.execute(delete(table))
    for table in tables:
        path = folder / f"{table.name}.jsonl"
        rows = [backup_rows.decode_row(json.loads(line)) for line in backup_rows.lines(path)]
        for start in range(0, len(rows), 500):
            db.session.execute(table.insert(), rows[start:start + 500])
        _reset_sequence(table)
    db.session.flush()
    db.session.expire_all()


def _reset_sequence(table: Table) -> None:
    """PostgreSQL: the next id follows the restored rows (SQLite does this itself)."""
    if db.session.get_bind().dialect.name != "postgresql" or "id" not in table.c:
        return
    db.session.execute(text(
        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
        f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
        f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"))


def _swap_objects(files: Path, restore_id: str) -> None:
    """Put the archive's objects in place; the old ones come back if the restore fails.

    The old objects are moved aside under one prefix first (a rename on the local
    folder, copy-and-delete on object storage) and deleted after the commit. The marker
    names that prefix until then: if the process dies half-way, nothing runs the undo,
    and `recover_interrupted` uses the marker to finish the job."""
    store = storage()
    aside = _aside_prefix(restore_id)
    (instance_dir() / RESTORING_MARKER).write_text(json.dumps(
        {"restore": restore_id, "started_at": utcnow().isoformat()}))
    moved: list[str] = []
    written: list[str] = []

    def put_back() -> None:
        failed = _put_back(store, aside, written, moved)
        if failed:  # the marker stays: `flask recover-restore` finishes this
            log.error("restore undo: %d objects not put back; they are under %s",
                      failed, aside)

    on_rollback(put_back)  # before the first move: a failure half-way is undone too
    for folder in (*DATA_FOLDERS, *CACHE_FOLDERS):
        for key in list(store.keys(f"{folder}/")):
            store.move(key, aside + key)
            moved.append(key)
    for path in sorted(files.rglob("*")) if files.is_dir() else []:
        key = path.relative_to(files).as_posix()
        if path.is_file() and key.split("/", 1)[0] in DATA_FOLDERS:
            store.write(check_key(key), path.read_bytes())
            written.append(key)
    after_commit(lambda: _finish(store, aside))


def _aside_prefix(restore_id: str) -> str:
    return f"pre-restore-{restore_id}/"


def _put_back(store: Storage, aside: str, written: list[str], moved: list[str]) -> int:
    """Undo a swap: delete what the restore wrote, move the old objects back, and finish
    (only when all of it worked). Tries every object; returns how many failed."""
    failed = 0
    for action, keys in ((store.delete, written),
                         (lambda key: store.move(aside + key, key), moved)):
        for key in keys:
            try:
                action(key)
            except OSError:
                failed += 1
    if not failed:
        _finish(store, aside)
    return failed


def _finish(store: Storage, aside: str) -> None:
    """The swap is over (committed or undone): drop what was set aside, and the marker."""
    store.delete_prefix(aside)
    (instance_dir() / RESTORING_MARKER).unlink(missing_ok=True)


def recover_interrupted() -> str:
    """After a restore whose process died: undo it (its transaction never committed, so
    the old rows are in place: the old files go back beside them) or, if it had
    committed, remove what it left. Says what it did."""
    marker = instance_dir() / RESTORING_MARKER
    if not marker.exists():
        return "No restore was interrupted: nothing to do."
    try:
        state = json.loads(marker.read_text() or "{}")
    except ValueError:
        state = {}
    restore_id = str(state.get("restore") or "")
    store = storage()
    if not restore_id:  # a marker without a record: no files were moved aside
        marker.unlink()
        return "The interrupted restore had moved no files; its marker was removed."
    aside = _aside_prefix(restore_id)
    if _restore_committed(restore_id):
        _finish(store, aside)
        return "That restore had committed; the files it had set aside were removed."
    old = sorted(key[len(aside):] for key in store.keys(aside))
    kept = set(old)
    # The objects the interrupted restore wrote: the data keys not set aside.
    written = [key for folder in (*DATA_FOLDERS, *CACHE_FOLDERS)
               for key in store.keys(f"{folder}/") if key not in kept]
    failed = _put_back(store, aside, written, old)
    if failed:
        raise BackupError(f"{failed} files could not be put back (they are under {aside} in "
                          "the store); run `flask recover-restore` again when it answers.")
    return f"The interrupted restore was undone: {len(old)} files put back."


def _restore_committed(restore_id: str) -> bool:
    recent = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "backup.restored")
        .order_by(AuditEvent.id.desc()).limit(20))
    return any((event.details or {}).get("restore") == restore_id for event in recent)
