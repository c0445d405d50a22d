"""Data-subject requests: the queue, registering a request, the case page with its actions,
and the answer read on screen."""

from admin.dsr import answer, candidates, views  # noqa: F401  (registers the routes)
