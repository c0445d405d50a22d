"""Likeness: a GDPR portal for image banks that use facial recognition."""
