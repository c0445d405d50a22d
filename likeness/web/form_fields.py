"""WTForms fields shared by the portal and the admin."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from likeness.platform.text import has_control_characters


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice) instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OneLine:
    """A validator: one line of plain text (no line breaks or control characters)."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and has_control_characters(str(field.data)):
            raise ValidationError(str(_l("Use one line of plain text, without line breaks.")))
