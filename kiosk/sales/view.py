"""What the counter shows of an order: the actions allowed now for a role, and the
history. The use cases in ``kiosk.sales`` and ``kiosk.sales.payments`` check the rules again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk.catalogue import Catalogue, Product, active
from kiosk.config import Settings
from kiosk.i18n import t
from kiosk.money import rupiah, thousands
from kiosk.sales.models import Line, Order, OrderRow, Payment
from kiosk.sales.payments import correction_deadline
from kiosk.store import Store


def state(order: Order, lang: str, now: datetime | None = None) -> str:
    """The order's state as the counter says it: a recorded payment makes an invoiced order
    "awaiting the treasurer's verification", with the method and amount; given ``now``, an
    unpaid invoice past its last day reads "invoice expired", not "awaiting payment"."""
    payment = order.submitted_payment
    if payment is not None:
        return t("sales.awaiting_verification_of", lang, method=t(f"paper.method.{payment.method}", lang),
                 amount=rupiah(payment.amount))
    if now is not None and order.status == "invoiced" and order.invoice and order.invoice.valid_until < now:
        return t("sales.invoice_expired_state", lang)
    return t(f"sales.status.{order.status}", lang)


def row_state(row: OrderRow, lang: str, now: datetime | None = None) -> str:
    """The state of an order in the list (no amount: the list has a total column). Its words
    match the list's filters: "awaiting payment" (W) is exactly an invoiced order with a valid
    invoice and no payment recorded; given ``now``, an expired one reads "invoice expired"."""
    if row.awaiting_verification:
        return t("sales.awaiting_verification", lang)
    if now is not None and row.status == "invoiced" and row.valid_until and row.valid_until < now:
        return t("sales.invoice_expired_state", lang)
    return t(f"sales.status.{row.status}", lang)


def status_name(status: str, lang: str) -> str:
    """A stored status as the status filter offers it. "invoiced" holds every invoiced order not
    yet settled (awaiting payment, awaiting verification, expired), so it is not called
    "awaiting payment" as the narrower W filter is."""
    if status == "invoiced":
        return t("orders.status_invoiced", lang)
    return t(f"sales.status.{status}", lang)


def payment_status(status: str, lang: str) -> str:
    """A payment's status in words: awaiting verification, verified, rejected."""
    return t(f"sales.payment.{status}", lang)


def payment_documents(payment: Payment, lang: str) -> str:
    """What proves a payment, as the treasurer checks it: the billing code and NTPN, or the
    transfer's proof, with the date on it (cash: the day it was counted)."""
    day = f"{payment.paid_on:%d-%m-%Y}" if payment.paid_on else ""
    if payment.method == "billing":
        return t("salescounter.billing_documents", lang, code=payment.billing_code or "-",
                 ntpn=payment.ntpn or "-", date=day)
    if payment.method == "transfer":
        return t("salescounter.transfer_documents", lang, proof=payment.proof or "-", date=day)
    return t("salescounter.cash_documents", lang, date=day)


