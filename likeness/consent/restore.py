"""After a restore: consent withdrawn after the backup was made stays withdrawn.

The restored database may hold quitclaims as signed that the person withdrew later;
the withdrawal log (outside the restored data) says which. Each is withdrawn again,
with all its effects (templates, share links, notices), before the app serves.
"""

from __future__ import annotations

from likeness.consent import withdrawal, withdrawal_log
from likeness.extensions import db
from likeness.models import Quitclaim, QuitclaimStatus
from likeness.platform import audit, shared_ledger
from likeness.platform.actor import SYSTEM
from likeness.platform.backup import BackupError, after_restore, before_restore


@before_restore("withdrawals")
def save_withdrawals() -> None:
    """Withdrawals only a local file of an older version knows reach the shared
    ledger; a ledger that cannot be read refuses the restore."""
    try:
        shared_ledger.flush_pending()
        withdrawal_log.save_legacy_entries()
        list(withdrawal_log.entries())
    except shared_ledger.LedgerUnreadable as exc:
        raise BackupError(str(exc)) from exc


@after_restore("withdrawals")
def reapply_withdrawals() -> dict[str, int]:
    reapplied = 0
    try:
        logged = list(withdrawal_log.entries())
    except shared_ledger.LedgerUnreadable as exc:
        raise BackupError(str(exc)) from exc
    with withdrawal_log.replaying():
        for entry in logged:
            quitclaim = db.session.get(Quitclaim, entry.quitclaim_id)
            if quitclaim is None or not withdrawal_log.matches(entry, quitclaim):
                continue  # signed after the backup: not in the restored data at all
            if not _still_active(quitclaim, entry):
                continue
            withdrawal.withdraw(quitclaim.id, actor=SYSTEM, channel=entry.channel,
                                biometric_only=entry.biometric_only)
            audit.record("quitclaim.withdrawal_reapplied", actor=SYSTEM,
                         subject=f"quitclaim:{quitclaim.id}",
                         details={"withdrawn_at": entry.withdrawn_at,
                                  "channel": entry.channel,
                                  "biometric_only": entry.biometric_only})
            reapplied += 1
    return {"withdrawals_reapplied": reapplied}


def _still_active(quitclaim: Quitclaim, entry: withdrawal_log.Entry) -> bool:
    if quitclaim.status != QuitclaimStatus.SIGNED:
        return False
    if entry.biometric_only:
        return quitclaim.biometric_consent and quitclaim.biometric_withdrawn_at is None
    if entry.channel is not None:
        return any(c.channel == entry.channel and c.withdrawn_at is None
                   for c in quitclaim.channels)
    return True
