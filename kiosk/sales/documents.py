"""The documents of a sale: the officer's check of the abstraksi (statement of data use) and
of the request letter of a Rp0 sale; a mismatch refers the visitor to consultation."""

from __future__ import annotations

from kiosk.accounts import User, require
from kiosk.catalogue import active
from kiosk.clock import iso
from kiosk.sales.models import OFFICERS, Order
from kiosk.sales.orders import _expect, _record, _set, get
from kiosk.errors import Refused
from kiosk.store import Store


def check_documents(store: Store, actor: User | None, order_id: str, *, abstraksi: bool = False,
                    matches: bool = True, request_letter: bool = False) -> Order:
    """The officer checks the documents. Microdata and maps need the abstraksi, and it must
    match what is asked; otherwise the visitor goes to consultation (status referred)."""
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "check", "agreed")
        now = iso(store.clock.now())
        if order.needs_documents(active(store)):
            if not abstraksi:
                raise Refused("sales.abstraksi_missing", number=order.number)
            if not matches:
                _set(store, order.id, status="referred", referred_at=now, abstraksi=1)
                return _record(store, actor, order.id, "refer", {})
        if order.zero_tariff and not request_letter:
            raise Refused("sales.letter_missing", number=order.number)
        _set(store, order.id, status="checked", checked_at=now, abstraksi=int(abstraksi),
             request_letter=int(request_letter))
        return _record(store, actor, order.id, "check", {"abstraksi": abstraksi})
