"""Service records: what each served visitor came for, filled at the counter while or
after serving and editable until the end of the ticket's day.

By service: a consultation's subject (``data/subjects.toml``), the data sought
(indicator, region level, period) and the outcome; the publications a library visitor
consulted; a recommendation request's agency, planned activity, its stage and the
reference number once passed on to BPS's recommendation system (Romantik); a sale's
order, linked by the ticket. Every field is optional. Each save writes the outbox
(entity ``service_record``) and the audit trail. The reports read them: visits by subject
and outcome, and the data sought and not available (the office's unmet data needs)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kiosk import audit
from kiosk.accounts import User, require
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.desk import subjects
from kiosk.desk.text import clean
from kiosk.errors import FieldInvalid, Invalid, NotFound, Refused, excerpt
from kiosk.ids import new_id
from kiosk.store import Store

WRITERS = ("petugas", "admin")  # the frontline desk; the treasurer's desk records no visits
OUTCOMES = ("answered", "found", "referred_sale", "referred_online", "not_available")
REGION_LEVELS = ("national", "province", "regency", "district", "village")
STAGES = ("consultation", "submitted", "revision", "recommended")
MEDIA = ("printed", "digital")
RECORDED = ("called", "serving", "done")  # a ticket at the counter or finished can carry a record
# Field -> longest text accepted.
TEXT_FIELDS = {"indicator": 200, "period": 60, "source": 200, "note": 1000, "agency": 200,
               "activity": 200, "reference_number": 60}
CHOICES: dict[str, tuple[str, ...]] = {"outcome": OUTCOMES, "region_level": REGION_LEVELS, "stage": STAGES}
PUBLICATIONS_MAX = 20
PUBLICATION_TITLE_MAX = 200


class Publication(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    title: str
    medium: Literal["printed", "digital"]


class ServiceRecord(BaseModel):
    """One served ticket's record (the outbox payload is ``payload()``)."""
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import

    id: str
    ticket_id: str
    visit_id: str | None = None
    day: date
    service: str
    subject: str | None = None
    indicator: str | None = None
    region_level: str | None = None
    period: str | None = None
    outcome: str | None = None
    source: str | None = None
    note: str | None = None
    publications: list[Publication] = []
    agency: str | None = None
    activity: str | None = None
    stage: str | None = None
    reference_number: str | None = None
    order_id: str | None = None
    officer: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ServiceRecord:
        return cls.model_validate({**row, "publications": json.loads(row.get("publications") or "[]")})

    def payload(self) -> dict[str, Any]:
        """What the centre receives (RULES: entity ``service_record``)."""
        return self.model_dump(mode="json")


