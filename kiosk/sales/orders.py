"""Orders: reading and listing them, the request with its lines, the customer's agreement,
the product prepared. Every step is one transaction with its outbox change and audit entry."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from kiosk import audit, identity
from kiosk.accounts import User, require
from kiosk.catalogue import active, price
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.errors import FieldInvalid, Invalid, NotFound, Refused, excerpt
from kiosk.ids import new_id
from kiosk.sales.models import OFFICERS, Invoice, Order, OrderRow
from kiosk.store import Store
from kiosk.text import field_text

# -- reading --------------------------------------------------------------------------


def get(store: Store, order_id: str) -> Order:
    row = store.row("SELECT * FROM orders WHERE id = ? OR number = ?", (order_id, order_id))
    if row is None:
        raise NotFound("sales.unknown_order", order=excerpt(order_id))
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
    receipt travel whole for the centre's reports. The active invoice is not sent twice: it
    is the one of ``invoices`` not voided (the centre and a restore read ``invoices``)."""
    payload = order.model_dump(mode="json", exclude={"invoice"})
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


# -- request, agreement --------------------------------------------------------------------------


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
    elif guest_id is None and segment == "swasta" and not abroad:  # (a firm abroad has no NPWP)
        # A walk-in firm's order without its NPWP could never be agreed (``agree``), and
        # nothing adds it later: asked for here, under the field, not found out at S.
        errors["npwp"] = FieldInvalid("invalid.npwp_required")
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
            raise NotFound("sales.unknown_product", product=excerpt(product),
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


def mark_prepared(store: Store, actor: User | None, order_id: str) -> Order:
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "prepare", "checked", "invoiced", "paid", "receipted")
        _set(store, order.id, prepared_at=iso(store.clock.now()))
        return _record(store, actor, order.id, "prepare", {})
