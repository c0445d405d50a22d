"""What every area's staff forms share: the action form behind state-changing buttons,
and the channel choices."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from likeness.web.labels import CHANNEL_LABELS

CHANNEL_CHOICES = [SelectChoice(value, label) for value, label in CHANNEL_LABELS.items()]


class StaffActionForm(FlaskForm):
    """An empty form: only the CSRF token, for buttons that change state."""
