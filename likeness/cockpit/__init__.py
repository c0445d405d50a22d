"""The privacy officer's cockpit: retention schedules with a dry run and legal holds, the
register of processing (Art. 30), the DPIA (Art. 35), the breach log (Art. 33/34), the
audit log viewer and the dashboard. Built from the installation's live settings and
figures, so what it shows the regulator is what the system does."""


def register_jobs() -> None:
    """Import the modules that declare this area's jobs (`@job`), daily tasks
    (`@daily_task`), restore hooks (`@after_restore`) and alerts: importing registers them.
    The app factory calls it; tests/platform/test_job_registry.py checks that no such
    module is left out."""
    from likeness.cockpit import audit_view, breach_alerts, retention  # noqa: F401
