"""The documents of a sale as documents (seed 000 steps 4-5 and 14-18, seed 001 steps 6, 9-10):
the customer's statement of data use (*abstraksi*) recorded as the text they gave and checked
against what is asked (a mismatch refers the visitor to consultation), the request letter of
a Rp0 sale, the data use agreement (*SPPD*) printed for signature on meterai, and the
customer's check of the invoice and sample: accepted, or a revision asked with what."""

from __future__ import annotations

import unicodedata

from kiosk.accounts import User, require
from kiosk.catalogue import active
from kiosk.clock import iso
from kiosk.errors import FieldInvalid, Invalid, Refused
from kiosk.sales.invoices import _void_invoice
from kiosk.sales.models import OFFICERS, Order
from kiosk.sales.orders import _expect, _record, _set, get
from kiosk.store import Store

STATEMENT_MAX = 1000  # characters of the statement of data use
NOTE_MAX = 500


def _text(field: str, value: object, limit: int) -> str:
    """Free text as a person gave it: lines kept, spaces tidied, no control characters."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch != "\n" for ch in text):
        raise Invalid({field: FieldInvalid("invalid.characters")})
    text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines() if line.strip())
    if len(text) > limit:
        raise Invalid({field: FieldInvalid("sales.documents.too_long", limit=limit)})
    return text


def check_documents(store: Store, actor: User | None, order_id: str, *, abstraksi: str | None = None,
                    matches: bool = True, request_letter: bool = False,
                    sample_note: str | None = None) -> Order:
    """The officer checks the documents. Microdata and maps need the abstraksi, the
    customer's statement of data use, recorded as the text they gave (not a tick); it must
    match what is asked, otherwise the visitor goes to consultation (status referred). A Rp0
    order has no invoice, where a paid one notes the microdata sample shown: it notes it here
    (``sample_note``), or its checklist could never show the sample."""
    statement = _text("abstraksi", abstraksi if isinstance(abstraksi, str) else "", STATEMENT_MAX)
    sample = _text("sample_note", sample_note, NOTE_MAX) if sample_note else ""
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "check", "agreed")
        now = iso(store.clock.now())
        if order.needs_documents(active(store)):
            if not statement:
                raise Refused("sales.abstraksi_missing", number=order.number)
            if not matches:
                _set(store, order.id, status="referred", referred_at=now, abstraksi=1, abstraksi_text=statement)
                return _record(store, actor, order.id, "refer", {})
        if order.zero_tariff and not request_letter:
            raise Refused("sales.letter_missing", number=order.number)
        _set(store, order.id, status="checked", checked_at=now, abstraksi=int(bool(statement)),
             abstraksi_text=statement or None, request_letter=int(request_letter),
             **({"sample_note": sample} if sample and order.zero_tariff else {}))
        return _record(store, actor, order.id, "check", {"abstraksi": bool(statement)})


def sppd_printed(store: Store, actor: User | None, order_id: str) -> Order:
    """The SPPD went to the printer for signature: the first time is kept on the order."""
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        if order.sppd_printed_at is not None:
            return order
        _set(store, order.id, sppd_printed_at=iso(store.clock.now()))
        return _record(store, actor, order.id, "sppd_print", {})


def customer_check(store: Store, actor: User | None, order_id: str, *, accepted: bool,
                   note: str | None = None) -> Order:
    """The customer checked the invoice (and the sample of microdata): accepted, with an
    optional note, or a revision asked, saying what; a revision voids the invoice and the
    order goes back to its lines (the next invoice is a new version)."""
    text = _text("note", note, NOTE_MAX)
    if not accepted and not text:
        raise Invalid({"note": FieldInvalid("sales.documents.revision_what")})
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "customer_check", "invoiced")
        invoice = order.invoice
        if invoice is None:
            raise Refused("sales.no_invoice", number=order.number)
        if invoice.customer_check is not None:
            raise Refused("sales.documents.already_checked", number=invoice.number, version=invoice.version)
        now = iso(store.clock.now())
        if not accepted:
            _void_invoice(store, order, text)  # refused once money is verified or waits for the treasurer
        store.conn.execute("UPDATE invoices SET customer_check = ?, customer_checked_at = ?, customer_note = ?"
                           " WHERE id = ?", ("accepted" if accepted else "revision", now, text or None, invoice.id))
        if accepted:
            _set(store, order.id)
            return _record(store, actor, order.id, "customer_accept", {"invoice": invoice.number})
        _set(store, order.id, status="checked")
        return _record(store, actor, order.id, "customer_revision", {"invoice": invoice.number, "note": text[:100]})

