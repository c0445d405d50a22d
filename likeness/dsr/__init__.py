"""Data-subject requests (GDPR Art. 15-21): intake, casework, deadlines, locating the
person's faces, acting on the request, and the written answer."""


def register_jobs() -> None:
    """Import the modules that declare this area's jobs (`@job`), daily tasks
    (`@daily_task`), restore hooks (`@after_restore`) and alerts: importing registers them.
    The app factory calls it; tests/platform/test_job_registry.py checks that no such
    module is left out."""
    from likeness.dsr import (  # noqa: F401
        answer,
        daily,
        erasure_records,
        locate,
        objection,
        restriction,
        selfie_keys,
    )
