"""The complaints and suggestions register (*pengaduan*, *kotak saran*).

A visitor leaves one at the kiosk (text, an optional contact, anonymous allowed); an
officer records one from any channel (the box, LAPOR!, email, WhatsApp, phone). It moves
received -> in follow-up -> answered -> closed, each response with its date and author;
its due date is the office's policy in working days (``desk.complaint_due_days``,
holidays included). Any officer responds; only an admin closes. Every step is audited and
written to the outbox (entity ``complaint``, with the contact masked: the full contact
never leaves the office). The kiosk is public: submitting shows nothing of any other."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kiosk import audit, reference
from kiosk.accounts import ROLES, User, require
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.desk.text import clean
from kiosk.errors import FieldInvalid, Invalid, NotFound, Refused, excerpt
from kiosk.ids import new_id
from kiosk.store import Store
from kiosk.workdays import add_working_days

CHANNELS = ("kiosk", "box", "lapor", "email", "whatsapp", "phone")
KINDS = ("complaint", "suggestion")
STATUSES = ("received", "in_follow_up", "answered", "closed")
OPEN = ("received", "in_follow_up")
RESPONSE_STATES = ("in_follow_up", "answered")
TEXT_MAX = 2000
CONTACT_MAX = 120
RESPONSE_MAX = 2000


class Response(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    at: datetime
    by: str | None
    text: str
    status: str


class Complaint(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    id: str
    number: str
    channel: Literal["kiosk", "box", "lapor", "email", "whatsapp", "phone"]
    kind: Literal["complaint", "suggestion"]
    status: Literal["received", "in_follow_up", "answered", "closed"]
    received_at: datetime
    due_date: date
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    text: str
    contact: str | None = None  # the office's own copy: never in the payload
    contact_masked: str | None = None
    recorded_by: str | None = None
    responses: list[Response] = []

    def overdue(self, today: date) -> bool:
        """Not answered yet and past its due date."""
        return self.status in OPEN and self.due_date < today

    def payload(self) -> dict[str, Any]:
        """What the centre receives (RULES: entity ``complaint``): the contact masked."""
        data = self.model_dump(mode="json", exclude={"contact", "recorded_by"})
        return data


def mask_contact(contact: str | None) -> str | None:
    """``s***@example.com``, ``*********890``: enough for an officer elsewhere to tell two
    apart, not enough to reach the person."""
    if not contact:
        return None
    if "@" in contact:
        local, _, domain = contact.rpartition("@")
        return f"{local[:1]}***@{domain}"
    digits = [c for c in contact if c.isdigit()]
    if len(digits) >= 6:
        return "*" * (len(digits) - 3) + "".join(digits[-3:])
    return "***"


def _today(store: Store, settings: Settings) -> date:
    return store.clock.now().astimezone(settings.office.tz).date()


def due_date(store: Store, settings: Settings, received: datetime) -> date:
    """``desk.complaint_due_days`` working days after the day it was received."""
    day = received.astimezone(settings.office.tz).date()
    return add_working_days(day, settings.desk.complaint_due_days, reference.holidays(store))


def received_on(store: Store, settings: Settings, typed: str | None) -> datetime | None:
    """When a complaint recorded from another channel came in, from a day typed as
    DD-MM-YYYY (or YYYY-MM-DD): that day at the present time of day; empty: now (None).
    Not a date: Invalid; a later day than today: ``submit`` refuses it."""
    text = (typed or "").strip()
    if not text:
        return None
    for pattern in ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
            break
        except ValueError:
            continue
    else:
        raise Invalid({"received_at": FieldInvalid("desk.error.bad_date")})
    now = store.clock.now().astimezone(settings.office.tz)
    return datetime.combine(day, now.timetz())


def _load(store: Store, complaint_id: str) -> Complaint:
    row = store.row("SELECT * FROM complaints WHERE id = ?", (complaint_id,))
    if row is None:
        raise NotFound("desk.error.unknown_complaint", number=excerpt(complaint_id))
    responses = store.rows("SELECT at, by, text, status FROM complaint_responses WHERE complaint_id = ?"
                           " ORDER BY at, id", (complaint_id,))
    return Complaint.model_validate({**row, "responses": responses})


def _publish(store: Store, actor: User | None, complaint: Complaint, op: str) -> None:
    store.record_change("complaint", complaint.id, op, complaint.payload())
    # The trail says who moved which complaint where; the text stays in the register.
    audit.record(store, actor, f"complaint.{op}", "complaint", complaint.id,
                 {"number": complaint.number, "status": complaint.status, "channel": complaint.channel})


def _reachable(contact: str) -> bool:
    """An email or a phone number the office can answer at: the kiosk's thanks promise a
    reply by a date to anyone who left a contact ("0812 abc" got it). An officer recording a
    letter may note a postal address instead, so this is the kiosk's rule only."""
    from kiosk import identity

    try:
        (identity.email if "@" in contact else identity.phone)(contact)
    except FieldInvalid:
        return False
    return True


