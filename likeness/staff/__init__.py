"""Staff accounts: passwords, two-factor, single sign-on and the operations staff run."""


def register_jobs() -> None:
    """Import the modules that declare this area's jobs (`@job`), daily tasks
    (`@daily_task`), restore hooks (`@after_restore`) and alerts: importing registers them.
    The app factory calls it; tests/platform/test_job_registry.py checks that no such
    module is left out."""
    from likeness.staff import operations  # noqa: F401
