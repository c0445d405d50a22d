"""Staff pages for consent: quitclaims, invitations and what signers told us (tag
proposals)."""

from admin.consent import proposals, views  # noqa: F401  (registers the routes)
