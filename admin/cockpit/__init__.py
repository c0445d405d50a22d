"""The privacy officer's cockpit: dashboard, register, DPIA, retention, holds,
breaches, processors, collections (health data, Art. 14 notices), audit log and
transparency."""

from admin.cockpit import (  # noqa: F401  (registers the routes)
    collections,
    logs,
    processors,
    transparency,
    views,
)