def allowed_actions(store: Store, settings: Settings, order: Order, role: str | None) -> list[str]:
    """The actions a person with ``role`` may take on the order now (None: open desk, where
    anyone may act as an officer but money is verified only by a logged-in treasurer).
    The use cases check the same rules again; this only decides what a screen offers, so
    nothing offered here is refused there."""
    officer = role in (None, "petugas", "admin")
    treasurer = role == "bendahara"
    now = store.clock.now()
    needs_documents = order.needs_documents(active(store))
    s = order.status
    invoice_live = order.invoice is not None and now <= order.invoice.valid_until
    verified = any(p.status == "verified" for p in order.payments)
    pending = any(p.status == "submitted" for p in order.payments)
    acts: list[str] = []
    if officer and s in ("draft", "checked"):
        acts += ["add_line"] + (["remove_line"] if order.lines else [])
    if officer and s == "draft" and order.lines:
        acts.append("agree")
    if officer and s == "agreed":
        acts.append("check")
    if officer and s == "checked" and not order.zero_tariff and order.lines:
        acts.append("invoice")
    # A payment waiting for the treasurer may already be in the treasury: no revision nor
    # cancel until the treasurer verifies or rejects it.
    if officer and s == "invoiced" and not verified and not pending:
        if order.invoice is not None and order.invoice.customer_check is None and invoice_live:
            acts.append("customer_check")  # seed 000 steps 17-18: accepted, or a revision asked
        acts.append("revise")
    if officer and s in ("checked", "invoiced", "paid", "receipted") and order.prepared_at is None:
        acts.append("prepare")
    # An expired invoice is revised (a new version) or the order cancelled; a payment made at
    # the bank while it was valid may still be recorded (its proof's date is checked).
    if (officer or treasurer) and s == "invoiced" and not pending:
        acts.append("pay")
    if treasurer and s == "invoiced" and pending:
        acts += ["verify", "reject"]
    if treasurer and s == "paid":
        acts.append("receipt")
    if (officer and needs_documents and s in ("checked", "invoiced", "paid", "receipted")
            and order.sppd_signed_at is None):
        acts.append("sppd")
    if (officer and (s == "receipted" or (s == "checked" and order.zero_tariff))
            and order.prepared_at is not None and (not needs_documents or order.sppd_signed_at is not None)):
        acts.append("deliver")
    if officer and s == "delivered":
        deadline = correction_deadline(store, settings, order)
        if deadline is not None and now <= deadline:
            acts.append("correction")
        if any(c.resolved_at is None for c in order.corrections):
            acts.append("resolve")
    if order.invoice is not None and (invoice_live or s != "invoiced"):
        acts.append("print_invoice")
    if order.receipt is not None:
        acts.append("print_receipt")
    if (officer and needs_documents and order.abstraksi_text
            and s in ("checked", "invoiced", "paid", "receipted")):
        acts.append("print_sppd")  # pre-filled, for signature on meterai (seed 000 steps 15-16)
    if officer and s in ("draft", "agreed", "checked", "invoiced") and not verified and not pending:
        acts.append("cancel")
    return acts


def documents(order: Order, catalogue: Catalogue) -> dict[str, bool]:
    """The order's checklist, key (``orders.doc.<key>``) -> done: the documents this order
    needs, the microdata sample shown, the product prepared."""
    out: dict[str, bool] = {}
    if order.needs_documents(catalogue):
        out["abstraksi"] = order.abstraksi
        out["sppd"] = order.sppd_signed_at is not None and order.meterai
    if order.zero_tariff:
        out["letter"] = order.request_letter
    if order.has_kind(catalogue, "microdata"):
        out["sample"] = bool(order.sample_note)
    out["prepared"] = order.prepared_at is not None
    return out


def _product(order: Order, line: Line, catalogue: Catalogue) -> Product | None:
    """The line's tariff item under the order's regulation (None: a regulation, or an item,
    a later catalogue lacks)."""
    reg = catalogue.by_code(order.regulation)
    return next((p for p in reg.product if p.code == line.product), None) if reg else None


def line_title(order: Order, line: Line, catalogue: Catalogue, lang: str) -> str:
    """What a line is: its tariff item's name, then what the officer typed about it
    ("Peta kabupaten/kota menurut desa: Kota Sawahlunto 2024, SHP"). A typed description
    alone hid which tariff priced the line, on the screen and on the invoice."""
    product = _product(order, line, catalogue)
    if product is None:  # a regulation a later catalogue lacks: the line as it was kept
        return line.description or line.product
    typed = line.description.strip()
    name = product.name(lang)
    return name if typed in ("", product.name_id, product.name_en) else f"{name}: {typed}"


