"""Layouts: domain facts in, ``Document`` out. Labels arrive already translated."""

from __future__ import annotations

from dataclasses import dataclass, field

from printers.document import Document


@dataclass(frozen=True)
class TicketSlip:
    """What a queue ticket shows. ``labels`` come from the catalogue (bilingual)."""

    office_name: str
    office_address: str
    service_name: str
    number: str
    issued_local: str  # e.g. '23-11-2026 09:15'
    ahead: int
    qr_payload: str
    complaint_channels: list[str] = field(default_factory=list)
    priority: bool = False
    copy: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    estimate: list[str] = field(default_factory=list)  # the wait estimate, a line per language
    link: str = ""  # the ticket's page on the office network (a second QR), where configured


def ticket_document(slip: TicketSlip) -> Document:
    """The queue ticket: office, service, the number large, time, people ahead, QR, channels."""
    lab = slip.labels
    doc = Document(title=f"ticket {slip.number}")
    doc.text(slip.office_name, align="center", bold=True)
    if slip.office_address:
        doc.text(slip.office_address, align="center")
    doc.rule()
    if slip.copy:
        doc.text(lab.get("copy", "COPY"), align="center", bold=True)
    doc.text(lab.get("number", "Number"), align="center")
    doc.text(slip.number, align="center", bold=True, size=4)
    doc.text(slip.service_name, align="center", bold=True)
    if slip.priority:
        doc.text(lab.get("priority", "Priority"), align="center", bold=True)
    doc.text(slip.issued_local, align="center")
    doc.text(lab.get("ahead", "Ahead: {count}").format(count=slip.ahead), align="center")
    for line in slip.estimate:
        doc.text(line, align="center")
    doc.qr(slip.qr_payload, size=5)
    doc.text(lab.get("wait", ""), align="center")
    if slip.link:
        doc.rule()
        doc.text(lab.get("link", ""), align="center")
        doc.qr(slip.link, size=4)
        doc.text(slip.link, align="center")
    if slip.complaint_channels:
        doc.rule()
        doc.text(lab.get("complaints", "Complaints"), bold=True)
        for channel in slip.complaint_channels:
            doc.text(channel)
    doc.cut()
    return doc


def printer_test_document(office_name: str, printer_url: str, paper_mm: int, when: str,
                  labels: dict[str, str]) -> Document:
    """A test page: every element kind once, so an officer sees the printer works."""
    doc = Document(title="test page")
    doc.text(office_name, align="center", bold=True)
    doc.text(labels.get("title", "Test"), align="center", bold=True, size=2)
    doc.rule()
    doc.text(f"{printer_url}  {paper_mm} mm")
    doc.text(when)
    doc.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789")
    doc.qr(f"test:{when}", size=4)
    doc.cut()
    return doc


@dataclass(frozen=True)
class LockerSlip:
    """The slip a visitor keeps while the desk holds their ID card."""

    office_name: str
    locker_no: int
    holder_name: str
    id_label: str  # e.g. 'KTP 3273********0001' (masked)
    assigned_local: str
    qr_payload: str
    labels: dict[str, str] = field(default_factory=dict)


def locker_slip_document(slip: LockerSlip) -> Document:
    lab = slip.labels
    doc = Document(title=f"locker {slip.locker_no}")
    doc.text(slip.office_name, align="center", bold=True)
    doc.rule()
    doc.text(lab.get("locker", "Locker"), align="center")
    doc.text(str(slip.locker_no), align="center", bold=True, size=4)
    doc.text(slip.holder_name, align="center", bold=True)
    doc.text(slip.id_label, align="center")
    doc.text(slip.assigned_local, align="center")
    doc.qr(slip.qr_payload, size=5)
    doc.text(lab.get("note", ""), align="center")
    doc.cut()
    return doc
