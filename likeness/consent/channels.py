"""The publication channels in words: one list for the signing page, staff pages and the
answers to requests (which name the channels an objection stopped)."""

from __future__ import annotations

from typing import Any

from likeness.models.quitclaim import Channel
from likeness.translation import lazy_gettext as _l

CHANNEL_LABELS: dict[str, Any] = {
    Channel.INTERNAL: _l("Internal use"),
    Channel.WEBSITE: _l("Website"),
    Channel.SOCIAL_MEDIA: _l("Social media"),
    Channel.PRINT: _l("Print"),
    Channel.THIRD_PARTIES: _l("Third parties"),
}


def channel_words(codes: str) -> str:
    """`website,print` -> "Website, Print" in the current locale; an unknown code stays."""
    return ", ".join(str(CHANNEL_LABELS.get(code.strip(), code.strip()))
                     for code in codes.split(",") if code.strip())
