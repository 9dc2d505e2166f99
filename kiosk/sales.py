"""Walk-in sales of statistical products, from request to receipt (seeds 001, 002, 004).

    draft -> agreed -> checked -> invoiced -> paid -> receipted -> delivered
                          \\-> referred (documents do not match: to consultation)
    revise: invoiced -> checked (the invoice is voided; the next one is a new version)
    Rp0 sales skip invoice, payment and receipt: checked -> delivered.

Only the treasurer (bendahara) verifies payments and issues receipts; officers do the
rest. Every step is one transaction with its outbox change and audit entry; a step not
allowed now is refused with the reason.
"""

from __future__ import annotations

import calendar
import json
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from kiosk import audit, identity
from kiosk.accounts import User, require
from kiosk.catalogue import Catalogue, active, price
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.errors import FieldInvalid, Invalid, NotFound, Refused
from kiosk.ids import new_id
from kiosk.store import Store
from kiosk.text import field_text

Status = Literal["draft", "agreed", "checked", "invoiced", "paid", "receipted", "delivered",
                 "referred", "cancelled"]
OFFICERS = ("petugas", "admin")
TREASURER = ("bendahara",)
ANYONE = ("petugas", "bendahara", "admin")
OPEN = ("draft", "agreed", "checked", "invoiced", "paid", "receipted")


class Line(BaseModel):
    id: str
    product: str
    description: str
    quantity: int
    measure: int | None
    listed_price: int | None
    amount: int
    # What the line needs, recorded when it was added (a later catalogue does not change it):
    # the product's kind and whether the abstraksi and the SPPD are required. None only for a
    # line restored from before migration 0009: then read from the catalogue, leniently.
    kind: str | None = None
    needs_documents: bool | None = None


class Invoice(BaseModel):
    id: str
    number: str
    version: int
    total: int
    issued_at: datetime
    valid_until: datetime
    voided_at: datetime | None
    void_reason: str | None


class Payment(BaseModel):
    id: str
    method: Literal["cash", "billing", "transfer"]
    amount: int
    billing_code: str | None
    ntpn: str | None
    proof: str | None
    status: Literal["submitted", "verified", "rejected"]
    created_at: datetime
    verified_at: datetime | None
    invoice_id: str


class Receipt(BaseModel):
    id: str
    number: str
    amount: int
    terbilang: str
    issued_at: datetime
    issued_by: str | None


class Correction(BaseModel):
    id: str
    created_at: datetime
    note: str
    resolved_at: datetime | None
    resolution: str | None


class Order(BaseModel):
    id: str
    number: str
    status: Status
    created_at: datetime
    updated_at: datetime
    customer_name: str
    segment: str
    npwp: str | None
    abroad: bool
    regulation: str
    zero_basis: str | None
    guest_id: str | None
    ticket_id: str | None
    agreed_at: datetime | None
    checked_at: datetime | None
    request_letter: bool
    abstraksi: bool
    sample_note: str | None
    prepared_at: datetime | None
    sppd_signed_at: datetime | None
    meterai: bool
    delivered_at: datetime | None
    medium: str | None
    referred_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    lines: list[Line] = []
    invoice: Invoice | None = None
    invoices: list[Invoice] = []
    payments: list[Payment] = []
    receipt: Receipt | None = None
    corrections: list[Correction] = []

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def zero_tariff(self) -> bool:
        return self.zero_basis is not None

    @property
    def submitted_payment(self) -> Payment | None:
        """The payment recorded and waiting for the treasurer's verification, if any."""
        if self.status != "invoiced":
            return None
        return next((p for p in self.payments if p.status == "submitted"), None)

    def _product(self, catalogue: Catalogue | None, code: str) -> Any:
        """The line's product in the order's regulation, None when no longer known."""
        if catalogue is None:
            return None
        reg = catalogue.by_code(self.regulation)
        return next((p for p in reg.product if p.code == code), None) if reg else None

    def has_kind(self, catalogue: Catalogue | None = None, kind: str = "") -> bool:
        """Whether a line is a product of this kind (publication, microdata, map), as the line
        recorded it when added; never fails on a code the catalogue no longer has."""
        for line in self.lines:
            found = line.kind
            if found is None:
                product = self._product(catalogue, line.product)
                found = product.kind if product else None
            if found == kind:
                return True
        return False

    def needs_documents(self, catalogue: Catalogue | None = None) -> bool:
        """Microdata and maps need the abstraksi and the SPPD: as each line recorded it when
        added. A line that recorded nothing and whose product is unknown needs them."""
        for line in self.lines:
            needs = line.needs_documents
            if needs is None:
                product = self._product(catalogue, line.product)
                needs = product.needs_documents if product else True
            if needs:
                return True
        return False


