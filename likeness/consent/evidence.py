"""Reading the evidence of consent: the signed-quitclaim PDF (every download audited)."""

from __future__ import annotations

from likeness.consent import records
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


@use_case
def signed_pdf(quitclaim_id: int, *, actor: Actor) -> str | None:
    """The signed PDF's storage key (the download is audited), or None while it is made."""
    quitclaim = records.get(quitclaim_id)
    if not quitclaim.pdf_path:
        return None
    audit.record("quitclaim.pdf_downloaded", actor=actor, subject=f"quitclaim:{quitclaim.id}")
    return quitclaim.pdf_path
