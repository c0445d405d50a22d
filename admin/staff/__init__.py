"""Staff accounts: log-in, passwords, two-factor, single sign-on and the session policy."""

from admin.staff import accounts, sso, two_factor  # noqa: F401  (registers the routes)