# -- reading --------------------------------------------------------------------------


def get(store: Store, order_id: str) -> Order:
    row = store.row("SELECT * FROM orders WHERE id = ? OR number = ?", (order_id, order_id))
    if row is None:
        raise NotFound("sales.unknown_order", order=order_id)
    oid = row["id"]
    invoices = [Invoice.model_validate(r) for r in store.rows(
        "SELECT * FROM invoices WHERE order_id = ? ORDER BY version", (oid,))]
    receipt = store.row("SELECT * FROM receipts WHERE order_id = ?", (oid,))
    return Order.model_validate({
        **row,
        "lines": store.rows("SELECT * FROM order_lines WHERE order_id = ? AND removed_at IS NULL"
                            " ORDER BY created_at, id", (oid,)),
        "invoices": invoices,
        "invoice": next((i for i in invoices if i.voided_at is None), None),
        "payments": store.rows("SELECT * FROM payments WHERE order_id = ? ORDER BY created_at, id", (oid,)),
        "receipt": receipt,
        "corrections": store.rows("SELECT * FROM corrections WHERE order_id = ? ORDER BY created_at", (oid,)),
    })


def open_for_ticket(store: Store, ticket_id: str) -> list[Order]:
    """The orders of a visit (by its ticket) not yet handed over nor closed: unpaid, awaiting
    verification, paid but not delivered. Finishing the visit first is asked about."""
    return [get(store, row["id"]) for row in store.rows(
        "SELECT id FROM orders WHERE ticket_id = ? AND status NOT IN ('delivered', 'cancelled', 'referred')"
        " ORDER BY created_at", (ticket_id,))]


class OrderRow(BaseModel):
    id: str
    number: str
    status: Status
    customer_name: str
    segment: str
    total: int
    updated_at: datetime
    valid_until: datetime | None
    awaiting_verification: bool = False  # invoiced, a payment recorded, not yet verified


def _order_filter(store: Store, status: str | None, awaiting_payment: bool, expiring_within_days: int | None,
                  expired: bool, awaiting_verification: bool = False) -> tuple[str, list[Any]]:
    """The WHERE clause of the order list. An order whose payment awaits the treasurer's
    verification is only "awaiting verification"; otherwise an invoice past its last day is
    "expired", never "awaiting payment" or "expiring"."""
    now = store.clock.now()
    live = ("EXISTS (SELECT 1 FROM invoices x WHERE x.order_id = o.id AND x.voided_at IS NULL"
            " AND x.valid_until >= :now)")
    pending = "EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'submitted')"
    where, params = ["1 = 1"], {"now": iso(now)}
    if status:
        where.append("o.status = :status")
        params["status"] = status
    if awaiting_payment:
        where.append(f"o.status = 'invoiced' AND {live} AND NOT {pending}")
    if awaiting_verification:
        where.append(f"o.status = 'invoiced' AND {pending}")
    if expiring_within_days is not None:
        where.append(f"o.status = 'invoiced' AND {live} AND NOT {pending} AND EXISTS (SELECT 1 FROM invoices y"
                     " WHERE y.order_id = o.id AND y.voided_at IS NULL AND y.valid_until <= :soon)")
        params["soon"] = iso(now + timedelta(days=expiring_within_days))
    if expired:
        where.append(f"o.status = 'invoiced' AND NOT {live} AND NOT {pending}")
    return " AND ".join(where), params


