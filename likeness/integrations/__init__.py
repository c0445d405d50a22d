"""Image banks beside Likeness: integrations, API keys, their asset ids, permission checks,
the consent events they read or receive as signed webhooks, and take-downs."""


def register_jobs() -> None:
    """Import the modules that declare this area's jobs (`@job`), daily tasks
    (`@daily_task`), restore hooks (`@after_restore`) and alerts: importing registers them.
    The app factory calls it; tests/platform/test_job_registry.py checks that no such
    module is left out."""
    from likeness.integrations import delivery, expiring, usage  # noqa: F401
