"""Forms of staff accounts: log-in, passwords, roles and two-factor."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from likeness.models import Role
from likeness.staff.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from likeness.translation import lazy_gettext as _l
from likeness.web.labels import ROLE_LABELS

# Least powerful first: a new staff member starts as a viewer unless chosen otherwise.
ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role.value])
                for role in (Role.VIEWER, Role.LIBRARIAN, Role.PRIVACY_OFFICER, Role.ADMIN)]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000,
                                           message=_l("Use at least %(num)d characters.",
                                                      num=MIN_PASSWORD_LENGTH))],
        description=_l("At least %(num)d characters, and not your current one. A few "
                       "unrelated words make a strong password that is easy to remember.",
                       num=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )


class CreateStaffForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(
        _l("Role"), choices=ROLE_CHOICES, default=Role.VIEWER,
        description=_l("Viewer: sees photos and consent. Librarian: also uploads, tags and "
                       "asks for quitclaims. Privacy officer: also handles requests and "
                       "settings. Administrator: everything, including staff accounts."))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text"})


class TwoFactorSetupForm(FlaskForm):
    code = StringField(_l("The 6-digit code your app shows now"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