def line_detail(order: Order, line: Line, catalogue: Catalogue, lang: str) -> str:
    """Quantity with its unit, and what the tariff reads besides, with its unit: the size of a
    tiered product (``1 dataset, 2.500.000 byte``), the printed price of a listed one
    (``3 eksemplar @ Rp40.000``). A size typed for a product whose tariff does not use it is
    not shown: it has no unit and priced nothing."""
    product = _product(order, line, catalogue)
    detail = f"{thousands(line.quantity)} {product.unit(lang) if product else ''}".strip()
    if line.measure and (product is None or product.rule == "tiered"):
        detail += f", {thousands(line.measure)} {product.measure(lang) if product else ''}".rstrip()
    if line.listed_price is not None and (product is None or product.rule == "listed"):
        detail += f" @ {rupiah(line.listed_price)}"
    return detail


def timeline(order: Order, lang: str = "id") -> list[tuple[datetime, str, dict[str, Any]]]:
    """What happened to the order, in time order: (when, event key, params), the params
    already in words for ``lang`` (payment method, amount in rupiah)."""
    events: list[tuple[datetime, str, dict[str, Any]]] = [(order.created_at, "created", {})]
    for stamp, key in ((order.agreed_at, "agreed"), (order.checked_at, "checked"),
                       (order.referred_at, "referred"), (order.prepared_at, "prepared"),
                       (order.sppd_signed_at, "sppd"), (order.delivered_at, "delivered"),
                       (order.cancelled_at, "cancelled")):
        if stamp and key == "delivered" and order.medium:  # on what the customer took it
            events.append((stamp, "delivered_on", {"medium": t(f"orders.medium.{order.medium}", lang)}))
        elif stamp:
            events.append((stamp, key, {}))
    if order.abstraksi_text and (order.checked_at or order.referred_at):
        events.append((order.checked_at or order.referred_at, "statement", {"text": order.abstraksi_text}))
    if order.sppd_printed_at:
        # Recorded when the SPPD is queued, printer or not: "made", never "printed" (a trial
        # with no printer read "SPPD dicetak"; the print's own result says whether it came out).
        events.append((order.sppd_printed_at, "sppd_made", {}))
    for inv in order.invoices:
        events.append((inv.issued_at, "invoiced", {"number": inv.number, "version": inv.version}))
        if inv.customer_checked_at:
            if inv.customer_check == "accepted":
                note = t("sales.documents.accepted_note", lang, note=inv.customer_note) if inv.customer_note else ""
                events.append((inv.customer_checked_at, "check_accepted",
                               {"number": inv.number, "version": inv.version, "note": note}))
            else:
                events.append((inv.customer_checked_at, "check_revision",
                               {"number": inv.number, "version": inv.version, "note": inv.customer_note or ""}))
        if inv.voided_at:
            events.append((inv.voided_at, "voided", {"number": inv.number, "version": inv.version,
                                                     "reason": inv.void_reason or ""}))
    for p in order.payments:
        paid = {"method": t(f"paper.method.{p.method}", lang), "amount": rupiah(p.amount)}
        if p.paid_on is not None and p.method != "cash":
            events.append((p.created_at, "payment_on", {**paid, "date": f"{p.paid_on:%d-%m-%Y}"}))
        else:
            events.append((p.created_at, "payment", paid))
        if p.verified_at:
            reason = (p.reject_reason or "").strip("- ")
            if p.status == "rejected" and reason:  # the officer tells the customer why
                events.append((p.verified_at, "rejected_because", {"reason": reason}))
            else:
                events.append((p.verified_at, "verified" if p.status == "verified" else "rejected", {}))
    if order.receipt:
        events.append((order.receipt.issued_at, "receipt", {"number": order.receipt.number}))
    for c in order.corrections:
        events.append((c.created_at, "correction", {"note": c.note}))
        if c.resolved_at:
            events.append((c.resolved_at, "resolved", {"note": c.resolution or ""}))
    return sorted(events, key=lambda e: e[0])
