"""docs/configuration.md, written from the settings schema (`likeness.settings.Settings`).

`flask config-doc write docs/configuration.md` writes it; a test fails when the committed
page and the schema disagree, so a new setting cannot go undocumented.
"""

from __future__ import annotations

from typing import Any

from likeness.settings import API, GENERAL, SINGLE_SIGN_ON, Settings

INTRO = """# Configuration

<!-- Written by `flask config-doc write docs/configuration.md` from likeness/settings.py;
edit the descriptions there. -->

Every setting is an environment variable, read once at start-up and validated by one typed
schema (`likeness/settings.py`, pydantic-settings); an empty variable counts as unset. A
value of the wrong type or outside its range stops start-up with a message that names the
setting, and outside development missing secrets do too. Settings that staff change at run
time (the template policy, retention periods, the privacy notice) live in the database and
are changed in the app; see the [staff guide](user-guide.md).
"""

SECTIONS = {
    GENERAL: "",
    SINGLE_SIGN_ON: "## Single sign-on\n\nSee [Single sign-on](operations.md#single-sign-on) "
                    "for how it behaves and an Entra ID example.\n",
    API: "## The image-bank API\n\nSee [api.md](api.md) for the flow.\n",
}


def _extra(field: Any) -> dict[str, Any]:
    """What `likeness.settings.setting` put beside the field (always a dict there)."""
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def _shown_default(field: Any) -> str:
    extra = _extra(field)
    if extra.get("shown"):
        return str(extra["shown"])
    default = field.default
    if default in ("", None, ()):
        return "unset"
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, tuple):
        return f"`{','.join(default)}`"
    if isinstance(default, str):
        return f"`{default}`"
    return str(default)


def render() -> str:
    parts = [INTRO]
    for group, heading in SECTIONS.items():
        rows = [f"| `{name}` | {_shown_default(field)} | {field.description} |"
                for name, field in Settings.model_fields.items()
                if _extra(field).get("group") == group]
        parts.append("\n".join(filter(None, [heading, "| variable | default | meaning |",
                                             "|---|---|---|", *rows])) + "\n")
    return "\n".join(parts)
