"""The electronic guestbook (buku tamu elektronik): who came, why, with consent recorded.

A visit links a guest to a ticket and is saved in the same transaction as the ticket.
Returning guests are found by ID number, or by an email only one guest gave, and the
kiosk only ever learns their first name and masked ID: it cannot show a stored person's
details to whoever typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk import identity
from kiosk.clock import iso
from kiosk.errors import DomainError, NotFound
from kiosk.identity import FieldInvalid, Invalid
from kiosk.ids import new_id
from kiosk.plain import Record
from kiosk.services import find_service
from kiosk.store import Store
from kiosk.tickets import IssuedTicket, issue_ticket_in_tx
from kiosk.visits import VISIT_OF_TICKET, VisitGuest, guest_for_ticket  # noqa: F401 - their home was here

if TYPE_CHECKING:
    from kiosk.config import Settings

ID_KEY = "id_hash_key"  # in ``meta``; exported to a file kept offline, taken back by restore
HASHED = "HASH:"  # a restored guest's id_number: this prefix + the keyed hash the centre held


@dataclass(kw_only=True)
class GuestData(Record):
    """A validated guestbook entry."""

    name: str
    id_type: str
    id_number: str
    id_country: str | None = None
    email: str
    phone: str | None = None
    institution: str | None = None
    segment: str
    npwp: str | None = None
    gender: str | None = None
    education: str | None = None
    disability: bool = False


@dataclass(kw_only=True)
class ReturningGuest(Record):
    """All the kiosk may know about a stored guest."""


    guest_id: str
    first_name: str
    id_type: str
    id_masked: str


class SharedEmail(DomainError):
    """An email more than one guest gave (someone typed another person's): whoever typed it
    may be any of them, so the kiosk names nobody and asks for the ID number instead."""

    exit_code = 3  # like NotFound: no one guest answers to it


@dataclass(kw_only=True)
class Registered(Record):
    visit_id: str
    guest_id: str
    returning: bool
    issued: IssuedTicket


def _opt(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return str(value).strip() if value not in (None, "") and str(value).strip() else None


def validate_guest(raw: Mapping[str, Any]) -> GuestData:
    """Check every field of a guestbook form; raise ``Invalid`` naming each bad field."""
    errors: dict[str, FieldInvalid] = {}
    out: dict[str, Any] = {}

    def check(field: str, fn: Callable[[], Any]) -> None:
        try:
            out[field] = fn()
        except FieldInvalid as exc:
            errors[field] = exc

    check("name", lambda: identity.name(raw.get("name")))
    check("id_type", lambda: identity.choice("id_type", raw.get("id_type")))
    if "id_type" in out:
        check("id_number", lambda: identity.id_number(out["id_type"], raw.get("id_number")))
        if out["id_type"] == "passport":
            check("id_country", lambda: identity.country(raw.get("id_country")))
    elif not _opt(raw, "id_number"):
        # Without a type the number cannot be checked, but a missing one is missing anyway:
        # the visitor hears of both at the first try, not of the number only after the type.
        errors["id_number"] = FieldInvalid("invalid.required")
    check("email", lambda: identity.email(raw.get("email")))
    if _opt(raw, "phone"):
        check("phone", lambda: identity.phone(raw.get("phone")))
    if _opt(raw, "institution"):
        check("institution", lambda: identity.institution(raw.get("institution")))
    check("segment", lambda: identity.choice("segment", raw.get("segment")))
    if _opt(raw, "npwp"):
        check("npwp", lambda: identity.npwp(raw.get("npwp")))
    elif out.get("segment") and identity.npwp_required(out["segment"]):
        errors["npwp"] = FieldInvalid("invalid.npwp_required")
    for kind in ("gender", "education"):
        if _opt(raw, kind):
            check(kind, lambda kind=kind: identity.choice(kind, raw.get(kind)))
    check("disability", lambda: _yes_no(raw.get("disability")))
    if errors:
        raise Invalid(errors)
    return GuestData.model_validate(out)


_YES = {"1", "true", "yes", "ya", "y", "on"}
_NO = {"", "0", "false", "no", "tidak", "n", "off"}


def _yes_no(value: object) -> bool:
    """A checkbox from any form or script: "0", "false" and "" are no, not a non-empty string."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        if value in (0, 1):
            return bool(value)
        raise FieldInvalid("invalid.choice")
    text = str(value).strip().lower()
    if text in _YES or text in _NO:
        return text in _YES
    raise FieldInvalid("invalid.choice")


def normalised_lookup(text: str) -> tuple[str, str]:
    """(column, value) to look a guest up by what was typed: an email or an ID number."""
    text = (text or "").strip()
    if "@" in text:
        return "email", text.lower()
    return "id_number", identity.normalise_id(text)


def id_number_forms(store: Store, number: str) -> tuple[str, ...]:
    """The stored forms of a (normalised) ID number: itself first, and ``HASH:<keyed hash>``
    (how a restore stores it) when this store has its key. Looking up never makes a key."""
    key = id_key(store)
    return (number, HASHED + _keyed_hash(key, number)) if key else (number,)


def lookup_forms(store: Store, text: str) -> tuple[str, tuple[str, ...]]:
    """(column, values) to look every record of a guest up by what was typed: an email as
    ``normalised_lookup`` gives it, an ID number in each form it may be stored in, the typed
    one first. ``lookup_forms(store, "3273 0141 0190 0001")`` -> ("id_number", ("3273...", "HASH:..."))"""
    column, value = normalised_lookup(text)
    return column, (id_number_forms(store, value) if column == "id_number" else (value,))


def _lookup_sql(column: str, forms: tuple[str, ...]) -> str:
    """``column IN (...)`` over the forms, the exact one first, then the newest. Two values
    of one indexed column stay two index lookups (EXPLAIN QUERY PLAN: guests_id_number)."""
    return (f"{column} IN ({', '.join('?' for _ in forms)}) AND anonymised_at IS NULL"
            f" ORDER BY {column} = ? DESC, updated_at DESC LIMIT 1")


def find_returning(store: Store, text: str) -> ReturningGuest | None:
    """A returning guest by ID number or email, revealing only first name and masked ID.
    A guest restored from the centre is found by ID number too when the store has the key.
    An email that more than one (not anonymised) guest gave raises ``SharedEmail``: the
    kiosk must not greet one of them, with their name and ID, whoever typed it."""
    column, forms = lookup_forms(store, text)
    if len(forms[0]) < 4:
        return None
    if column == "email":
        rows = store.rows("SELECT id, name, id_type, id_masked FROM guests"
                          " WHERE email = ? AND anonymised_at IS NULL LIMIT 2", forms)
        if len(rows) > 1:
            raise SharedEmail("guest.email_shared")
        row = rows[0] if rows else None
    else:
        row = store.row(f"SELECT id, name, id_type, id_masked FROM guests WHERE {_lookup_sql(column, forms)}",
                        (*forms, forms[0]))
    if row is None:
        return None
    return ReturningGuest(guest_id=row["id"], first_name=identity.first_name(row["name"]),
                          id_type=row["id_type"], id_masked=row["id_masked"])


def _guest_row(data: GuestData, stamp: str) -> dict[str, Any]:
    return {**data.model_dump(), "disability": int(data.disability),
            "id_masked": identity.mask(data.id_number), "updated_at": stamp}


def _same_name(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").casefold().split()) == " ".join((b or "").casefold().split())


def correction_refused(store: Store, data: GuestData) -> FieldInvalid | None:
    """Why a new entry may not rewrite the guest with its ID number, or None. It is that
    person's correction when it keeps the name or the email on record (a new email, a
    changed name); a number alone (printed on a card many have seen) does not let anyone at
    the kiosk rewrite another's name and contact. Both changed: an officer (README)."""
    forms = id_number_forms(store, data.id_number)
    row = store.row(f"SELECT name, email FROM guests WHERE {_lookup_sql('id_number', forms)}",
                    (*forms, data.id_number))
    if row is None or _same_name(row["name"], data.name) or (
            row["email"] and row["email"].casefold() == (data.email or "").casefold()):
        return None
    return FieldInvalid("guestcorrect.taken")


def _save_guest(store: Store, data: GuestData, consent_at: str) -> tuple[str, bool]:
    """Insert a new guest, or update the one with the same ID number. (id, returning)

    Only the ID number identifies a person: an email typed at the kiosk may be someone
    else's (or shared), so it never selects a record to overwrite; emails need not be unique.
    A guest restored from the centre (``HASH:`` + the keyed hash of this number) is that
    person: the row is updated in place and gets its full ID number back."""
    forms = id_number_forms(store, data.id_number)
    existing = store.row(f"SELECT id FROM guests WHERE {_lookup_sql('id_number', forms)}",
                         (*forms, data.id_number))
    row = _guest_row(data, consent_at)
    row.update(consent_version=identity.notice_version(), consent_at=consent_at)
    if existing:
        guest_id = existing["id"]
        sets = ", ".join(f"{k} = :{k}" for k in row)
        store.conn.execute(f"UPDATE guests SET {sets} WHERE id = :id", {**row, "id": guest_id})
        op, returning = "update", True
    else:
        guest_id = new_id()
        row.update(id=guest_id, created_at=consent_at, terminal_id=store.terminal_id)
        store.db["guests"].insert(row)
        op, returning = "add", False
    store.record_change("guest", guest_id, op, guest_sync_payload(store, guest_id))
    return guest_id, returning


def guest_sync_payload(store: Store, guest_id: str) -> dict[str, Any]:
    """The guest as the outbox carries it. The full ID number stays in the office: the
    masked form and a keyed hash (HMAC-SHA256 with this store's key) travel instead. The
    NPWP is masked the same way (since 2024 it may be a full NIK)."""
    row = store.row("SELECT * FROM guests WHERE id = ?", (guest_id,))
    assert row is not None
    number = row.pop("id_number", None)
    if row.get("npwp"):
        row["npwp"] = identity.mask(row["npwp"])
    row["id_hash"] = _sent_hash(store, guest_id, number) if number and not row.get("anonymised_at") else None
    return row


def _sent_hash(store: Store, guest_id: str, number: str) -> str | None:
    """The keyed hash the outbox carries. A restored guest still without its number sends the
    hash it came back with (hashing ``HASH:...`` again would lose the person at the centre);
    ``HASH:<guest id>`` marks one the centre held no hash for."""
    if number.startswith(HASHED):
        sent = number[len(HASHED):]
        return None if sent == guest_id else sent
    return id_hash(store, number)


def id_key(store: Store) -> str | None:
    """This store's ID hash key (hex), or None before the first is made: reading never makes one."""
    return store.meta(ID_KEY)


def ensure_id_key(store: Store) -> str:
    """This store's ID hash key, made (256 random bits) on first need. It never goes to the
    centre: ID numbers are guessable, so the centre with the key could recover them."""
    import secrets

    key = id_key(store)
    if key is None:
        insert = "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)"  # another process may be first
        if store.conn.in_transaction:
            store.conn.execute(insert, (ID_KEY, secrets.token_hex(32)))
        else:
            with store.write():
                store.conn.execute(insert, (ID_KEY, secrets.token_hex(32)))
        key = id_key(store)
        assert key is not None
    return key


def _keyed_hash(key: str, number: str) -> str:
    import hashlib
    import hmac

    return hmac.new(bytes.fromhex(key), number.encode(), hashlib.sha256).hexdigest()


def id_hash(store: Store, number: str) -> str:
    """A keyed hash of an ID number: lets the centre count and match without the number."""
    return _keyed_hash(ensure_id_key(store), number)


def _restored_number(store: Store, guest_id: str, typed: str | None) -> str | None:
    """The typed ID number (normalised) when the guest is held in the restored ``HASH:`` form
    of exactly that number, else None: an email, another number or a whole record changes nothing."""
    if not typed:
        return None
    column, forms = lookup_forms(store, typed)
    if column != "id_number" or len(forms) < 2:  # an email, or no key to match the hash with
        return None
    row = store.row("SELECT id_number FROM guests WHERE id = ? AND anonymised_at IS NULL", (guest_id,))
    return forms[0] if row is not None and row["id_number"] == forms[1] else None


def held_ticket(store: Store, settings: Settings, *, guest_id: str | None = None,
                id_number: str | None = None) -> IssuedTicket | None:
    """The ticket a guest (by id, or by the ID number typed on the form) took today and
    that still waits or is being called, with how many are ahead: the kiosk shows it again
    instead of a second number. An officer can still issue another (counter, CLI)."""
    from kiosk.queue import Ticket
    from kiosk.tickets import queue_for

    ids: list[str] = [guest_id] if guest_id else []
    if id_number:
        forms = id_number_forms(store, identity.normalise_id(id_number))
        ids += [r["id"] for r in store.rows(
            f"SELECT id FROM guests WHERE id_number IN ({', '.join('?' for _ in forms)})"
            " AND anonymised_at IS NULL", forms)]
    if not ids:
        return None
    today = store.clock.now().astimezone(settings.office.tz).date().isoformat()
    row = store.row(
        "SELECT t.* FROM visits v JOIN tickets t ON t.id = v.ticket_id"
        f" WHERE v.guest_id IN ({', '.join('?' for _ in ids)}) AND t.day = ?"
        " AND t.status IN ('waiting', 'called') ORDER BY t.issued_at LIMIT 1", (*ids, today))
    if row is None:
        return None
    ticket = Ticket.from_row(row)
    ahead = queue_for(store, settings).ahead_of(ticket) if ticket.status == "waiting" else 0
    return IssuedTicket(ticket=ticket, ahead=ahead, job_id="")


def register_visit(store: Store, settings: Settings, *, service: str, purpose: str,
                   consent: bool, guest: GuestData | None = None, guest_id: str | None = None,
                   typed: str | None = None, priority: bool = False) -> Registered:
    """Record the visit (new or returning guest) and issue its ticket, in one transaction.

    The guest is checked again here: a ``GuestData`` built by hand is not proof of a check.
    ``typed`` is what a returning guest typed to be found (``find_returning``): when it is the
    ID number of a guest restored from the centre (held as ``HASH:``), the visit completes the
    record with it."""
    errors: dict[str, FieldInvalid] = {}
    if guest is not None:
        try:
            guest = validate_guest(guest.model_dump())
        except Invalid as exc:
            errors.update(exc.errors)
    if not consent:
        errors["consent"] = FieldInvalid("invalid.consent")
    try:
        purpose = identity.choice("purpose", purpose)
    except FieldInvalid as exc:
        errors["purpose"] = exc
    if errors:
        raise Invalid(errors)
    svc = find_service(service)
    if (guest is None) == (guest_id is None):
        raise ValueError("give either guest data or a returning guest's id")
    now = store.clock.now()
    stamp = iso(now)
    with store.write():
        if guest is not None:
            if (refused := correction_refused(store, guest)) is not None:  # checked on the form too
                raise Invalid({"id_number": refused})
            guest_id, returning = _save_guest(store, guest, stamp)
        else:
            if store.row("SELECT 1 FROM guests WHERE id = ? AND anonymised_at IS NULL", (guest_id,)) is None:
                raise NotFound("guestbook.unknown_guest")
            store.conn.execute(
                "UPDATE guests SET consent_version = ?, consent_at = ?, updated_at = ? WHERE id = ?",
                (identity.notice_version(), stamp, stamp, guest_id))
            number = _restored_number(store, guest_id, typed)
            if number is not None:  # the same keyed hash: the number was this guest's
                store.conn.execute("UPDATE guests SET id_number = ?, id_masked = ? WHERE id = ?",
                                   (number, identity.mask(number), guest_id))
            store.record_change("guest", guest_id, "consent" if number is None else "update",
                                guest_sync_payload(store, guest_id))
            returning = True
        stored = store.row("SELECT segment, education, gender, disability FROM guests WHERE id = ?",
                           (guest_id,))
        issued = issue_ticket_in_tx(store, settings, svc.code,
                                    priority=priority or bool(stored["disability"]))
        visit = {
            "id": new_id(), "created_at": stamp, "terminal_id": store.terminal_id,
            "day": issued.ticket.day.isoformat(), "guest_id": guest_id,
            "ticket_id": issued.ticket.id, "service": svc.code, "purpose": purpose,
            "segment": stored["segment"], "education": stored["education"],
            "gender": stored["gender"], "disability": stored["disability"],
            "consent_version": identity.notice_version(), "is_returning": int(returning),
        }
        store.db["visits"].insert(visit)
        store.record_change("visit", visit["id"], "add", visit)
    return Registered(visit_id=visit["id"], guest_id=guest_id, returning=returning, issued=issued)


@dataclass(kw_only=True)
class GuestHit(Record):
    """A guest as the counter's search shows it (ID masked)."""


    guest_id: str
    name: str
    id_type: str
    id_masked: str
    institution: str | None
    segment: str


def search_guests(store: Store, actor: Any, text: str, *, limit: int = 10) -> list[GuestHit]:
    """Officers find a guest by part of the name, the email, or the full ID number."""
    from kiosk.accounts import ROLES, require

    require(store, actor, *ROLES)
    text = (text or "").strip()
    if len(text) < 2:
        return []
    column, forms = lookup_forms(store, text)
    rows = store.rows(
        "SELECT id AS guest_id, name, id_type, id_masked, institution, segment FROM guests"
        f" WHERE anonymised_at IS NULL AND (name LIKE ? OR {column} IN ({', '.join('?' for _ in forms)}))"
        " ORDER BY updated_at DESC LIMIT ?", (f"%{text}%", *forms, limit))
    return [GuestHit.model_validate(r) for r in rows]
