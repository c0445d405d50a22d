"""Processors (Art. 28) the organisation uses for this processing: hosting, mail,
object storage. Privacy officers keep the list in the cockpit; the register of
processing and the privacy notice name them."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import Processor, ProcessorService
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case
from likeness.translation import lazy_gettext as _l

SERVICE_LABELS = {
    ProcessorService.HOSTING: _l("Hosting (servers and database)"),
    ProcessorService.MAIL: _l("Sending email"),
    ProcessorService.OBJECT_STORAGE: _l("Object storage (photos and documents)"),
    ProcessorService.OTHER: _l("Other service"),
}


def listing() -> list[Processor]:
    return list(db.session.scalars(select(Processor).order_by(Processor.service,
                                                              Processor.name, Processor.id)))


def missing() -> list[str]:
    """Services this installation uses that no recorded processor provides: hosting
    always, mail when an SMTP server is set, object storage with `STORAGE=s3`. A prompt,
    not a rule: an organisation that runs a service itself has no processor for it."""
    cfg = current_app.config
    used = [ProcessorService.HOSTING]
    if cfg.get("MAIL_SERVER"):
        used.append(ProcessorService.MAIL)
    if cfg.get("STORAGE") == "s3":
        used.append(ProcessorService.OBJECT_STORAGE)
    recorded = {p.service for p in listing()}
    return [service for service in used if service not in recorded]


def as_facts() -> list[dict[str, str]]:
    return [{"name": p.name, "service": p.service, "location": p.location,
             "agreement": p.agreement} for p in listing()]


@use_case
def add(name: str, service: str, location: str, agreement: str, *, actor: Actor) -> Processor:
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the processor's name."))
    if service not in SERVICE_LABELS:
        raise InvalidInput(_("Choose what the processor does."))
    processor = Processor(name=name[:200], service=service, location=location.strip()[:100],
                          agreement=agreement.strip()[:200], created_by_id=actor.staff_id)
    db.session.add(processor)
    db.session.flush()
    audit.record("processor.added", actor=actor, details={"processor": processor.id,
                                                          "service": service})
    return processor


@use_case
def remove(processor_id: int, *, actor: Actor) -> None:
    processor = db.session.get(Processor, processor_id)
    if processor is None:
        raise NotFound(_("No such processor."))
    db.session.delete(processor)
    audit.record("processor.removed", actor=actor, details={"processor": processor_id,
                                                            "service": processor.service})
