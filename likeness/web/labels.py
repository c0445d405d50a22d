"""Display names for domain values, translated."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from likeness.models import Channel

CHANNEL_LABELS = {
    Channel.INTERNAL.value: _l("Internal use"),
    Channel.WEBSITE.value: _l("Website"),
    Channel.SOCIAL_MEDIA.value: _l("Social media"),
    Channel.PRINT.value: _l("Print"),
    Channel.THIRD_PARTIES.value: _l("Third parties"),
}


def register(app: Flask) -> None:
    app.jinja_env.globals["channel_labels"] = CHANNEL_LABELS
