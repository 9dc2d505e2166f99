"""The sales order and what hangs on it (lines, invoices, payments, receipt, corrections),
as the use cases return them; the states and who may act."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel

from kiosk.catalogue import Catalogue

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
    # The customer's check of this invoice (and the sample shown): accepted, or a revision
    # asked with what (seed 000 steps 17-18, seed 001 step 10).
    customer_check: Literal["accepted", "revision"] | None = None
    customer_checked_at: datetime | None = None
    customer_note: str | None = None


class Payment(BaseModel):
    id: str
    method: Literal["cash", "billing", "transfer"]
    amount: int
    billing_code: str | None
    ntpn: str | None
    proof: str | None
    status: Literal["submitted", "verified", "rejected"]
    created_at: datetime
    paid_on: date | None = None  # the payment's own date, from its proof (NTPN, transfer); cash: the day counted
    verified_at: datetime | None
    invoice_id: str
    reject_reason: str | None = None  # why the treasurer rejected it ("-": from before a reason was required)


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
    abstraksi_text: str | None = None  # the customer's statement of data use, as they gave it
    sample_note: str | None
    prepared_at: datetime | None
    sppd_signed_at: datetime | None
    sppd_printed_at: datetime | None = None  # first printed for signature on meterai
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
