"""Digital quitclaims: invitations, signing, withdrawal and expiry, the consent status of
faces, the manage-my-consent portal and the signed PDF."""


def register_jobs() -> None:
    """Import the modules that declare this area's jobs (`@job`), daily tasks
    (`@daily_task`), restore hooks (`@after_restore`) and alerts: importing registers them.
    The app factory calls it; tests/platform/test_job_registry.py checks that no such
    module is left out."""
    from likeness.consent import (  # noqa: F401
        coming_of_age,
        daily,
        portal,
        restore,
        signing,
        tag_notices,
    )
