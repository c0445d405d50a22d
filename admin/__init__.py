"""The staff side, by area: each package's views attach their routes to one blueprint,
whose access rules (login, roles, 2FA) live in `admin.access`."""

# Each area package imports its own view modules, which attach their routes to `blueprint`.
from admin import cockpit, consent, dsr, integrations, library, staff  # noqa: E402,F401
from admin.access import blueprint  # noqa: F401  (what the app factory registers)
