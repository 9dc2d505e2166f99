"""Lockers: the frontline officer keeps the visitor's ID card and gives a locker (seeds
000, 004). A locker is never given twice and one card never holds two lockers (unique
indexes on open rows, so even two counters at once cannot break it)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel

from kiosk import audit, identity
from kiosk.accounts import ROLES, User, require
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.errors import NotFound, Refused, excerpt
from kiosk.guestbook import HASHED
from kiosk.i18n import t
from kiosk.identity import FieldInvalid, Invalid
from kiosk.ids import new_id
from kiosk.printing import enqueue
from kiosk.store import Store
from printers.layouts import LockerSlip, locker_slip_document

QR_PREFIX = "PSTL"
# A locker's stored number when the full one is not here: a restore (the centre never had it)
# or anonymisation. A real number is A-Z0-9 only, so neither prefix can be one.
RESTORED = "RESTORED:"  # + the locker's id: what a restore writes
NOT_KEPT = (RESTORED, "ANON-")


class Locker(BaseModel):
    """A locker assignment as screens may show it: the ID number masked."""

    id: str
    locker_no: int
    holder_name: str
    id_type: str
    id_masked: str
    guest_id: str | None
    visit_id: str | None
    assigned_at: datetime
    assigned_by: str | None
    returned_at: datetime | None
    returned_by: str | None


class Assigned(BaseModel):
    locker: Locker
    job_id: str


_COLUMNS = ("id, locker_no, holder_name, id_type, id_masked, guest_id, visit_id, assigned_at,"
            " assigned_by, returned_at, returned_by")


def qr_payload(office_code: str, locker: Locker) -> str:
    return f"{QR_PREFIX}:{office_code}:{locker.id}:{locker.locker_no}"


def free_lockers(store: Store, settings: Settings) -> list[int]:
    taken = {r[0] for r in store.conn.execute(
        "SELECT locker_no FROM lockers WHERE returned_at IS NULL")}
    return [n for n in range(1, settings.office.lockers + 1) if n not in taken]


def suggest(store: Store, settings: Settings) -> int | None:
    """The lowest free locker, or None when all are taken."""
    free = free_lockers(store, settings)
    return free[0] if free else None


def _slip(settings: Settings, locker: Locker) -> LockerSlip:
    local = locker.assigned_at.astimezone(settings.office.tz)
    id_name = identity.choice_name("id_type", locker.id_type, "id")
    return LockerSlip(
        office_name=settings.office.name, locker_no=locker.locker_no,
        holder_name=locker.holder_name, id_label=f"{id_name} {locker.id_masked}",
        assigned_local=local.strftime("%d-%m-%Y %H:%M"),
        qr_payload=qr_payload(settings.office.code, locker),
        labels={"locker": f"{t('paper.locker', 'id')} / {t('paper.locker', 'en')}",
                "note": f"{t('paper.locker_note', 'id')} / {t('paper.locker_note', 'en')}"})


def assign(store: Store, settings: Settings, actor: User | None, *, id_type: str,
           id_number: str | None, holder_name: str | None, locker_no: int | None = None,
           guest_id: str | None = None, visit_id: str | None = None) -> Assigned:
    """Keep a card, give a locker (the suggested one if none chosen), queue the slip.

    With a guest, their name is the holder's unless another is typed, and with no number
    typed the guest's ID from the guestbook is used; a guest restored from the centre has
    only a hash of it, so then the officer types the card's number."""
    errors: dict[str, FieldInvalid] = {}
    name = number = None
    if guest_id:
        row = store.row("SELECT id_type, id_number, name FROM guests WHERE id = ? AND anonymised_at IS NULL",
                        (guest_id,))
        if row is None:
            raise NotFound("guestbook.unknown_guest")
        name = row["name"]
        if not (id_number or "").strip():
            id_type, number = row["id_type"], row["id_number"]
            if number.startswith(HASHED):  # restored from the centre: the full number never left
                errors["id_number"] = FieldInvalid("invalid.card_restored")
                number = None
    try:
        if "id_number" not in errors:
            number = number or identity.id_number(id_type, id_number)
    except FieldInvalid as exc:
        errors["id_number"] = exc
    try:
        name = identity.name(holder_name) if (holder_name or "").strip() or not name else name
    except FieldInvalid as exc:
        errors["holder_name"] = exc
    if errors:
        raise Invalid(errors)
    with store.write():
        require(store, actor, *ROLES)
        if locker_no is None:
            locker_no = suggest(store, settings)
            if locker_no is None:
                raise Refused("locker.all_taken")
        if not 1 <= locker_no <= settings.office.lockers:
            raise NotFound("locker.no_such", number=locker_no, max=settings.office.lockers)
        # One card, one locker: by the number alone, whatever type it was entered as.
        held = store.row("SELECT locker_no FROM lockers WHERE id_number = ? AND returned_at IS NULL",
                         (number,))
        if held:
            raise Refused("locker.card_holds", number=held["locker_no"])
        stamp = iso(store.clock.now())
        row = {"id": new_id(), "created_at": stamp, "updated_at": stamp,
               "terminal_id": store.terminal_id, "locker_no": locker_no, "guest_id": guest_id,
               "visit_id": visit_id, "holder_name": name, "id_type": id_type, "id_number": number,
               "id_masked": identity.mask(number), "assigned_at": stamp,
               "assigned_by": actor.id if actor else None}
        try:
            store.db["lockers"].insert(row)
        except sqlite3.IntegrityError as exc:  # a unique index on open rows: locker or card
            if "id_number" in str(exc):
                raise Refused("locker.card_holds", number="?") from exc
            raise Refused("locker.taken", number=locker_no) from exc
        locker = get(store, row["id"])
        store.record_change("locker", locker.id, "assign", locker.model_dump(mode="json"))
        audit.record(store, actor, "locker.assign", "locker", locker.id,
                     {"locker_no": locker_no, "id_masked": locker.id_masked})
        job_id = enqueue(store, settings, face="counter", kind="locker", label=f"L{locker_no}",
                         document=locker_slip_document(_slip(settings, locker)), ref_id=locker.id)
    return Assigned(locker=locker, job_id=job_id)


