"""Staff pages about the image banks beside Likeness: integrations, keys, webhooks."""

from admin.integrations import views, webhooks  # noqa: F401  (registers the routes)
