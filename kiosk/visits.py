"""The guest behind a ticket, as an officer's screen shows it: a module of its own, so the
counter's first screen (which shows the current visitor) reads it without loading the
whole guestbook (issue 17); ``kiosk.guestbook`` gives the same names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.plain import Record
from kiosk.store import Store


@dataclass(kw_only=True)
class VisitGuest(Record):
    """The guest behind a ticket, as an officer's screen may show it (ID masked)."""

    guest_id: str
    visit_id: str
    name: str
    id_type: str
    id_masked: str
    institution: str | None
    segment: str
    purpose: str
    since: datetime


# A ticket (or the ticket it was transferred from) joined to its visit ``v`` and guest ``g``:
# ``f"SELECT ... {VISIT_OF_TICKET} LIMIT 1"`` with the ticket id as the one parameter.
VISIT_OF_TICKET = (
    "FROM (WITH RECURSIVE chain(id, parent) AS ("
    " SELECT id, transferred_from FROM tickets WHERE id = ?"
    " UNION ALL SELECT t.id, t.transferred_from FROM tickets t JOIN chain c ON t.id = c.parent)"
    " SELECT id FROM chain) AS chain"
    " JOIN visits v ON v.ticket_id = chain.id JOIN guests g ON g.id = v.guest_id")


def guest_for_ticket(store: Store, ticket_id: str) -> VisitGuest | None:
    """Follow a ticket (or the ticket it was transferred from) to its visit and guest."""
    row = store.row(
        "SELECT g.id AS guest_id, v.id AS visit_id, g.name, g.id_type, g.id_masked, g.institution,"
        f" v.segment, v.purpose, v.created_at AS since {VISIT_OF_TICKET} LIMIT 1", (ticket_id,))
    return VisitGuest.model_validate(row) if row else None
