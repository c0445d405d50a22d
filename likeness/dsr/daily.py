"""The requests part of the daily run: remind staff of deadlines (once a day)."""

from __future__ import annotations

from datetime import date

from likeness.dsr import casework
from likeness.extensions import db
from likeness.models import Setting
from likeness.platform import mail
from likeness.platform.daily import daily_task
from likeness.platform.links import external_url
from likeness.staff import accounts

REMINDED_ON = "deadline_reminder_sent_on"


@daily_task("request_deadlines")
def remind_staff_of_deadlines(today: date) -> dict[str, int]:
    """Email staff the requests due within 7 days, and the overdue ones."""
    sent = db.session.get(Setting, REMINDED_ON)
    if sent is not None and sent.value >= today.isoformat():
        return {}
    if sent is None:
        sent = Setting(key=REMINDED_ON, value="")
        db.session.add(sent)
    sent.value = today.isoformat()
    due = casework.reminders(today)
    if not (due["overdue"] or due["due_soon"]):
        return {}
    for recipient in accounts.alert_recipients():
        mail.queue_email(recipient, "staff_request_reminder", language="en",
                         overdue=due["overdue"], due_soon=due["due_soon"],
                         url=external_url("admin.request_queue"))
    return {"deadline_reminders": len(due["overdue"]) + len(due["due_soon"])}