class LinkedOrder(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    id: str
    number: str
    status: str


class Visit(BaseModel):
    """A served (or being served) ticket of the day, with its record if it has one."""
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import

    ticket_id: str
    number: str
    service: str
    status: str
    counter: int | None
    finished_at: datetime | None
    record: ServiceRecord | None = None


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values checked and cleaned (empty -> None); Invalid names every bad field."""
    errors: dict[str, FieldInvalid] = {}
    out: dict[str, Any] = {}
    for field, limit in TEXT_FIELDS.items():
        try:
            out[field] = clean(values.get(field), limit=limit, lines=field == "note")
        except FieldInvalid as exc:
            errors[field] = exc
    subject = values.get("subject") or None
    if subject is not None and not subjects.known(str(subject)):
        errors["subject"] = FieldInvalid("desk.error.unknown_choice", value=excerpt(subject))
    out["subject"] = subject
    for field, allowed in CHOICES.items():
        value = values.get(field) or None
        if value is not None and value not in allowed:
            errors[field] = FieldInvalid("desk.error.unknown_choice", value=excerpt(value))
        out[field] = value
    publications = []
    for item in values.get("publications") or []:
        raw = item if isinstance(item, dict) else {"title": item, "medium": "printed"}
        try:
            title = clean(raw.get("title"), limit=PUBLICATION_TITLE_MAX)
        except FieldInvalid as exc:
            errors["publications"] = exc
            continue
        if raw.get("medium") not in MEDIA:
            errors["publications"] = FieldInvalid("desk.error.unknown_choice", value=excerpt(raw.get("medium")))
            continue
        if title:
            publications.append({"title": title, "medium": raw["medium"]})
    if len(publications) > PUBLICATIONS_MAX:
        errors["publications"] = FieldInvalid("desk.error.too_many", limit=PUBLICATIONS_MAX)
    out["publications"] = publications
    if errors:
        raise Invalid(errors)
    return out


def _today(store: Store, settings: Settings) -> date:
    return store.clock.now().astimezone(settings.office.tz).date()


def _visit_of(store: Store, ticket_id: str) -> str | None:
    """The visit of a ticket or of the ticket it was transferred from."""
    from kiosk.visits import VISIT_OF_TICKET

    row = store.conn.execute(f"SELECT v.id {VISIT_OF_TICKET} LIMIT 1", (ticket_id,)).fetchone()
    return row[0] if row else None


def linked_orders(store: Store, ticket_id: str) -> list[LinkedOrder]:
    """The sales orders made for this ticket (the sales flow links them), oldest first."""
    return [LinkedOrder.model_validate(r) for r in store.rows(
        "SELECT id, number, status FROM orders WHERE ticket_id = ? ORDER BY created_at, id", (ticket_id,))]


def for_ticket(store: Store, ticket_id: str) -> ServiceRecord | None:
    row = store.row("SELECT * FROM service_records WHERE ticket_id = ?", (ticket_id,))
    return ServiceRecord.from_row(row) if row else None


def save(store: Store, settings: Settings, actor: User | None, ticket_id: str,
         values: dict[str, Any]) -> ServiceRecord:
    """Create or update the record of a ticket being served or finished today. A past
    day's record is closed (Refused); fields not given are cleared (the form sends all)."""
    cleaned = validate(values)
    with store.write():
        require(store, actor, *WRITERS)
        ticket = store.row("SELECT id, number, day, service, status FROM tickets WHERE id = ?", (ticket_id,))
        if ticket is None:
            raise NotFound("error.unknown_ticket", number=excerpt(ticket_id))
        if ticket["status"] not in RECORDED:
            raise Refused("desk.error.not_served", number=ticket["number"],
                          status_key=f"status.{ticket['status']}")
        if ticket["day"] != _today(store, settings).isoformat():
            raise Refused("desk.error.day_closed", number=ticket["number"], day=ticket["day"])
        orders = linked_orders(store, ticket_id)
        stamp = iso(store.clock.now())
        existing = store.row("SELECT id, created_at FROM service_records WHERE ticket_id = ?", (ticket_id,))
        row = {**cleaned, "publications": json.dumps(cleaned["publications"], ensure_ascii=False),
               "order_id": orders[-1].id if orders else None, "visit_id": _visit_of(store, ticket_id),
               "officer": actor.username if actor else None, "updated_at": stamp}
        if existing:
            record_id = existing["id"]
            sets = ", ".join(f"{k} = :{k}" for k in row)
            store.conn.execute(f"UPDATE service_records SET {sets} WHERE id = :id", {**row, "id": record_id})
            op = "update"
        else:
            record_id = new_id()
            row.update(id=record_id, created_at=stamp, terminal_id=store.terminal_id, ticket_id=ticket_id,
                       day=ticket["day"], service=ticket["service"])
            store.db["service_records"].insert(row)
            op = "add"
        record = ServiceRecord.from_row(store.row("SELECT * FROM service_records WHERE id = ?", (record_id,)))
        store.record_change("service_record", record.id, op, record.payload())
        audit.record(store, actor, f"record.{op}", "service_record", record.id, {"number": ticket["number"]})
        return record


def visits(store: Store, settings: Settings, actor: User | None, day: date | None = None) -> list[Visit]:
    """The day's tickets at a counter or finished, those without a record first, then the
    latest first: what the counter's list of visits shows."""
    from kiosk import archive

    require(store, actor, *WRITERS)
    day = day or _today(store, settings)
    with archive.view(store, day, day, ("tickets", "service_records")) as view:  # a day past [retention] detail_days: its archive
        rows = view.rows(
            "SELECT t.id AS ticket_id, t.number, t.service, t.status, t.counter, t.finished_at, r.id AS rid"
            " FROM tickets t LEFT JOIN service_records r ON r.ticket_id = t.id"
            " WHERE t.day = ? AND t.status IN ('called', 'serving', 'done')"
            " ORDER BY r.id IS NOT NULL, COALESCE(t.finished_at, t.started_at, t.called_at) DESC, t.id DESC",
            (day.isoformat(),))
        return [Visit.model_validate({**r, "record": for_ticket(view, r["ticket_id"]) if r["rid"] else None})
                for r in rows]


def unrecorded(store: Store, day: date) -> int:
    """Finished tickets of ``day`` with no record yet (the counter shows the count)."""
    return store.conn.execute(
        "SELECT COUNT(*) FROM tickets t INDEXED BY tickets_done WHERE t.day = ? AND t.status = 'done'"
        " AND NOT EXISTS (SELECT 1 FROM service_records r WHERE r.ticket_id = t.id)",
        (day.isoformat(),)).fetchone()[0]


def _key(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def figures(store: Store, start: str, end: str) -> dict[str, Any]:
    """The period's records: by service, subject and outcome (and subject x outcome), the
    finished visits without one, and the unmet data needs: consultations whose outcome was
    "not available", grouped by indicator (case and spaces ignored), region level and
    period, most asked first."""
    conn = store.conn
    total = 0
    by_service: dict[str, int] = {}
    by_subject: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    cross: dict[str, dict[str, int]] = {}
    # Grouped by day first: the index's order, so no sort of a year's records.
    for service, subject, outcome, count in conn.execute(
            "SELECT service, subject, outcome, COUNT(*) FROM service_records INDEXED BY service_records_day"
            " WHERE day BETWEEN ? AND ? GROUP BY day, service, subject, outcome", (start, end)):
        total += count
        by_service[service] = by_service.get(service, 0) + count
        if subject or outcome:
            s, o = subject or "-", outcome or "-"
            by_subject[s] = by_subject.get(s, 0) + count
            by_outcome[o] = by_outcome.get(o, 0) + count
            cross.setdefault(s, {})
            cross[s][o] = cross[s].get(o, 0) + count
    unrecorded_count = conn.execute(
        "SELECT COUNT(*) FROM tickets t INDEXED BY tickets_done WHERE t.day BETWEEN ? AND ? AND t.status = 'done'"
        " AND NOT EXISTS (SELECT 1 FROM service_records r WHERE r.ticket_id = t.id)", (start, end)).fetchone()[0]
    needs: dict[tuple[str, str, str], dict[str, Any]] = {}
    for indicator, level, period, subject in conn.execute(
            "SELECT indicator, region_level, period, subject FROM service_records"
            " WHERE day BETWEEN ? AND ? AND outcome = 'not_available' ORDER BY created_at", (start, end)):
        key = (_key(indicator), level or "", _key(period))
        need = needs.setdefault(key, {"indicator": indicator or "-", "region_level": level, "period": period,
                                      "subject": subject, "count": 0})
        need["count"] += 1
    publications: dict[str, int] = dict.fromkeys(MEDIA, 0)
    for (items,) in conn.execute("SELECT publications FROM service_records WHERE day BETWEEN ? AND ?"
                                 " AND publications != '[]'", (start, end)):
        for item in json.loads(items):
            publications[item["medium"]] = publications.get(item["medium"], 0) + 1

    def ordered(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    return {
        "total": total, "unrecorded": unrecorded_count, "by_service": ordered(by_service),
        "by_subject": ordered(by_subject), "by_outcome": ordered(by_outcome),
        "by_subject_outcome": {s: ordered(o) for s, o in sorted(cross.items())},
        "publications": publications,
        "unmet_needs": sorted(needs.values(), key=lambda n: (-n["count"], _key(n["indicator"]))),
    }
