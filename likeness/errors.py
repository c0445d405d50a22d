"""Domain exceptions. Services raise these; one error handler turns them into pages."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `message` is safe to show to the user, `status` is the HTTP status.

    `field` names the form field the message is about, when there is one: the page
    shows the message at that field and links to it from its error summary.
    `next_step` is where the person can go on from the error page: (endpoint, label)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None,
                 next_step: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.next_step = next_step


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    """A link that was valid once: used, expired or cancelled."""

    status = 410


class InvalidInput(DomainError):
    status = 400


class UnsupportedFile(DomainError):
    status = 415


class Unavailable(DomainError):
    """We cannot do it right now (overloaded, the database unreachable): try again."""

    status = 503


class TemplateKeyError(DomainError):
    """A face template cannot be decrypted with the configured keys."""

    status = 500
