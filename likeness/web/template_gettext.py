"""`_()`, `gettext` and `ngettext` in templates, each one call to the kept catalogue.

Flask-Babel installs its functions through Jinja's i18n extension, and `_("...")` in a
template then went through three of Jinja's `Context.call`s (the `_` alias looking up
`gettext`, the newstyle wrapper, Flask-Babel's function), the domain and locale lookups
through `g`, and a `Markup % {}` that escapes an empty dictionary: a fifth of the home
page's instructions for its 15 strings. These do what Jinja's newstyle functions do with
what Flask-Babel's return, in one step: the text from the catalogue the current request
(or `force_locale`) uses, made `Markup` where the template autoescapes, and always taken
as a format string (`%%` for a percent sign), with the variables escaped.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from likeness.translation import current_translations


@pass_eval_context
def gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    return _formatted(eval_ctx, current_translations().ugettext(string), variables)


@pass_eval_context
def ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /,
             **variables: Any) -> str:
    variables.setdefault("num", num)
    text = current_translations().ungettext(singular, plural, num)
    return _formatted(eval_ctx, text, variables)


@pass_eval_context
def pgettext(eval_ctx: EvalContext, context: str, string: str, /, **variables: Any) -> str:
    return _formatted(eval_ctx, current_translations().upgettext(context, string), variables)


@pass_eval_context
def npgettext(eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int, /,
              **variables: Any) -> str:
    variables.setdefault("num", num)
    text = current_translations().unpgettext(context, singular, plural, num)
    return _formatted(eval_ctx, text, variables)


def _formatted(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
    if eval_ctx.autoescape:
        # Our own catalogue's text, trusted as Jinja's own gettext trusts it; the
        # variables are escaped by the `%` below.
        text = Markup(text)  # noqa: S704
    # `text % {}` is `text` when it holds no `%`: skip the formatting, not its meaning.
    if variables or "%" in text:
        return text % variables
    return text


def register(app: Flask) -> None:
    """After Flask-Babel's `init_app`, which adds Jinja's i18n extension (still used for
    `{% trans %}` blocks, which call `gettext` and `ngettext` by name)."""
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext,
                                 pgettext=pgettext, npgettext=npgettext)