def list_orders(store: Store, *, status: str | None = None, awaiting_payment: bool = False,
                expiring_within_days: int | None = None, expired: bool = False,
                awaiting_verification: bool = False, limit: int = 200) -> list[OrderRow]:
    """Orders newest first; filters: state, waiting for payment, payment waiting for the
    treasurer's verification, invoice expiring soon, expired."""
    # Pick the page first (index on updated_at), then add totals and invoices to it only.
    where, params = _order_filter(store, status, awaiting_payment, expiring_within_days, expired,
                                  awaiting_verification)
    sql = (f"WITH page AS (SELECT o.id, o.number, o.status, o.customer_name, o.segment, o.updated_at"
           f" FROM orders o WHERE {where} ORDER BY o.updated_at DESC, o.id DESC LIMIT :limit)"
           " SELECT page.*, COALESCE((SELECT SUM(amount) FROM order_lines l WHERE l.order_id = page.id"
           " AND l.removed_at IS NULL), 0) AS total, i.valid_until,"
           " page.status = 'invoiced' AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = page.id"
           " AND p.status = 'submitted') AS awaiting_verification FROM page"
           " LEFT JOIN invoices i ON i.order_id = page.id AND i.voided_at IS NULL"
           " ORDER BY page.updated_at DESC, page.id DESC")
    return [OrderRow.model_validate(r) for r in store.rows(sql, {**params, "limit": limit})]


def count_orders(store: Store, *, status: str | None = None, awaiting_payment: bool = False,
                 expiring_within_days: int | None = None, expired: bool = False,
                 awaiting_verification: bool = False) -> int:
    """How many orders the same filters find, for "200 of 5,000" when the list is capped."""
    where, params = _order_filter(store, status, awaiting_payment, expiring_within_days, expired,
                                  awaiting_verification)
    return store.conn.execute(f"SELECT COUNT(*) FROM orders o WHERE {where}", params).fetchone()[0]


# -- helpers ----------------------------------------------------------------------------


def order_sync_payload(order: Order) -> dict[str, Any]:
    """The order as the outbox carries it. The NPWP is masked like a guest's (for a person it
    is the NIK, which stays in the office); segment, lines, totals, invoices, payments and the
    receipt travel whole for the centre's reports."""
    payload = order.model_dump(mode="json")
    if payload.get("npwp"):
        payload["npwp"] = identity.mask(payload["npwp"])
    return payload


def _record(store: Store, actor: User | None, order_id: str, op: str, detail: dict[str, Any]) -> Order:
    order = get(store, order_id)
    store.record_change("order", order.id, op, order_sync_payload(order))
    audit.record(store, actor, f"order.{op}", "order", order.id, {"number": order.number, **detail})
    return order


def _set(store: Store, order_id: str, **sets: Any) -> None:
    sets["updated_at"] = iso(store.clock.now())
    assignments = ", ".join(f"{k} = :{k}" for k in sets)
    store.conn.execute(f"UPDATE orders SET {assignments} WHERE id = :id", {**sets, "id": order_id})


def _expect(order: Order, op: str, *states: str) -> None:
    if order.status not in states:
        raise Refused(f"sales.refused.{op}", number=order.number, status_key=f"sales.status.{order.status}")


def _next_seq(store: Store, table: str, year: int) -> int:
    return store.conn.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table} WHERE year = ?",
                              (year,)).fetchone()[0]


def _local_day(store: Store, settings: Settings) -> date:
    return store.clock.now().astimezone(settings.office.tz).date()


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


# -- request, agreement, documents --------------------------------------------------------------


def create_order(store: Store, settings: Settings, actor: User | None, *, customer_name: str | None = None,
                 segment: str | None = None, npwp: str | None = None, guest_id: str | None = None,
                 ticket_id: str | None = None, abroad: bool = False) -> Order:
    """A new request, for the called ticket's guest (name, segment, NPWP from the guestbook)."""
    visit_id = None
    if guest_id:
        guest = store.row("SELECT name, segment, npwp FROM guests WHERE id = ? AND anonymised_at IS NULL",
                          (guest_id,))
        if guest is None:
            raise NotFound("guestbook.unknown_guest")
        customer_name = customer_name or guest["name"]
        segment = segment or guest["segment"]
        npwp = npwp or guest["npwp"]
        if ticket_id:
            visit = store.row("SELECT id FROM visits WHERE ticket_id = ?", (ticket_id,))
            visit_id = visit["id"] if visit else None
    errors: dict[str, FieldInvalid] = {}
    try:
        customer_name = identity.name(customer_name)
    except FieldInvalid as exc:
        errors["customer_name"] = exc
    try:
        segment = identity.choice("segment", segment)
    except FieldInvalid as exc:
        errors["segment"] = exc
    if npwp:
        try:
            npwp = identity.npwp(npwp)
        except FieldInvalid as exc:
            errors["npwp"] = exc
    if errors:
        raise Invalid(errors)
    day = _local_day(store, settings)
    regulation = active(store).in_force(day)
    with store.write():
        require(store, actor, *OFFICERS)
        year = day.year
        seq = _next_seq(store, "orders", year)
        stamp = iso(store.clock.now())
        row = {"id": new_id(), "created_at": stamp, "updated_at": stamp, "terminal_id": store.terminal_id,
               "number": f"ORD/{settings.office.code}/{year}/{seq:04d}", "year": year, "seq": seq,
               "status": "draft", "guest_id": guest_id, "visit_id": visit_id, "ticket_id": ticket_id,
               "customer_name": customer_name, "segment": segment, "npwp": npwp, "abroad": int(abroad),
               "regulation": regulation.code, "created_by": actor.id if actor else None}
        store.db["orders"].insert(row)
        return _record(store, actor, row["id"], "create", {})


