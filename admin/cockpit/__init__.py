"""The privacy officer's cockpit: dashboard, register, DPIA, retention, holds,
breaches, processors, audit log and transparency."""

from admin.cockpit import logs, processors, transparency, views  # noqa: F401  (registers the routes)
