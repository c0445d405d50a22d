"""The privacy officer's cockpit: dashboard, register, DPIA, retention, holds,
breaches, audit log and transparency."""

from admin.cockpit import logs, transparency, views  # noqa: F401  (registers the routes)
