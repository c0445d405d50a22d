"""Data-subject requests: the queue, registering a request and the case page with its actions."""

from admin.dsr import views  # noqa: F401  (registers the routes)