def submit(store: Store, settings: Settings, *, kind: str, text: str, contact: str | None = None,
           channel: str = "kiosk", actor: User | None = None, received_at: datetime | None = None
           ) -> Complaint:
    """Register a complaint or suggestion. From the kiosk anyone may (no account); from
    another channel an officer records it, with the time it came in (default now)."""
    errors: dict[str, FieldInvalid] = {}
    if kind not in KINDS:
        errors["kind"] = FieldInvalid("desk.error.unknown_choice", value=excerpt(kind))
    if channel not in CHANNELS:
        errors["channel"] = FieldInvalid("desk.error.unknown_choice", value=excerpt(channel))
    try:
        body = clean(text, limit=TEXT_MAX, required=True, lines=True)
    except FieldInvalid as exc:
        errors["text"] = exc
    try:
        reach = clean(contact, limit=CONTACT_MAX, ascii_digits=True)
    except FieldInvalid as exc:
        errors["contact"] = exc
    else:
        if channel == "kiosk" and reach and not _reachable(reach):  # "we reply by ..." must be true
            errors["contact"] = FieldInvalid("kiosktrial.contact_invalid")
    now = store.clock.now()
    if received_at is not None and received_at > now:
        errors["received_at"] = FieldInvalid("desk.error.future")
    if errors:
        raise Invalid(errors)
    received = received_at or now
    with store.write():
        if channel != "kiosk" or actor is not None:
            require(store, actor, *ROLES)
        year = received.astimezone(settings.office.tz).year
        seq = store.conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM complaints WHERE year = ?",
                                 (year,)).fetchone()[0]
        stamp = iso(now)
        complaint_id = new_id()
        store.db["complaints"].insert({
            "id": complaint_id, "created_at": stamp, "updated_at": stamp, "terminal_id": store.terminal_id,
            "number": f"ADU/{settings.office.code}/{year}/{seq:04d}", "year": year, "seq": seq,
            "channel": channel, "kind": kind, "status": "received", "received_at": iso(received),
            "due_date": due_date(store, settings, received).isoformat(), "text": body, "contact": reach,
            "contact_masked": mask_contact(reach), "recorded_by": actor.username if actor else None})
        complaint = _load(store, complaint_id)
        _publish(store, actor, complaint, "receive")
        return complaint


