"""Invoice, receipt (kuitansi) and data use agreement (SPPD) layouts for 58 and 80 mm paper. Labels and money text
arrive already formatted and translated; this module only arranges them."""

from __future__ import annotations

from dataclasses import dataclass, field

from printers.document import Document


@dataclass(frozen=True)
class PaperLine:
    description: str
    detail: str  # e.g. '1 dataset, 2.500.000 byte'
    amount: str  # 'Rp50.000'


@dataclass(frozen=True)
class InvoicePaper:
    office_name: str
    office_address: str
    number: str  # 'INV/1373/2026/0001 v2'
    issued: str
    valid_until: str
    customer: str
    customer_extra: list[str]
    lines: list[PaperLine]
    total: str
    terbilang: str
    instructions: list[str]
    sample_note: str | None
    regulation: str
    signer_title: str  # the treasurer (bendahara penerimaan) signs
    signer_name: str  # '' leaves the name to be written by hand
    qr_payload: str
    officer: str | None = None  # 'Petugas PST: Budi Santoso', who issued it
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReceiptPaper:
    office_name: str
    office_address: str
    number: str
    place_date: str
    received_from: str
    amount: str
    terbilang: str
    purpose: str
    payment: str
    meterai_note: str | None
    signer_title: str
    signer_name: str
    qr_payload: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SppdPaper:
    """The data use agreement (SPPD), pre-filled for the customer to sign on meterai."""

    office_name: str
    office_address: str
    order_number: str
    customer: str
    customer_extra: list[str]
    products: list[PaperLine]
    statement: str  # the customer's statement of data use (abstraksi), as they gave it
    clauses: list[str]
    breach: str
    place_date: str
    officer_name: str  # '' leaves the name to be written by hand
    qr_payload: str
    labels: dict[str, str] = field(default_factory=dict)


def _header(doc: Document, office: str, address: str, title: str) -> None:
    doc.text(office, align="center", bold=True)
    if address:
        doc.text(address, align="center")
    doc.rule()
    doc.text(title, align="center", bold=True, size=2)


def _signature(doc: Document, title: str, name: str) -> None:
    doc.feed()
    doc.text(title, align="right")
    doc.feed(3)
    doc.text("(" + "_" * max(12, len(name)) + ")", align="right")
    if name:
        doc.text(name, align="right", bold=True)


def invoice_document(paper: InvoicePaper) -> Document:
    lab = paper.labels
    doc = Document(title=f"invoice {paper.number}")
    _header(doc, paper.office_name, paper.office_address, lab.get("title", "INVOICE"))
    doc.pair(lab.get("number", "No."), paper.number)
    doc.pair(lab.get("issued", "Date"), paper.issued)
    doc.pair(lab.get("valid_until", "Valid until"), paper.valid_until, bold=True)
    doc.text(f"{lab.get('customer', 'Customer')}: {paper.customer}")
    for extra in paper.customer_extra:
        doc.text(extra)
    doc.rule()
    for line in paper.lines:
        doc.text(line.description, bold=True)
        doc.pair(line.detail, line.amount)
    doc.rule()
    doc.pair(lab.get("total", "TOTAL"), paper.total, bold=True)
    doc.text(f"{lab.get('terbilang', 'In words')}: {paper.terbilang}")
    if paper.sample_note:
        doc.text(f"{lab.get('sample', 'Sample')}: {paper.sample_note}")
    doc.rule()
    doc.text(lab.get("how_to_pay", "Payment"), bold=True)
    for instruction in paper.instructions:
        doc.text(f"- {instruction}")
    doc.text(paper.regulation)
    doc.qr(paper.qr_payload, size=4)
    if paper.officer:
        doc.text(paper.officer)
    _signature(doc, paper.signer_title, paper.signer_name)
    doc.cut()
    return doc


def receipt_document(paper: ReceiptPaper) -> Document:
    lab = paper.labels
    doc = Document(title=f"receipt {paper.number}")
    _header(doc, paper.office_name, paper.office_address, lab.get("title", "RECEIPT"))
    doc.pair(lab.get("number", "No."), paper.number)
    doc.text(f"{lab.get('received_from', 'Received from')}: {paper.received_from}")
    doc.text(f"{lab.get('amount_words', 'The sum of')}: {paper.terbilang}", bold=True)
    doc.text(f"{lab.get('for', 'For')}: {paper.purpose}")
    doc.text(paper.payment)
    doc.rule()
    doc.pair(lab.get("amount", "Amount"), paper.amount, bold=True)
    doc.rule()
    doc.text(paper.place_date, align="right")
    if paper.meterai_note:
        doc.text(paper.meterai_note, align="right")
    _signature(doc, paper.signer_title, paper.signer_name)
    doc.qr(paper.qr_payload, size=4)
    doc.cut()
    return doc


def sppd_document(paper: SppdPaper) -> Document:
    lab = paper.labels
    doc = Document(title=f"sppd {paper.order_number}")
    _header(doc, paper.office_name, paper.office_address, "SPPD")
    doc.text(lab.get("title", "DATA USE AGREEMENT"), align="center", bold=True)
    doc.pair(lab.get("order", "Order"), paper.order_number)
    doc.rule()
    doc.text(lab.get("intro", "The undersigned:"))
    doc.text(f"{lab.get('name', 'Name')}: {paper.customer}", bold=True)
    for extra in paper.customer_extra:
        doc.text(extra)
    doc.text(lab.get("products", "Data obtained:"))
    for line in paper.products:
        doc.text(f"- {line.description}", bold=True)
        doc.text(f"  {line.detail}")
    doc.text(lab.get("use", "Will be used for:"))
    for line in paper.statement.splitlines():
        doc.text(f"  {line}")
    doc.text(lab.get("agrees", "hereby undertakes:"))
    for n, clause in enumerate(paper.clauses, 1):
        doc.text(f"{n}. {clause}")
    doc.text(paper.breach)
    doc.rule()
    doc.text(paper.place_date, align="right")
    doc.text(lab.get("customer", "Data user"), align="right")
    doc.feed()
    doc.text(lab.get("meterai", "[ meterai ]"), align="right")
    doc.feed(2)
    doc.text("(" + "_" * max(12, len(paper.customer)) + ")", align="right")
    doc.text(paper.customer, align="right", bold=True)
    _signature(doc, lab.get("officer", "Officer"), paper.officer_name)
    doc.qr(paper.qr_payload, size=4)
    doc.cut()
    return doc
