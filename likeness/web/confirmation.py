"""Dangerous actions ask before they act. With JavaScript a dialog asks (the form's
`data-confirm`, see templates/_forms.html and static/js/forms.js) and the form comes
back with `confirmed=yes`; without it, the view answers with a page that says what
will happen and sends the same form again, confirmed.

A view of a dangerous action starts with::

    if (page := confirmation.ask(_("Delete this person?"), _("Their faces ..."),
                                 yes=_("Delete person"), back=url_for(...))):
        return page
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue


def is_confirmed() -> bool:
    return request.form.get("confirmed") == "yes"


def ask(title: str, message: str, *, yes: str, back: str,
        layout: str = "base.html") -> ResponseReturnValue | None:
    """None when the person confirmed; otherwise the confirmation page to answer with."""
    if is_confirmed():
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name != "confirmed"]
    return render_template("confirm.html", title=title, message=message, yes=yes,
                           back=back, fields=fields, action=request.path, layout=layout)
