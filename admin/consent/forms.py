"""Forms of quitclaims: invitations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from admin.forms import CHANNEL_CHOICES
from likeness.models import Channel
from likeness.translation import lazy_gettext as _l
from likeness.web.form_fields import MultiCheckboxField


class InviteForm(FlaskForm):
    person = StringField(
        _l("Person"), validators=[Length(max=220)],
        description=_l("Pick someone from the list, or leave this empty and fill in the name "
                       "of a new person below."),
    )
    new_name = StringField(_l("Name of a new person"), validators=[Length(max=200)])
    new_email = EmailField(
        _l("Email"), validators=[Optional(), Email(), Length(max=254)],
        description=_l("Where the invitation goes. For a person picked above, this adds or "
                       "changes their email."))
    new_birth_date = DateField(_l("Date of birth"), validators=[Optional()],
                               description=_l("Under 16, a parent or guardian signs."))
    guardian_email = EmailField(_l("Email of parent or guardian (under 16)"),
                                validators=[Optional(), Email(), Length(max=254)])
    asset_mode = RadioField(
        _l("Photos"),
        choices=[
            SelectChoice("tagged", _l("All photos where this person is tagged")),
            SelectChoice("collection", _l("All photos of a collection (event)")),
            SelectChoice("selected", _l("The photos chosen in the library")),
        ],
        default="tagged",
    )
    collection = StringField(_l("Collection"), validators=[Length(max=200)])
    asset_ids = HiddenField("")
    # Giving photos to third parties is asked for only when staff tick it and name them.
    channels = MultiCheckboxField(_l("Channels asked for"), choices=CHANNEL_CHOICES,
                                  default=[c.value for c in CHANNEL_CHOICES
                                           if c.value != Channel.THIRD_PARTIES])
    third_parties = StringField(
        _l("The third parties, by name (when asking for that channel)"),
        validators=[Length(max=2000)],
        description=_l("For example: the regional newspaper, our foundation's partners. The "
                       "person sees these names before signing."))
    validity_years = IntegerField(_l("Valid for (years)"), default=5,
                                  validators=[DataRequired(), NumberRange(min=1, max=10)])
    language = SelectField(_l("Language of the invitation"),
                           choices=[SelectChoice("nl", "Nederlands"),
                                    SelectChoice("en", "English")])
