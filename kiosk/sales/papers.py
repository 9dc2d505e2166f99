"""Printing invoices, receipts and the data use agreement (SPPD): the order's facts, formatted and translated, laid out by
``printers.sales_documents`` and queued on the spooler like every printout."""

from __future__ import annotations

from stdnum.id import npwp as stdnum_npwp

from kiosk import identity, printing
from kiosk.accounts import ROLES, User, require
from kiosk.catalogue import active
from kiosk.config import Settings
from kiosk.errors import Refused
from kiosk.i18n import t
from kiosk.money import rupiah, terbilang
from kiosk.sales import documents
from kiosk.sales.models import Order
from kiosk.sales.orders import get
from kiosk.sales.payments import METERAI_THRESHOLD
from kiosk.sales.view import line_detail, line_title
from kiosk.store import Store
from printers.sales_documents import (InvoicePaper, PaperLine, ReceiptPaper, SppdPaper, invoice_document,
                                     receipt_document, sppd_document)


def _both(key: str, **params: object) -> str:
    return f"{t(key, 'id', **params)} / {t(key, 'en', **params)}"


def npwp_text(number: str) -> str:
    """An NPWP as printed: the legacy 15 digits as ``01.855.081.4-005.000``; the 16-digit
    NPWP (the NIK for a person) and a masked one as stored."""
    if len(number) == 15 and number.isdigit():
        return stdnum_npwp.format(number)
    return number


def _user_name(store: Store, user_id: str | None) -> str:
    row = store.row("SELECT name FROM users WHERE id = ?", (user_id,)) if user_id else None
    return row["name"] if row else ""


def invoice_paper(store: Store, settings: Settings, order: Order) -> InvoicePaper:
    invoice = order.invoice
    if invoice is None:
        raise Refused("sales.no_invoice", number=order.number)
    tz = settings.office.tz
    catalogue = active(store)
    # An order keeps the regulation it was priced under, even one a later catalogue lacks.
    reg = catalogue.by_code(order.regulation)
    lines = [PaperLine(description=line_title(order, line, catalogue, "id"),
                       detail=line_detail(order, line, catalogue, "id"),
                       amount=rupiah(line.amount)) for line in order.lines]
    extra = [identity.choice_name("segment", order.segment, "id")]
    if order.npwp:
        extra.append(f"NPWP {npwp_text(order.npwp)}")
    instructions = [t("paper.pay_cash", "id"), t("paper.pay_billing", "id")]
    if order.abroad:
        instructions.append(t("paper.pay_transfer", "id"))
    issuer = _user_name(store, store.row("SELECT issued_by FROM invoices WHERE id = ?", (invoice.id,))["issued_by"])
    return InvoicePaper(
        office_name=settings.office.name, office_address=settings.office.address,
        number=f"{invoice.number} v{invoice.version}",
        issued=f"{invoice.issued_at.astimezone(tz):%d-%m-%Y %H:%M}",
        valid_until=f"{invoice.valid_until.astimezone(tz):%d-%m-%Y}",
        customer=order.customer_name, customer_extra=extra, lines=lines,
        total=rupiah(invoice.total), terbilang=terbilang(invoice.total).capitalize(),
        instructions=instructions, sample_note=order.sample_note,
        regulation=t("paper.regulation", "id", title=reg.title if reg else order.regulation),
        officer=f"{t('paper.officer', 'id')}: {issuer}" if issuer else None,
        signer_title=t("paper.treasurer", "id"),
        signer_name=settings.office.treasurer_name,
        qr_payload=f"PSTI:{settings.office.code}:{invoice.id}:{invoice.number}:{invoice.version}",
        labels={"title": "INVOICE", "number": _both("paper.inv_number"),
                "issued": _both("paper.date"), "valid_until": _both("paper.valid_until"),
                "customer": t("paper.customer", "id"), "total": "TOTAL",
                "terbilang": t("paper.terbilang", "id"), "sample": t("paper.sample", "id"),
                "how_to_pay": _both("paper.how_to_pay")})


def receipt_paper(store: Store, settings: Settings, order: Order) -> ReceiptPaper:
    receipt = order.receipt
    if receipt is None:
        raise Refused("sales.no_payment", number=order.number)
    tz = settings.office.tz
    payment = next(p for p in order.payments if p.status == "verified")
    method = t(f"paper.method.{payment.method}", "id")
    if payment.method == "billing":
        method += f" {payment.billing_code}, NTPN {payment.ntpn}"
    elif payment.method == "transfer":
        method += f" ({payment.proof})"
    if payment.method != "cash" and payment.paid_on is not None:  # the date on the proof
        method += ", " + t("sales.paid_on.on_paper", "id", date=f"{payment.paid_on:%d-%m-%Y}")
    invoice = next(i for i in order.invoices if i.id == payment.invoice_id)
    day = f"{receipt.issued_at.astimezone(tz):%d-%m-%Y}"
    # The place is a city ("Sawahlunto, 26-11-2026"), never the office's name: without one
    # set (pst-kiosk init --city) the date stands alone.
    place = settings.office.city.strip()
    return ReceiptPaper(
        office_name=settings.office.name, office_address=settings.office.address,
        number=receipt.number,
        place_date=f"{place}, {day}" if place else day,
        received_from=order.customer_name, amount=rupiah(receipt.amount),
        terbilang=receipt.terbilang.capitalize(),
        purpose=t("paper.receipt_for", "id", order=order.number, invoice=invoice.number),
        payment=f"{t('paper.paid_by', 'id')}: {method}",
        meterai_note=t("paper.meterai", "id") if receipt.amount > METERAI_THRESHOLD else None,
        signer_title=t("paper.treasurer", "id"),
        # The treasurer named in the settings signs; an office without one set gets the name
        # of the treasurer who issued the receipt (always a logged-in treasurer).
        signer_name=settings.office.treasurer_name or _user_name(store, receipt.issued_by),
        qr_payload=f"PSTK:{settings.office.code}:{receipt.id}:{receipt.number}",
        labels={"title": "KUITANSI", "number": _both("paper.rcpt_number"),
                "received_from": t("paper.received_from", "id"),
                "amount_words": t("paper.amount_words", "id"), "for": t("paper.for", "id"),
                "amount": t("paper.amount", "id")})


