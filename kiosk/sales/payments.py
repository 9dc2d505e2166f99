"""Payment, the treasurer's verification and receipt (kuitansi), the signed SPPD, hand-over
and corrections within five working days (seeds 001-004)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from kiosk import audit, reference
from kiosk.accounts import Forbidden, User, require
from kiosk.catalogue import active
from kiosk.clock import iso
from kiosk.config import Office, Settings
from kiosk.errors import FieldInvalid, Invalid, NotFound, Refused
from kiosk.ids import new_id
from kiosk.money import rupiah, terbilang
from kiosk.sales.models import ANYONE, OFFICERS, TREASURER, Order
from kiosk.sales.orders import _expect, _next_seq, _record, _set, get
from kiosk.store import Store
from kiosk.text import field_text, free_text
from kiosk.workdays import add_working_days

CORRECTION_WORKING_DAYS = 5
MEDIA = ("flashdisk", "email", "unduhan", "cd", "cetak")
METERAI_THRESHOLD = 5_000_000  # receipts above this carry a meterai (UU 10/2020)


def _check_payment_fields(method: str, billing_code: str | None, ntpn: str | None,
                          proof: str | None) -> dict[str, str | None]:
    errors: dict[str, FieldInvalid] = {}
    out: dict[str, str | None] = {"billing_code": None, "ntpn": None, "proof": None}
    if method not in ("cash", "billing", "transfer"):
        errors["method"] = FieldInvalid("invalid.choice")
    if method == "billing":
        code = re.sub(r"\s", "", billing_code or "")
        if not re.fullmatch(r"[0-9]{15}", code):
            errors["billing_code"] = FieldInvalid("sales.bad_billing_code")
        out["billing_code"] = code
        ntpn_value = re.sub(r"\s", "", ntpn or "").upper()
        if not re.fullmatch(r"[A-Z0-9]{16}", ntpn_value):
            errors["ntpn"] = FieldInvalid("sales.bad_ntpn")
        out["ntpn"] = ntpn_value
    if method == "transfer":
        try:
            out["proof"] = free_text(proof, "text.field.proof", max_len=200)
            if not out["proof"]:
                errors["proof"] = FieldInvalid("sales.proof_required")
        except FieldInvalid as exc:
            errors["proof"] = exc
    if errors:
        raise Invalid(errors)
    return out


def payment_date(text: object, today: date) -> date:
    """The day a payment was made, as typed from its proof (``DD-MM-YYYY`` or ISO
    ``YYYY-MM-DD``); never a day still to come."""
    if isinstance(text, date):
        day = text
    else:
        typed = str(text or "").strip()
        if not typed:
            raise FieldInvalid("invalid.required")
        day = None
        for pattern in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                day = datetime.strptime(typed, pattern).date()
                break
            except ValueError:
                continue
        if day is None:
            raise FieldInvalid("sales.paid_on.format")
    if day > today:
        raise FieldInvalid("sales.paid_on.future", date=f"{day:%d-%m-%Y}")
    return day


def submit_payment(store: Store, actor: User | None, order_id: str, *, method: str, amount: int,
                   billing_code: str | None = None, ntpn: str | None = None,
                   proof: str | None = None, paid_on: date | str | None = None,
                   settings: Settings | None = None) -> Order:
    """Record a payment against the active invoice: cash to the treasurer (paid today), a
    SIMPONI billing code with its NTPN once paid, or a bank transfer with proof (customers
    abroad), each with the payment date its proof carries (``paid_on``). The invoice's
    validity is checked against that date, not the moment the payment is recorded: a bill
    paid at the bank on its last valid day is accepted when recorded days later."""
    fields = _check_payment_fields(method, billing_code, ntpn, proof)
    tz = settings.office.tz if settings else Office().tz
    today = store.clock.now().astimezone(tz).date()
    if method not in ("billing", "transfer") or paid_on is None:
        day = today  # cash is counted at the desk now; a proof without a date is today's
    else:
        try:
            day = payment_date(paid_on, today)
        except FieldInvalid as exc:
            raise Invalid({"paid_on": exc}) from None
    with store.write():
        require(store, actor, *ANYONE)
        order = get(store, order_id)
        _expect(order, "pay", "invoiced")
        invoice = order.invoice
        now = store.clock.now()
        if invoice is None:
            raise Refused("sales.no_invoice", number=order.number)
        last_day = invoice.valid_until.astimezone(tz).date()
        if day > last_day:
            if day == today:
                raise Refused("sales.invoice_expired", number=invoice.number, until=f"{last_day:%d-%m-%Y}")
            raise Refused("sales.paid_on.after_validity", number=invoice.number, date=f"{day:%d-%m-%Y}",
                          until=f"{last_day:%d-%m-%Y}")
        if day < invoice.issued_at.astimezone(tz).date():
            raise Invalid({"paid_on": FieldInvalid("sales.paid_on.before_invoice", date=f"{day:%d-%m-%Y}",
                                                   issued=f"{invoice.issued_at.astimezone(tz):%d-%m-%Y}")})
        if amount != invoice.total:
            # In rupiah as the invoice writes it ("Rp0 ... Rp170.000", not "0 ... 170000").
            raise Refused("sales.amount_mismatch", amount=rupiah(amount), total=rupiah(invoice.total))
        if method == "transfer" and not order.abroad:
            raise Refused("sales.transfer_abroad_only", number=order.number)
        if any(p.status in ("submitted", "verified") and p.invoice_id == invoice.id for p in order.payments):
            raise Refused("sales.payment_pending", number=order.number)
        store.db["payments"].insert({
            "id": new_id(), "created_at": iso(now), "terminal_id": store.terminal_id,
            "order_id": order.id, "invoice_id": invoice.id, "method": method, "amount": amount,
            **fields, "paid_on": day.isoformat(), "status": "submitted",
            "submitted_by": actor.id if actor else None})
        _set(store, order.id)
        return _record(store, actor, order.id, "payment", {"method": method, "amount": amount})


def _require_treasurer(store: Store, actor: User | None) -> User:
    """Money is verified and receipted only by a logged-in treasurer, even while the desk
    is open (no accounts yet): the receipt names who took the money."""
    if actor is None:
        raise Forbidden("sales.treasurer_login")
    require(store, actor, *TREASURER)
    return actor


def verify_payment(store: Store, actor: User | None, order_id: str, *, accept: bool = True,
                   reason: str = "") -> Order:
    """The treasurer checks the money arrived (cash counted, NTPN or transfer confirmed). A
    rejection says why: the officer has to tell the customer what to bring or pay again."""
    reason = field_text("reason", reason, "text.field.reason")
    if not accept and not reason:
        raise Invalid({"reason": FieldInvalid("invalid.required")})
    with store.write():
        actor = _require_treasurer(store, actor)
        order = get(store, order_id)
        _expect(order, "verify", "invoiced")
        pending = next((p for p in order.payments if p.status == "submitted"), None)
        if pending is None:
            raise Refused("sales.no_payment", number=order.number)
        if order.invoice is None or pending.invoice_id != order.invoice.id:
            raise Refused("sales.no_invoice", number=order.number)
        if pending.amount != order.invoice.total:
            raise Refused("sales.amount_mismatch", amount=rupiah(pending.amount), total=rupiah(order.invoice.total))
        now = iso(store.clock.now())
        if accept:
            store.conn.execute("UPDATE payments SET status = 'verified', verified_at = ?, verified_by = ?"
                               " WHERE id = ?", (now, actor.id, pending.id))
            _set(store, order.id, status="paid")
        else:
            store.conn.execute("UPDATE payments SET status = 'rejected', reject_reason = ?, verified_at = ?,"
                               " verified_by = ? WHERE id = ?",
                               (reason or "-", now, actor.id, pending.id))
            _set(store, order.id)
        return _record(store, actor, order.id, "verify" if accept else "reject_payment",
                       {"payment": pending.id, "amount": pending.amount})


def issue_receipt(store: Store, settings: Settings, actor: User | None, order_id: str) -> Order:
    """The receipt (kuitansi), numbered per office and year, with the amount in words."""
    with store.write():
        actor = _require_treasurer(store, actor)
        order = get(store, order_id)
        _expect(order, "receipt", "paid")
        payment = next((p for p in order.payments if p.status == "verified"), None)
        if payment is None or order.invoice is None or payment.amount != order.invoice.total:
            raise Refused("sales.no_payment", number=order.number)
        now = store.clock.now()
        year = now.astimezone(settings.office.tz).year
        seq = _next_seq(store, "receipts", year)
        number = f"{seq:04d}/KW/{settings.office.code}/{year}"
        store.db["receipts"].insert({
            "id": new_id(), "created_at": iso(now), "terminal_id": store.terminal_id,
            "order_id": order.id, "payment_id": payment.id, "number": number, "year": year,
            "seq": seq, "amount": payment.amount, "terbilang": terbilang(payment.amount),
            "issued_at": iso(now), "issued_by": actor.id})
        _set(store, order.id, status="receipted")
        return _record(store, actor, order.id, "receipt", {"receipt": number, "amount": payment.amount})


def record_sppd(store: Store, actor: User | None, order_id: str, *, meterai: bool) -> Order:
    """The signed data use agreement came back, with its stamp duty (meterai)."""
    if not meterai:
        raise Invalid({"meterai": FieldInvalid("sales.meterai_required")})
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "sppd", "checked", "invoiced", "paid", "receipted")
        if not order.needs_documents(active(store)):
            raise Refused("sales.sppd_not_needed", number=order.number)
        _set(store, order.id, sppd_signed_at=iso(store.clock.now()), meterai=1)
        return _record(store, actor, order.id, "sppd", {})


def hand_over(store: Store, actor: User | None, order_id: str, *, medium: str) -> Order:
    """Give the product: after the receipt (or for Rp0 sales, after the check), once it is
    prepared, and for microdata and maps only with the signed SPPD."""
    if medium not in MEDIA:
        raise Invalid({"medium": FieldInvalid("invalid.choice")})
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        if order.zero_tariff:
            _expect(order, "deliver", "checked")
        else:
            _expect(order, "deliver", "receipted")
        if order.prepared_at is None:
            raise Refused("sales.not_prepared", number=order.number)
        if order.needs_documents(active(store)) and order.sppd_signed_at is None:
            raise Refused("sales.sppd_missing", number=order.number)
        _set(store, order.id, status="delivered", delivered_at=iso(store.clock.now()), medium=medium)
        return _record(store, actor, order.id, "deliver", {"medium": medium})


def request_correction(store: Store, settings: Settings, actor: User | None, order_id: str, *,
                       note: str) -> Order:
    """A correction of the delivered product, within five working days (seed 003)."""
    note = field_text("note", note, "text.field.note", multiline=True)
    if not note:
        raise Invalid({"note": FieldInvalid("invalid.required")})
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        _expect(order, "correct", "delivered")
        deadline = correction_deadline(store, settings, order)
        if store.clock.now() > deadline:
            raise Refused("sales.correction_late", days=CORRECTION_WORKING_DAYS, until=f"{deadline:%d-%m-%Y}")
        store.db["corrections"].insert({
            "id": new_id(), "created_at": iso(store.clock.now()), "terminal_id": store.terminal_id,
            "order_id": order.id, "note": note[:500], "requested_by": actor.id if actor else None})
        _set(store, order.id)
        return _record(store, actor, order.id, "correction", {"note": note[:100]})


def resolve_correction(store: Store, actor: User | None, order_id: str, correction_id: str, *,
                       resolution: str) -> Order:
    resolution = field_text("resolution", resolution, "text.field.resolution", multiline=True)
    if not resolution:
        raise Invalid({"resolution": FieldInvalid("invalid.required")})
    with store.write():
        require(store, actor, *OFFICERS)
        order = get(store, order_id)
        done = store.conn.execute(
            "UPDATE corrections SET resolved_at = ?, resolution = ?, resolved_by = ? WHERE id = ?"
            " AND order_id = ? AND resolved_at IS NULL",
            (iso(store.clock.now()), resolution[:500], actor.id if actor else None, correction_id,
             order.id)).rowcount
        if not done:
            raise NotFound("sales.unknown_correction")
        _set(store, order.id)
        return _record(store, actor, order.id, "resolve_correction", {"correction": correction_id})


def correction_deadline(store: Store, settings: Settings, order: Order) -> datetime | None:
    """The end of the last day a correction may be asked: five working days after hand-over,
    skipping weekends, the shipped holidays and those the centre published."""
    if order.delivered_at is None:
        return None
    delivered = order.delivered_at.astimezone(settings.office.tz).date()
    day = add_working_days(delivered, CORRECTION_WORKING_DAYS, reference.holidays(store))
    return datetime.combine(day, time.max, settings.office.tz)


__all__ = ["MEDIA", "METERAI_THRESHOLD", "audit", "correction_deadline", "hand_over", "issue_receipt", "payment_date",
           "record_sppd", "request_correction", "resolve_correction", "submit_payment", "verify_payment"]
