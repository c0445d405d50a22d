"""The privacy officer's cockpit: retention schedules with a dry run and legal holds, the
register of processing (Art. 30), the DPIA (Art. 35), the breach log (Art. 33/34), the
audit log viewer and the dashboard. Built from the installation's live settings and
figures, so what it shows the regulator is what the system does."""