def get(store: Store, locker_id: str) -> Locker:
    row = store.row(f"SELECT {_COLUMNS} FROM lockers WHERE id = ?", (locker_id,))
    if row is None:
        raise NotFound("locker.not_found", query=excerpt(locker_id))
    return Locker.model_validate(row)


def open_for_ticket(store: Store, ticket_id: str) -> list[int]:
    """The lockers still holding a card of this visit (by its ticket, through any
    transfers back to the first ticket): given for the visit or to its guest. The counter
    asks before finishing such a visit, so no card is left behind."""
    from kiosk.visits import VISIT_OF_TICKET

    return [r[0] for r in store.conn.execute(
        f"WITH visit AS (SELECT v.id, v.guest_id {VISIT_OF_TICKET})"
        " SELECT locker_no FROM lockers WHERE returned_at IS NULL"
        " AND (visit_id IN (SELECT id FROM visit) OR guest_id IN (SELECT guest_id FROM visit))"
        " ORDER BY locker_no", (ticket_id,))]


def find_open(store: Store, actor: User | None, query: str) -> list[Locker]:
    """Open lockers by locker number, slip QR payload, or part of the holder's name (officers)."""
    text = (query or "").strip()
    if not text:
        return open_lockers(store, actor)
    require(store, actor, *ROLES)
    if text.upper().startswith(QR_PREFIX + ":"):
        parts = text.split(":")
        rows = store.rows(f"SELECT {_COLUMNS} FROM lockers WHERE id = ? AND returned_at IS NULL",
                          (parts[2] if len(parts) > 2 else "",))
    elif text.isdigit():
        rows = store.rows(f"SELECT {_COLUMNS} FROM lockers WHERE locker_no = ? AND returned_at IS NULL",
                          (int(text),))
    else:
        rows = store.rows(f"SELECT {_COLUMNS} FROM lockers WHERE holder_name LIKE ? AND returned_at IS NULL"
                          " ORDER BY locker_no", (f"%{text}%",))
    return [Locker.model_validate(r) for r in rows]


def reveal_card(store: Store, actor: User | None, locker_id: str) -> str | None:
    """The full ID number, only to match the card at return; the look is audited. None when
    this office no longer holds it (a locker restored from the centre, or anonymised): the
    holder's name and the masked number are all there is to match."""
    with store.write():
        require(store, actor, *ROLES)
        row = store.row("SELECT id_number, returned_at FROM lockers WHERE id = ?", (locker_id,))
        if row is None:
            raise NotFound("locker.not_found", query=excerpt(locker_id))
        audit.record(store, actor, "locker.reveal", "locker", locker_id, {})
    return None if row["id_number"].startswith(NOT_KEPT) else row["id_number"]


def return_card(store: Store, actor: User | None, locker_id: str) -> Locker:
    """The visitor took their card back: close the locker."""
    with store.write():
        require(store, actor, *ROLES)
        stamp = iso(store.clock.now())
        done = store.conn.execute(
            "UPDATE lockers SET returned_at = ?, returned_by = ?, updated_at = ?"
            " WHERE id = ? AND returned_at IS NULL",
            (stamp, actor.id if actor else None, stamp, locker_id)).rowcount
        if not done:
            get(store, locker_id)  # NotFound if unknown
            raise Refused("locker.already_returned")
        locker = get(store, locker_id)
        store.record_change("locker", locker.id, "return", locker.model_dump(mode="json"))
        audit.record(store, actor, "locker.return", "locker", locker.id,
                     {"locker_no": locker.locker_no})
    return locker


def open_lockers(store: Store, actor: User | None) -> list[Locker]:
    """Every card held now (officers: the list names the holders)."""
    require(store, actor, *ROLES)
    return [Locker.model_validate(r) for r in store.rows(
        f"SELECT {_COLUMNS} FROM lockers WHERE returned_at IS NULL ORDER BY locker_no")]


def not_returned(store: Store, settings: Settings, actor: User | None, day: date) -> list[Locker]:
    """At closing time: cards kept on ``day`` (local) and still not returned (officers)."""
    require(store, actor, *ROLES)
    tz = settings.office.tz
    start = datetime.combine(day, time.min, tz)
    end = datetime.combine(day, time.max, tz)
    return [Locker.model_validate(r) for r in store.rows(
        f"SELECT {_COLUMNS} FROM lockers WHERE returned_at IS NULL AND assigned_at BETWEEN ? AND ?"
        " ORDER BY locker_no", (iso(start), iso(end)))]


def as_json(locker: Locker) -> dict[str, Any]:
    return locker.model_dump(mode="json")


__all__ = ["Assigned", "Locker", "assign", "find_open", "free_lockers", "get",
           "not_returned", "open_lockers", "return_card", "reveal_card", "suggest"]
