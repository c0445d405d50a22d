"""The purposes of the processing, each with its Art. 6 basis and, where it touches
special categories, its Art. 9 ground: one source for the register of processing
(Art. 30(1)(b)) and the privacy notice (Art. 13(1)(c)).

`for_installation` returns plain keys (JSON, as the facts are stored in a DPIA
version); `LABELS` turns them into text when a page or PDF is rendered, in its language.
"""

from __future__ import annotations

from typing import Any

from likeness.translation import lazy_gettext as _l

PURPOSES = {
    "image_bank": _l("Keeping photos of people in the image bank, for the organisation's "
                     "own documentation and archive"),
    "publication": _l("Using photos in the organisation's communication, per channel "
                      "(internal, website, social media, print, third parties)"),
    "consent_records": _l("Recording, respecting and renewing consent (quitclaims), and "
                          "keeping it as evidence"),
    "requests": _l("Handling requests of the people concerned (access, erasure, objection, "
                   "restriction, rectification, portability, withdrawal of consent)"),
    "face_suggestions": _l("Face recognition: suggesting who is in a photo, for staff to "
                           "confirm"),
    "request_scans": _l("Face recognition in a request: finding every photo of the person "
                        "who asks, by comparing the faces in the photos in scope with theirs"),
    "disclosures": _l("Keeping the disclosure register, to inform recipients of a "
                      "correction, erasure or restriction (Art. 19 GDPR)"),
    "security": _l("Security and accountability: the audit log, backups and the breach log"),
}

BASES = {
    "consent": _l("Consent (Art. 6(1)(a) GDPR)"),
    "legal_obligation": _l("Legal obligation (Art. 6(1)(c) GDPR)"),
    "public_task": _l("Public task (Art. 6(1)(e) GDPR)"),
    "legitimate_interest": _l("Legitimate interest (Art. 6(1)(f) GDPR): keeping a record "
                              "of the organisation's own events and people"),
    "recorded": _l("The legal basis recorded with the face template policy"),
}

GROUNDS = {
    "explicit_consent": _l("Explicit consent, given separately (Art. 9(2)(a) GDPR)"),
    "health": _l("Photos taken in care settings can reveal health: explicit consent in the "
                 "quitclaim (Art. 9(2)(a) GDPR)"),
    "request_scan": _l("The person who asks: explicit consent for their reference selfie "
                       "(Art. 9(2)(a) GDPR). Other people in the photos (bystanders): their "
                       "faces are compared in memory only, only within the request's scope, "
                       "never stored and never identified, to meet the duty to find every "
                       "photo of the person who asks (Art. 9(2)(g) GDPR with Art. 12(2) and "
                       "15 GDPR)"),
    "recorded": _l("The ground recorded with the face template policy"),
}

LABELS: dict[str, dict[str, Any]] = {"purpose": PURPOSES, "basis": BASES, "ground": GROUNDS}


def for_installation(policy: str, controller_type: str) -> list[dict[str, str | None]]:
    """The purposes this installation serves, as keys: `key`, `basis`, `ground`."""
    own_basis = "public_task" if controller_type == "public" else "legitimate_interest"
    rows: list[dict[str, str | None]] = [
        {"key": "image_bank", "basis": own_basis, "ground": "health"},
        {"key": "publication", "basis": "consent", "ground": "health"},
        {"key": "consent_records", "basis": "legal_obligation", "ground": None},
        {"key": "requests", "basis": "legal_obligation", "ground": None},
    ]
    if policy == "consented-only":
        rows.append({"key": "face_suggestions", "basis": "consent",
                     "ground": "explicit_consent"})
    elif policy == "all":
        rows.append({"key": "face_suggestions", "basis": "recorded", "ground": "recorded"})
    if policy != "off":
        rows.append({"key": "request_scans", "basis": "legal_obligation",
                     "ground": "request_scan"})
    rows += [
        {"key": "disclosures", "basis": "legal_obligation", "ground": None},
        {"key": "security", "basis": "legal_obligation", "ground": None},
    ]
    return rows