def respond(store: Store, settings: Settings, actor: User | None, complaint_id: str, text: str,
            status: str) -> Complaint:
    """An officer's response (a follow-up step, or the answer), dated now."""
    if status not in RESPONSE_STATES:
        raise Invalid({"status": FieldInvalid("desk.error.unknown_choice", value=excerpt(status))})
    try:
        body = clean(text, limit=RESPONSE_MAX, required=True, lines=True)
    except FieldInvalid as exc:
        raise Invalid({"response": exc}) from None
    with store.write():
        require(store, actor, *ROLES)
        complaint = _load(store, complaint_id)
        if complaint.status == "closed":
            raise Refused("desk.error.complaint_closed", number=complaint.number)
        stamp = iso(store.clock.now())
        store.conn.execute(
            "INSERT INTO complaint_responses(id, complaint_id, at, by, text, status, terminal_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_id(), complaint_id, stamp, actor.username if actor else None, body, status, store.terminal_id))
        store.conn.execute(
            "UPDATE complaints SET status = ?, updated_at = ?,"
            " answered_at = CASE WHEN ? = 'answered' THEN COALESCE(answered_at, ?) ELSE answered_at END"
            " WHERE id = ?", (status, stamp, status, stamp, complaint_id))
        complaint = _load(store, complaint_id)
        _publish(store, actor, complaint, "respond")
        return complaint


def close(store: Store, settings: Settings, actor: User | None, complaint_id: str,
          note: str | None = None) -> Complaint:
    """Close it: an admin only (on an open desk, before accounts exist, anyone)."""
    try:
        body = clean(note, limit=RESPONSE_MAX, lines=True)
    except FieldInvalid as exc:
        raise Invalid({"response": exc}) from None
    with store.write():
        require(store, actor, "admin")
        complaint = _load(store, complaint_id)
        if complaint.status == "closed":
            raise Refused("desk.error.complaint_closed", number=complaint.number)
        stamp = iso(store.clock.now())
        if body:
            store.conn.execute(
                "INSERT INTO complaint_responses(id, complaint_id, at, by, text, status, terminal_id)"
                " VALUES (?, ?, ?, ?, ?, 'closed', ?)",
                (new_id(), complaint_id, stamp, actor.username if actor else None, body, store.terminal_id))
        store.conn.execute("UPDATE complaints SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?",
                           (stamp, stamp, complaint_id))
        complaint = _load(store, complaint_id)
        _publish(store, actor, complaint, "close")
        return complaint


def get(store: Store, actor: User | None, complaint_id: str) -> Complaint:
    require(store, actor, *ROLES)
    return _load(store, complaint_id)


def listing(store: Store, settings: Settings, actor: User | None, *, include_closed: bool = False
            ) -> list[Complaint]:
    """The register as the counter lists it: overdue first (oldest due first), then the
    other open ones by due date, then answered, then (if asked) closed, newest first."""
    require(store, actor, *ROLES)
    today = _today(store, settings).isoformat()
    where = "" if include_closed else " WHERE status != 'closed'"
    ids = [r[0] for r in store.conn.execute(
        f"SELECT id FROM complaints{where} ORDER BY"
        " CASE WHEN status IN ('received', 'in_follow_up') AND due_date < ? THEN 0"
        "      WHEN status IN ('received', 'in_follow_up') THEN 1 WHEN status = 'answered' THEN 2 ELSE 3 END,"
        " CASE WHEN status = 'closed' THEN '' ELSE due_date END, received_at DESC, id", (today,))]
    return [_load(store, i) for i in ids]


def open_counts(store: Store, settings: Settings) -> tuple[int, int]:
    """(open, overdue): for the counter's status line."""
    today = _today(store, settings).isoformat()
    row = store.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(due_date < ?), 0) FROM complaints WHERE status IN ('received', 'in_follow_up')",
        (today,)).fetchone()
    return row[0], row[1]


def figures(store: Store, settings: Settings, start: date, end: date, lo: str, hi: str) -> dict[str, Any]:
    """The period's register: received (by kind and channel), answered and answered by the
    due date, still open at the end of the period, and of those past their due date.
    ``lo``/``hi``: the period's bounds as UTC ISO times."""
    tz = settings.office.tz
    received = {"total": 0, "by_kind": dict.fromkeys(KINDS, 0), "by_channel": {}}
    for kind, channel, count in store.conn.execute(
            "SELECT kind, channel, COUNT(*) FROM complaints WHERE received_at >= ? AND received_at < ?"
            " GROUP BY 1, 2 ORDER BY 2", (lo, hi)):
        received["total"] += count
        received["by_kind"][kind] += count
        received["by_channel"][channel] = received["by_channel"].get(channel, 0) + count
    answered = in_time = 0
    for answered_at, due in store.conn.execute(
            "SELECT answered_at, due_date FROM complaints WHERE answered_at >= ? AND answered_at < ?", (lo, hi)):
        answered += 1
        if datetime.fromisoformat(answered_at).astimezone(tz).date().isoformat() <= due:
            in_time += 1
    cutoff = min(_today(store, settings), end).isoformat()
    open_, overdue = store.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(due_date < ?), 0) FROM complaints WHERE received_at < ?"
        " AND (answered_at IS NULL OR answered_at >= ?) AND (closed_at IS NULL OR closed_at >= ?)",
        (cutoff, hi, hi, hi)).fetchone()
    return {"received": received, "answered": answered, "answered_in_time": in_time,
            "answered_in_time_share": round(in_time / answered, 4) if answered else None,
            "open": open_, "overdue": overdue, "due_working_days": settings.desk.complaint_due_days}
