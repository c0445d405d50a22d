"""Image-bank integrations: hosts and API keys."""

from admin.integrations import views  # noqa: F401  (registers the routes)
