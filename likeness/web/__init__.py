"""What both blueprints share: security headers, error pages, languages, labels, form
fields and rate-limit keys."""
