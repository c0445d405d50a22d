"""Data-subject requests (GDPR Art. 15-21): intake, casework, deadlines, locating the
person's faces, acting on the request, and the written answer."""
