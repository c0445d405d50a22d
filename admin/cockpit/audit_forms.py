"""The audit log's filters, picked by name: who from the staff (and the system), the
person from the person picker, the photo from the most recent photos. A pick that names
nothing (a tampered or stale value) is refused at its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from admin.library.lookups import person_choice, person_label
from likeness.errors import NotFound
from likeness.library import catalogue, people
from likeness.staff import accounts
from likeness.translation import lazy_gettext as _l
from likeness.web.actor_names import NAMED
from likeness.web.form_fields import MAX_ID


class AuditFilterForm(FlaskForm):
    """Filters picked by name, never typed as references: the actor from the staff (and
    the system), the person from the person picker, the photo from recent photos."""

    class Meta:
        csrf = False  # a GET form that only reads

    actor = SelectField(_l("Who"), choices=[], validate_choice=False)
    action = StringField(_l("Action (e.g. face.tagged, or retention. for all)"),
                         validators=[Length(max=60)])
    person = StringField(_l("Person"), validators=[Length(max=220)],
                         description=_l("Type a name and pick the person from the list."))
    photo = StringField(_l("Photo"), validators=[Length(max=300)],
                        description=_l("Pick a recent photo from the list by file name or "
                                       "collection, or type its number."))
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])

    person_id: int | None = None
    photo_id: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor.choices = actor_choices()

    def validate_actor(self, field: SelectField) -> None:
        if field.data and field.data not in dict(field.choices):
            raise ValidationError(str(_l("Choose someone from the list.")))

    def validate_person(self, field: StringField) -> None:
        self.person_id = _picked(field.data, people.get,
                                 _l("Pick a person from the list."),
                                 _l("There is no person with that number."))

    def validate_photo(self, field: StringField) -> None:
        self.photo_id = _picked(field.data, catalogue.get,
                                _l("Pick a photo from the list, or type its number."),
                                _l("There is no photo with that number."))


def _picked(text: str | None, get: Callable[[int], object], unreadable: Any,
            unknown: Any) -> int | None:
    """The id of a choice from a picker ("Jan Jansen (#12)") or a bare number; fails
    closed with a message on anything else and on an id nothing has."""
    text = (text or "").strip()
    if not text:
        return None
    picked, _rest = person_choice(text)
    if picked is None and text.isascii() and text.lstrip("#").isdigit():
        picked = int(text.lstrip("#"))
    if picked is None:
        raise ValidationError(str(unreadable))
    try:
        if not 0 < picked <= MAX_ID:
            raise NotFound(str(unknown))
        get(picked)
    except NotFound as exc:
        raise ValidationError(str(unknown)) from exc
    return picked


def actor_choices() -> list[tuple[str, str]]:
    """Anyone, the system and the other named actors, then every staff member by name."""
    return [("", str(_l("Anyone"))),
            *((ref, str(name)) for ref, name in NAMED.items()),
            *((f"staff:{user.id}", user.name or user.email) for user in accounts.list_all())]


def photo_choices(limit: int = 200) -> list[str]:
    """The most recent photos for the photo picker: "IMG_1.jpg · Open day (#12)"."""
    return [person_label(row.asset.id, " · ".join(
        part for part in (row.asset.original_filename, row.asset.collection) if part)
        or str(_l("Photo"))) for row in catalogue.list_assets(page_size=limit).rows]
