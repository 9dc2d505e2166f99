"""Invoices: issued (a new version after a revision), valid one month, voided by a revision
or a cancellation."""

from __future__ import annotations

import calendar
import json
from datetime import date, datetime, time

from kiosk.accounts import User, require
from kiosk.catalogue import active
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.errors import FieldInvalid, Invalid, Refused
from kiosk.ids import new_id
from kiosk.sales.models import OFFICERS, Order
from kiosk.sales.orders import _expect, _local_day, _record, _set, get
from kiosk.store import Store
from kiosk.text import field_text


def _add_month(day: date) -> date:
    """The same day one calendar month later, clamped to the month's end (31 Jan -> 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def invoice_valid_until(issued: datetime, settings: Settings) -> datetime:
    """An invoice is valid one month (seeds 001, 003), counted in the office's time zone, to the
    end of the day printed on it: a customer paying on the printed last day is accepted."""
    tz = settings.office.tz
    last_day = _add_month(issued.astimezone(tz).date())
    return datetime.combine(last_day, time.max, tz)



def issue_invoice(store: Store, settings: Settings, actor: User | None, order_id: str, *,
                  sample_note: str | None = None) -> Order:
    """The invoice (a new version after a revision), valid one month; microdata orders
    note the sample data shown."""
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "invoice", "checked")
        if order.zero_tariff:
            raise Refused("sales.zero_no_invoice", number=order.number)
        catalogue = active(store)
        has_microdata = order.has_kind(catalogue, "microdata")
        note = (field_text("sample_note", sample_note, "text.field.sample_note", multiline=True)
                or order.sample_note)
        if has_microdata and not note:
            raise Invalid({"sample_note": FieldInvalid("sales.sample_required")})
        if not order.lines:
            raise Refused("sales.no_lines", number=order.number)
        if order.needs_documents(catalogue) and not order.abstraksi:
            raise Refused("sales.abstraksi_missing", number=order.number)
        now = store.clock.now()
        previous = order.invoices[-1] if order.invoices else None
        if previous:
            number, version = previous.number, previous.version + 1
        else:
            year = _local_day(store, settings).year
            count = store.conn.execute(
                "SELECT COUNT(DISTINCT number) FROM invoices WHERE number LIKE ?",
                (f"INV/{settings.office.code}/{year}/%",)).fetchone()[0]
            number, version = f"INV/{settings.office.code}/{year}/{count + 1:04d}", 1
        store.db["invoices"].insert({
            "id": new_id(), "created_at": iso(now), "terminal_id": store.terminal_id,
            "order_id": order.id, "number": number, "version": version, "total": order.total,
            "lines": json.dumps([line.model_dump() for line in order.lines]),
            "issued_at": iso(now), "valid_until": iso(invoice_valid_until(now, settings)),
            "issued_by": actor.id if actor else None})
        _set(store, order.id, status="invoiced", sample_note=note)
        return _record(store, actor, order.id, "invoice", {"invoice": number, "version": version,
                                                           "total": order.total})


def _reason(reason: str | None) -> str:
    reason = field_text("reason", reason, "text.field.reason")
    if not reason:
        raise Invalid({"reason": FieldInvalid("invalid.required")})
    return reason


def _void_invoice(store: Store, order: Order, reason: str) -> str:
    """Void the order's valid invoice; refused once a payment is verified (money taken) and
    while one waits for the treasurer (it may already be in the treasury, with an NTPN: the
    treasurer verifies or rejects it first, an officer never drops it). Returns the time."""
    if any(p.status == "verified" for p in order.payments):
        raise Refused("sales.already_paid", number=order.number)
    if any(p.status == "submitted" for p in order.payments):
        raise Refused("sales.payment_awaits_treasurer", number=order.number)
    now = iso(store.clock.now())
    store.conn.execute("UPDATE invoices SET voided_at = ?, void_reason = ? WHERE order_id = ?"
                       " AND voided_at IS NULL", (now, reason, order.id))
    return now


def revise(store: Store, actor: User | None, order_id: str, *, reason: str) -> Order:
    """The customer asks a revision: the invoice is voided; edit the lines and invoice again."""
    reason = _reason(reason)
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "revise", "invoiced")
        _void_invoice(store, order, reason)
        _set(store, order.id, status="checked")
        return _record(store, actor, order.id, "revise", {"reason": reason})


def cancel(store: Store, actor: User | None, order_id: str, *, reason: str) -> Order:
    reason = _reason(reason)
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "cancel", "draft", "agreed", "checked", "invoiced")
        now = _void_invoice(store, order, reason)
        _set(store, order.id, status="cancelled", cancelled_at=now, cancel_reason=reason)
        return _record(store, actor, order.id, "cancel", {"reason": reason})
