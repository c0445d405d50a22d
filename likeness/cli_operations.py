"""`flask` commands for operators: backups and restores, two-factor resets, health and
single sign-on checks, and exports for the image bank."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from likeness.platform.actor import CLI


def register(app: Flask) -> None:
    for command in (backup_command, restore_command, recover_restore_command,
                    reset_two_factor_command, ops_check_command, sso_check_command,
                    export_xmp_command):
        app.cli.add_command(command)


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write (default: BACKUP_DIR/likeness-<time>.sealed).")
def backup_command(output: Path | None) -> None:
    """Back up the database and the data files into one archive (mode 0600)."""
    from likeness.models import utcnow
    from likeness.platform import backup
    from likeness.platform.backup_rotation import backup_dir

    if output is None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        output = backup_dir() / f"likeness-{stamp}.sealed"
    from likeness.platform.backup_crypto import SealError

    try:
        manifest = backup.create(output)
    except SealError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {output}: {sum(manifest['rows'].values())} rows, "
               f"folders {', '.join(manifest['folders']) or 'none'}; sealed with BACKUP_KEY.")
    click.echo(f"sha256 {manifest['sha256']} (recorded in the audit chain; keep it with "
               "the archive).")
    if manifest["files_vanished"]:
        click.echo(f"{manifest['files_vanished']} files deleted while the backup ran "
                   "(erasures, expired exports) are not in it.")


@click.command("recover-restore")
def recover_restore_command() -> None:
    """After a restore whose process was stopped half-way: put the library's files back
    as they were (or, if that restore had committed, remove what it left)."""
    from likeness.platform import backup

    try:
        click.echo(backup.recover_interrupted())
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--sha256", "expected", default=None,
              help="The archive's hash as `flask backup` printed it: needed only when "
                   "this database's audit chain did not record the backup.")
def restore_command(archive: Path, yes: bool, expected: str | None) -> None:
    """Replace the database and data files with ARCHIVE (stop the web app and workers
    first); withdrawals and erasures made since are re-applied before anything serves."""
    from likeness.platform import backup

    if not yes:
        click.confirm("This replaces every row and data file. Continue?", abort=True)
    try:
        result = backup.restore(archive, actor=CLI, expected_sha256=expected)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the backup of {result['manifest']['created_at']} "
               f"(sha256 {result['manifest']['sha256']}, sealed and verified).")
    for hook, counts in result["hooks"].items():
        summary = ", ".join(f"{k}: {v}" for k, v in counts.items()) or "done"
        click.echo(f"  after restore, {hook}: {summary}")
    click.echo("The audit chain was re-anchored (an audited event). Start the app again.")


@click.command("reset-2fa")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Switch two-factor off for EMAIL (lost phone and codes); they enrol again at login."""
    from likeness.staff import accounts, two_factor

    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No staff account {email}.")
    two_factor.reset(user.id, actor=CLI)
    click.echo(f"Two-factor authentication reset for {user.email}; every session ended.")


@click.command("ops-check")
def ops_check_command() -> None:
    """Check health and alert staff if no worker runs or the daily run was missed
    (for cron, next to the load balancer's /healthz)."""
    from likeness.staff import operations

    state = operations.check_and_alert()
    for name, ok in state.checks.items():
        click.echo(f"{name}: {'ok' if ok else 'NOT OK'}")
    if not state.ok:
        raise SystemExit(1)


@click.command("sso-check")
def sso_check_command() -> None:
    """Check single sign-on against the identity provider (discovery document, issuer,
    signing keys); exit 1 when it would not work."""
    import requests
    from flask import current_app

    from likeness.staff import sso

    config = current_app.config
    if not sso.enabled():
        click.echo("Single sign-on is off (OIDC_ISSUER is empty).")
        return
    try:
        sso.check_metadata()
        keys = sso.client().fetch_jwk_set(force=True).get("keys", [])
    except sso.SsoRefused as exc:
        click.echo(f"FAILED: {exc.message}", err=True)
        sys.exit(1)
    except (requests.RequestException, ValueError) as exc:
        click.echo(f"FAILED: {config['OIDC_ISSUER']}/.well-known/openid-configuration or its "
                   f"keys cannot be read ({type(exc).__name__}).", err=True)
        sys.exit(1)
    if not keys:
        click.echo("FAILED: the provider publishes no signing keys.", err=True)
        sys.exit(1)
    click.echo(f"OK: {config['OIDC_ISSUER']} answers as that issuer with {len(keys)} signing "
               f"key(s). Roles from the '{config['OIDC_ROLES_CLAIM']}' claim: "
               f"{config['OIDC_ROLE_MAP']}. Password login: {config['LOCAL_LOGIN']}.")
    click.echo("Register https://<the address staff use>/admin/login/sso/callback as the "
               "redirect URI at the provider.")


@click.command("export-xmp")
@click.argument("collection")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also copy the sidecars here, named <original file name>.xmp.")
def export_xmp_command(collection: str, target: Path | None) -> None:
    """Write an XMP sidecar (release status, person references, no names) for every
    indexed photo of COLLECTION; from then on they are rewritten when consent ends."""
    from likeness.extensions import db
    from likeness.library import xmp_export
    from likeness.models import Asset

    asset_ids = xmp_export.collection_assets(collection)
    if not asset_ids:
        raise click.ClickException(f"No photos in collection {collection!r}.")
    written = skipped = 0
    used: set[str] = set()
    for asset_id in asset_ids:
        data = xmp_export.export_asset(asset_id, actor=CLI)
        if data is None:
            skipped += 1
            continue
        written += 1
        if target is not None:
            asset = db.session.get(Asset, asset_id)
            name = f"{asset.original_filename if asset else asset_id}.xmp"
            if name.lower() in used:  # two photos of the same name: keep both
                name = f"{asset_id}-{name}"
            used.add(name.lower())
            target.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(data)
    click.echo(f"{written} sidecars written; {skipped} photos skipped (faces not known yet).")