def add_line(store: Store, actor: User | None, order_id: str, *, product: str, quantity: int = 1,
             measure: int | None = None, listed_price: int | None = None, description: str = "") -> Order:
    """Add a product from the catalogue in force; the amount is computed here, never typed."""
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "edit", "draft", "checked")
        reg = active(store).by_code(order.regulation)
        item = next((p for p in reg.product if p.code == product), None) if reg else None
        if item is None:
            raise NotFound("sales.unknown_product", product=product,
                           regulation=reg.title if reg else order.regulation)
        if order.status == "checked" and item.needs_documents and not order.abstraksi:
            # The documents were checked for other products: microdata and maps need the abstraksi.
            raise Refused("sales.abstraksi_not_checked", number=order.number, product=item.name_id)
        amount = price(item, quantity, measure, listed_price)
        store.db["order_lines"].insert({
            "id": new_id(), "created_at": iso(store.clock.now()), "terminal_id": store.terminal_id,
            "order_id": order.id, "product": item.code,
            "description": field_text("description", description, "text.field.description", max_len=200)
                           or item.name_id,
            "quantity": quantity, "measure": measure, "listed_price": listed_price, "amount": amount,
            "kind": item.kind, "needs_documents": int(item.needs_documents)})
        _set(store, order.id)
        return _record(store, actor, order.id, "add_line", {"product": item.code, "amount": amount})


def remove_line(store: Store, actor: User | None, order_id: str, line_id: str) -> Order:
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "edit", "draft", "checked")
        done = store.conn.execute("UPDATE order_lines SET removed_at = ? WHERE id = ? AND order_id = ?"
                                  " AND removed_at IS NULL", (iso(store.clock.now()), line_id, order.id)).rowcount
        if not done:
            raise NotFound("sales.unknown_line")
        _set(store, order.id)
        return _record(store, actor, order.id, "remove_line", {"line": line_id})


def agree(store: Store, actor: User | None, order_id: str, *, zero_basis: str | None = None) -> Order:
    """The customer agreed to the tariff and the required documents (PNBP terms)."""
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "agree", "draft")
        if not order.lines:
            raise Refused("sales.no_lines", number=order.number)
        if order.segment == "swasta" and not order.npwp:
            raise Refused("sales.npwp_required", number=order.number)
        if zero_basis:
            basis = active(store).basis(zero_basis)
            if order.segment not in basis.segments:
                raise Refused("sales.zero_not_allowed", basis=basis.name_id,
                              segment=identity.choice_name("segment", order.segment, "id"))
        _set(store, order.id, status="agreed", agreed_at=iso(store.clock.now()), zero_basis=zero_basis)
        return _record(store, actor, order.id, "agree", {"zero_basis": zero_basis})


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


# -- invoice -------------------------------------------------------------------------------------


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


def mark_prepared(store: Store, actor: User | None, order_id: str) -> Order:
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "prepare", "checked", "invoiced", "paid", "receipted")
        _set(store, order.id, prepared_at=iso(store.clock.now()))
        return _record(store, actor, order.id, "prepare", {})


def cancel(store: Store, actor: User | None, order_id: str, *, reason: str) -> Order:
    reason = _reason(reason)
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "cancel", "draft", "agreed", "checked", "invoiced")
        now = _void_invoice(store, order, reason)
        _set(store, order.id, status="cancelled", cancelled_at=now, cancel_reason=reason)
        return _record(store, actor, order.id, "cancel", {"reason": reason})