def print_invoice(store: Store, settings: Settings, actor: User | None, order_id: str) -> str:
    """Queue the active invoice; a print after one that came out is marked as a copy."""
    order = get(store, order_id)
    paper = invoice_paper(store, settings, order)
    invoice = order.invoice
    label = invoice.number if invoice.version == 1 else f"{invoice.number} v{invoice.version}"
    return _queue(store, settings, actor, "invoice", invoice.id, label, invoice_document(paper))


def print_receipt(store: Store, settings: Settings, actor: User | None, order_id: str) -> str:
    order = get(store, order_id)
    paper = receipt_paper(store, settings, order)
    return _queue(store, settings, actor, "receipt", order.receipt.id, order.receipt.number,  # NNNN/KW/...
                  receipt_document(paper))


def sppd_paper(store: Store, settings: Settings, order: Order, officer: User | None = None) -> SppdPaper:
    """The SPPD pre-filled with the customer, the products and the stated use, to be signed
    on meterai; refused for an order that needs none or whose statement is not recorded."""
    catalogue = active(store)
    if not order.needs_documents(catalogue):
        raise Refused("sales.sppd_not_needed", number=order.number)
    if not order.abstraksi_text:
        raise Refused("sales.documents.sppd_needs_statement", number=order.number)
    extra = [f"{t('paper.sppd.segment', 'id')}: {identity.choice_name('segment', order.segment, 'id')}"]
    if order.npwp:
        extra.append(f"NPWP {npwp_text(order.npwp)}")
    day = f"{store.clock.now().astimezone(settings.office.tz):%d-%m-%Y}"
    place = settings.office.city.strip()
    return SppdPaper(
        office_name=settings.office.name, office_address=settings.office.address, order_number=order.number,
        customer=order.customer_name, customer_extra=extra,
        products=[PaperLine(description=line_title(order, line, catalogue, "id"),
                            detail=line_detail(order, line, catalogue, "id"),
                            amount="") for line in order.lines],
        statement=order.abstraksi_text, clauses=[t(f"paper.sppd.clause{n}", "id") for n in range(1, 6)],
        breach=t("paper.sppd.breach", "id"), place_date=f"{place}, {day}" if place else day,
        officer_name=officer.name if officer else "",
        qr_payload=f"PSTS:{settings.office.code}:{order.id}:{order.number}",
        labels={key: t(f"paper.sppd.{key}", "id", **({"office": settings.office.name} if key == "products" else {}))
                for key in ("title", "order", "intro", "name", "products", "use", "agrees", "customer",
                            "meterai", "officer")})


def print_sppd(store: Store, settings: Settings, actor: User | None, order_id: str) -> str:
    """Queue the SPPD for signature (printed like the invoice; a print after one that came
    out is a marked copy) and note on the order when it was first printed."""
    order = get(store, order_id)
    paper = sppd_paper(store, settings, order, actor)
    job = _queue(store, settings, actor, "sppd", f"{order.id}:sppd", f"SPPD {order.number}", sppd_document(paper))
    documents.sppd_printed(store, actor, order.id)
    return job


def _queue(store: Store, settings: Settings, actor: User | None, kind: str, ref_id: str, label: str, doc) -> str:  # noqa: ANN001
    """The job to print now: a copy (marked) once the paper came out, else the original again
    (a first print that failed is not a copy), else a new original."""
    printed = store.row("SELECT 1 FROM print_jobs WHERE ref_id = ? AND status IN ('printed', 'sent')"
                        " LIMIT 1", (ref_id,))
    if printed:  # a copy of what came out; made again from the records if that no longer reads back
        return printing.reprint(store, ref_id, actor=actor, settings=settings,
                               printer=settings.destination("counter"), fresh=doc)
    # A held original (made with no printer) stays held: the officer's print is a new one,
    # as it is when the original's document no longer reads back (a damaged disk).
    for original in store.rows("SELECT id, document FROM print_jobs WHERE ref_id = ? AND status != 'held'"
                               " ORDER BY created_at, id", (ref_id,)):
        if printing.readable(original["document"]):
            require(store, actor, *ROLES)
            return original["id"]
    with store.write():
        require(store, actor, *ROLES)
        return printing.enqueue(store, settings, face="counter", kind=kind, label=label,
                                document=doc, ref_id=ref_id)
