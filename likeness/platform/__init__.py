"""Infrastructure every area uses: the unit of work, the job outbox and registry, the
worker, Redis, storage, audit, mail, PDFs, signed links, the clock.

Nothing here imports an area (library, consent, dsr, staff): areas build on the
platform, never the other way round.
"""


def register_jobs() -> None:
    """Import the modules that declare this area's jobs (`@job`), daily tasks
    (`@daily_task`), restore hooks (`@after_restore`) and alerts: importing registers them.
    The app factory calls it; tests/platform/test_job_registry.py checks that no such
    module is left out."""
    from likeness.platform import daily, mail, shared_ledger  # noqa: F401
