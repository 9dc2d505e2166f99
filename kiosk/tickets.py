"""Issuing a ticket the way the kiosk button does: the ticket, its outbox change and its
print job in one transaction, then the print attempt outside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from kiosk.i18n import t
from kiosk.plain import Record
from kiosk.estimate import Estimate, describe, estimate
from kiosk.queue import Queue, Ticket
from kiosk.services import by_code, find_service
from kiosk.store import Store

if TYPE_CHECKING:  # the printing code loads when a ticket is made (a face's queue needs none)
    from kiosk.config import Settings
    from kiosk.accounts import User
    from printers.document import Document


@dataclass(kw_only=True)
class IssuedTicket(Record):
    """A ticket just issued, with what the visitor is told."""

    ticket: Ticket
    ahead: int
    job_id: str
    wait_low: int | None = None  # the estimate told (minutes), None: too little to go on
    wait_high: int | None = None
    link: str | None = None  # the ticket's page for the visitor's phone, where configured

    @property
    def estimate(self) -> Estimate | None:
        return None if self.wait_low is None or self.wait_high is None else Estimate(self.wait_low, self.wait_high)


def queue_for(store: Store, settings: Settings) -> Queue:
    return Queue(store, tz=settings.office.tz, priority_every=settings.queue.priority_every,
                 counters=settings.office.counters)


def qr_payload(office_code: str, ticket: Ticket) -> str:
    """What the ticket's QR carries: enough to verify it and find it again."""
    return f"PST:{office_code}:{ticket.id}:{ticket.number}"


def _both(key: str) -> str:
    return f"{t(key, 'id')} / {t(key, 'en')}"


def ticket_slip_document(settings: Settings, ticket: Ticket, ahead: int,
                         estimate: Estimate | None = None, link: str | None = None) -> Document:
    from printers.layouts import TicketSlip, ticket_document

    office = settings.office
    service = by_code(ticket.service)
    issued = ticket.issued_at.astimezone(office.tz)
    slip = TicketSlip(
        office_name=office.name,
        office_address=office.address,
        service_name=f"{service.name_id} / {service.name_en}",
        number=ticket.number,
        issued_local=issued.strftime("%d-%m-%Y %H:%M"),
        ahead=ahead,
        qr_payload=qr_payload(office.code, ticket),
        complaint_channels=list(office.complaint_channels),
        estimate=[describe(estimate, "id", sentence=True), describe(estimate, "en", sentence=True)],
        link=link or "",
        priority=ticket.priority,
        labels={
            "number": _both("paper.number"),
            "ahead": f"{t('paper.ahead', 'id')} / {t('paper.ahead', 'en')}",
            "priority": _both("paper.priority"),
            "wait": _both("paper.wait"),
            "link": _both("phone.paper"),
            "complaints": _both("paper.complaints"),
        },
    )
    return ticket_document(slip)


def reprint_ticket(store: Store, settings: Settings, ticket_id: str, *, actor: User | None = None,
                   printer: str | None = None) -> str:
    """A marked copy of a ticket's paper (the counter's P): the last one printed for it, or
    for the ticket it was transferred from (a transfer makes a new row, same number). When
    that job is gone (pruned after ``retention.print_jobs_days``) or its document no longer
    reads back, the paper is made again from the ticket's row. Audited."""
    from kiosk.phone import ticket_link
    from kiosk.printing import reprint

    queue = queue_for(store, settings)
    ticket = queue.get(ticket_id)
    chain = [ticket]  # this row back to the one issued (whose id the phone link is made of)
    while chain[-1].transferred_from and len(chain) < 50:
        chain.append(queue.get(chain[-1].transferred_from))
    printed = (row.id for row in chain if store.row("SELECT 1 FROM print_jobs WHERE ref_id = ? LIMIT 1", (row.id,)))
    ahead = queue.ahead_of(ticket) if ticket.status == "waiting" else 0
    fresh = ticket_slip_document(settings, ticket, ahead, None, ticket_link(store, settings, chain[-1]))
    return reprint(store, next(printed, ticket.id), label=ticket.number, kind="ticket", actor=actor,
                   settings=settings, printer=printer, fresh=fresh)


def issue_ticket(store: Store, settings: Settings, service: str, *, priority: bool = False
                 ) -> IssuedTicket:
    """Take a ticket and queue its printout, atomically. Printing happens afterwards."""
    with store.write():
        return issue_ticket_in_tx(store, settings, service, priority=priority)


def issue_ticket_in_tx(store: Store, settings: Settings, service: str, *,
                       priority: bool = False) -> IssuedTicket:
    """``issue_ticket`` inside a transaction the caller holds (e.g. with a guestbook visit)."""
    from kiosk.phone import ticket_link  # loaded when a ticket is issued, not by every face
    from kiosk.printing import enqueue

    queue = queue_for(store, settings)
    ticket = queue.take_in_tx(find_service(service), priority=priority)
    ahead = queue.ahead_of(ticket)
    told = estimate(queue, ticket.service, ahead)
    link = ticket_link(store, settings, ticket)
    doc = ticket_slip_document(settings, ticket, ahead, told, link)
    expires = store.clock.now() + timedelta(minutes=settings.printer.retry_minutes)
    job_id = enqueue(store, settings, kind="ticket", label=ticket.number, document=doc,
                     ref_id=ticket.id, expires_at=expires)
    return IssuedTicket(ticket=ticket, ahead=ahead, job_id=job_id, link=link,
                        wait_low=told.low if told else None, wait_high=told.high if told else None)
