"""Quitclaims: the list, one quitclaim, invitations and downloads."""

from admin.consent import views  # noqa: F401  (registers the routes)
