"""The register of processing activities (GDPR Art. 30), generated from the live
configuration and figures, as a page and a PDF in Dutch or English."""

from __future__ import annotations

from typing import Any

from likeness.cockpit import facts, processors, purposes
from likeness.extensions import db
from likeness.library import collection_settings
from likeness.models import DpiaVersion
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.pdf import render_pdf
from likeness.platform.uow import use_case


def build() -> dict[str, Any]:
    """The register's content: the facts, and the DPIA version the policy relies on."""
    content = facts.collect()
    version_id = content["policy"]["dpia_version_id"]
    content["dpia_version"] = db.session.get(DpiaVersion, version_id) if version_id else None
    # Text for the keys, rendered in the page's or PDF's language.
    content["labels"] = {**purposes.LABELS, "service": processors.SERVICE_LABELS}
    content["collections"] = collection_settings.register_facts()  # Art. 9 and 14(5)(b)
    return content


@use_case
def pdf(language: str, *, actor: Actor) -> bytes:
    """The register as a PDF in `language` ("nl" or "en"). Audited."""
    content = build()
    document = render_pdf("register.html", language=language, register=content)
    audit.record("register.exported", actor=actor, details={"language": language})
    return document
