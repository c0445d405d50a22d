"""Staff pages for data-subject requests."""
