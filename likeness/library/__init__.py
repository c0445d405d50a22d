"""The image library: upload, indexing, tagging, people, face search, renditions, blurring,
downloads and share links."""


def register_jobs() -> None:
    """Import the modules that declare this area's jobs (`@job`), daily tasks
    (`@daily_task`), restore hooks (`@after_restore`) and alerts: importing registers them.
    The app factory calls it; tests/platform/test_job_registry.py checks that no such
    module is left out."""
    from likeness.library import (  # noqa: F401
        disclosures,
        face_templates,
        indexing,
        restore,
        xmp_export,
    )
