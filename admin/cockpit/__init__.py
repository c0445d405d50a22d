"""The privacy officer's cockpit pages (moving here from `admin/cockpit_*.py`)."""
