"""Personal data past its retention period is anonymised (UU 27/2022): names, ID numbers,
contacts go; what reports count (visits by segment, gender, education, disability) stays.

The outbox goes too: earlier changes of an anonymised guest or locker are redacted in
place (rows kept, so sync order holds; the acknowledged ones kept packed as well,
``retention.redact_sent``, each batch once per erase or purge) and a new change carries the anonymised record, so
the centre's latest state is anonymised as well. A data subject's own request (access,
erasure or withdrawal of consent, through an officer) is served by ``subject_access`` and
``erase``, both admin-only and audited.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from kiosk import archive, audit, printing
from kiosk.accounts import User, require
from kiosk.clock import iso
from kiosk.errors import FieldInvalid, Invalid, NotFound, Refused
from kiosk.guestbook import HASHED, guest_sync_payload, id_number_forms, lookup_forms
from kiosk.identity import normalise_id
from kiosk.retention import redact_sent
from kiosk.store import Store

ANONYMOUS = "(anonim)"
# Every key a guest, visit or locker payload may hold about a person.
PERSONAL = ("name", "holder_name", "email", "phone", "npwp", "institution", "id_country",
            "id_masked", "id_hash", "id_number")
# json_replace only replaces keys a payload already has: no key is ever added.
# A packed (acknowledged) payload is unpacked, redacted and packed again (kiosk/store.py).
_REDACT_SQL = ("UPDATE changes SET payload = packed_like(json_replace(payload_text(payload), "
               + ", ".join(f"'$.{k}', :{k}" for k in PERSONAL) + "), payload)")


class PurgeResult(BaseModel):
    guests: int
    lockers: int
    cutoff: str
    complaints: int = 0  # closed complaints whose contact was removed


class SubjectData(BaseModel):
    """What the office holds about one guest, for a data subject's access request."""

    guest: dict[str, Any]
    visits: list[dict[str, Any]]
    lockers: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    archive_unreadable: list[str] = []  # archived days (``day visits``) that could not be read


class Erased(BaseModel):
    guest_ids: list[str]
    lockers: int


def _anonymous_values(entity_id: str) -> dict[str, Any]:
    return {"name": ANONYMOUS, "holder_name": ANONYMOUS, "email": f"anon-{entity_id}", "phone": None,
            "npwp": None, "institution": None, "id_country": None, "id_masked": "****",
            "id_hash": None, "id_number": f"ANON-{entity_id}"}


Sent = dict[tuple[str, str], dict[tuple[str, ...], Any]]  # the packed changes to redact: retention.redact_sent


def _personal(entity_id: str) -> dict[tuple[str, ...], Any]:
    return {(k,): v for k, v in _anonymous_values(entity_id).items()}


def _anonymise_guest(store: Store, guest_id: str, stamp: str, sent: Sent, archived: dict[str, list[str]]) -> None:
    """Anonymise one guest, redact its outbox history and queue the anonymised record;
    its acknowledged changes kept packed are added to ``sent``, redacted by the caller.
    ``archived``: the guests' visits on archived days (``archive.visits_of``), whose
    changes are theirs too."""
    store.conn.execute(
        "UPDATE guests SET name = ?, id_number = 'ANON-' || id, id_masked = '****',"
        " id_country = NULL, email = 'anon-' || id, phone = NULL, institution = NULL,"
        " npwp = NULL, anonymised_at = ?, updated_at = ? WHERE id = ?",
        (ANONYMOUS, stamp, stamp, guest_id))
    store.conn.execute(_REDACT_SQL + " WHERE entity = 'guest' AND entity_id = :entity_id",
                       {**_anonymous_values(guest_id), "entity_id": guest_id})
    visit_ids = [r[0] for r in store.conn.execute("SELECT id FROM visits WHERE guest_id = ?", (guest_id,))]
    visit_ids += archived.get(guest_id, [])
    store.conn.execute(_REDACT_SQL + " WHERE entity = 'visit' AND entity_id IN"
                       " (SELECT value FROM json_each(:visits))",
                       {**_anonymous_values(guest_id), "visits": json.dumps(visit_ids)})
    sent[("guest", guest_id)] = _personal(guest_id)
    for visit_id in visit_ids:
        sent[("visit", visit_id)] = _personal(guest_id)
    store.record_change("guest", guest_id, "anonymise", guest_sync_payload(store, guest_id))


def _redact_print_jobs(store: Store, locker_id: str, holder_name: str, id_masked: str) -> None:
    """The slips printed for a locker name the holder: redact them, so a reprint does not."""
    old = {t: n for t, n in ((holder_name, ANONYMOUS), (id_masked, "****")) if t and t not in (ANONYMOUS, "****")}
    printing.redact_documents(store, locker_id, old)


def _locker_ids_for_guests(store: Store, guest_ids: list[str]) -> list[str]:
    """The lockers of these guests: linked to them, or a card typed by hand with one of
    their ID numbers (compared normalised; a restored guest's ``HASH:`` form through the
    store's key, as the guestbook matches it). A locker restored from the centre holds no
    number (``RESTORED:<id>``): only its guest link finds it."""
    marks = ", ".join("?" for _ in guest_ids)
    stored = [r[0] for r in store.conn.execute(
        f"SELECT id_number FROM guests WHERE id IN ({marks})", tuple(guest_ids))]
    numbers = {normalise_id(n) for n in stored} - {""}
    hashed = {n for n in stored if n.startswith(HASHED)}

    def same_card(number: str) -> bool:
        typed = normalise_id(number)
        # A key read and one HMAC per locker, and only when a guest is held in hashed form.
        return typed in numbers or bool(hashed and typed and hashed.intersection(id_number_forms(store, typed)))

    linked = set(guest_ids)
    return [lid for lid, gid, number in store.conn.execute("SELECT id, guest_id, id_number FROM lockers")
            if gid in linked or same_card(number)]


def _anonymise_lockers(store: Store, where: str, params: dict[str, Any], stamp: str, sent: Sent) -> int:
    """Anonymise the returned lockers matching ``where``; their outbox history and their
    printed slips too."""
    from kiosk.lockers import get

    params = {**params, "anon": ANONYMOUS, "stamp": stamp}
    cond = f"returned_at IS NOT NULL AND holder_name != :anon AND ({where})"
    old = store.conn.execute(f"SELECT id, holder_name, id_masked FROM lockers WHERE {cond}", params).fetchall()
    store.conn.execute(
        "UPDATE lockers SET holder_name = :anon, id_number = 'ANON-' || id, id_masked = '****',"
        f" updated_at = :stamp WHERE {cond}", params)
    for locker_id, holder_name, id_masked in old:
        _redact_print_jobs(store, locker_id, holder_name, id_masked)
        store.conn.execute(_REDACT_SQL + " WHERE entity = 'locker' AND entity_id = :entity_id",
                           {**_anonymous_values(locker_id), "entity_id": locker_id})
        # The trail keeps who did what with the locker, not whose card it was.
        store.conn.execute("UPDATE changes SET payload = packed_like(json_replace(payload_text(payload),"
                           " '$.detail.id_masked', '****'), payload)"
                           " WHERE entity = 'audit' AND entity_id IN (SELECT id FROM audit"
                           " WHERE entity = 'locker' AND entity_id = ?)", (locker_id,))
        sent[("locker", locker_id)] = _personal(locker_id)
        for (audit_id,) in store.conn.execute(
                "SELECT id FROM audit WHERE entity = 'locker' AND entity_id = ?", (locker_id,)):
            sent[("audit", audit_id)] = {("detail", "id_masked"): "****"}
        store.conn.execute("UPDATE audit SET detail = json_replace(detail, '$.id_masked', '****')"
                           " WHERE entity = 'locker' AND entity_id = ?", (locker_id,))
        store.record_change("locker", locker_id, "anonymise", get(store, locker_id).model_dump(mode="json"))
    return len(old)


def purge(store: Store, actor: User | None, *, older_than_days: int) -> PurgeResult:
    """Anonymise guests not seen for ``older_than_days`` and their returned lockers."""
    if not isinstance(older_than_days, int) or older_than_days < 1:
        raise Invalid({"older_than": FieldInvalid("invalid.older_than")})
    now = store.clock.now()
    cutoff = iso(now - timedelta(days=older_than_days))
    stamp = iso(now)
    with store.write():
        require(store, actor, "admin")
        # A card still held spares its owner, linked or typed by hand (a restored guest is
        # held as HASH:..., which the typed number gives when the store has the key).
        held = store.conn.execute("SELECT guest_id, id_number FROM lockers WHERE returned_at IS NULL").fetchall()
        held_guests = {guest_id for guest_id, _ in held if guest_id}
        held_numbers = {form for _, number in held for form in id_number_forms(store, number)}
        # Seen since the cut on a day now archived counts as seen (the day's local date is
        # at most a day off the UTC time).
        seen = {r["guest_id"] for r in archive.rows(store, "visits", lambda r: r["created_at"] >= cutoff,
                                                    start=(now - timedelta(days=older_than_days + 1)).date().isoformat())}
        spared = held_guests | seen
        ids = [guest_id for guest_id, number in store.conn.execute(
            "SELECT g.id, g.id_number FROM guests g WHERE g.anonymised_at IS NULL AND g.updated_at < :cut"
            " AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.guest_id = g.id AND v.created_at >= :cut)",
            {"cut": cutoff}) if guest_id not in spared and number not in held_numbers]
        sent: Sent = {}
        archived = archive.visits_of(store, ids)
        for guest_id in ids:
            _anonymise_guest(store, guest_id, stamp, sent, archived)
        lockers = _anonymise_lockers(store, "returned_at < :cut", {"cut": cutoff}, stamp, sent)
        redact_sent(store, sent)
        # A complaint closed that long ago needs no way back to its sender: the contact goes
        # (only its masked form ever left the office).
        complaints = store.conn.execute(
            "UPDATE complaints SET contact = NULL, updated_at = :now WHERE contact IS NOT NULL AND closed_at < :cut",
            {"cut": cutoff, "now": stamp}).rowcount
        audit.record(store, actor, "privacy.purge", None, None,
                     {"older_than_days": older_than_days, "guests": len(ids), "lockers": lockers,
                      "complaints": complaints})
    return PurgeResult(guests=len(ids), lockers=lockers, cutoff=cutoff, complaints=complaints)


def _subject_ids(store: Store, text: str) -> list[str]:
    """The guests a data subject's ID number (all records with it, a restored guest's
    ``HASH:`` form too when the store has the key) or email (exactly one) names."""
    column, forms = lookup_forms(store, text)
    if len(forms[0]) < 4:
        raise Invalid({"guest": FieldInvalid("invalid.guest_lookup")})
    ids = [r[0] for r in store.conn.execute(
        f"SELECT id FROM guests WHERE {column} IN ({', '.join('?' for _ in forms)})"
        " AND anonymised_at IS NULL ORDER BY created_at", forms)]
    if not ids:
        raise NotFound("guestbook.unknown_guest")
    # An email is typed by whoever fills the form, so several people may have used it:
    # only the ID number on the card in front of the officer proves whose records they are.
    if column == "email" and len(ids) > 1:
        raise Refused("privacy.email_ambiguous", count=len(ids))
    return ids


# What the access request lists of each visit (live or archived), beside its ticket's number.
SUBJECT_VISIT = ("created_at", "service", "purpose", "segment", "education", "gender", "disability",
                 "consent_version")


def subject_access(store: Store, actor: User | None, text: str) -> list[SubjectData]:
    """Everything stored about the guest(s) named by ID number or email; the look is audited."""
    with store.write():
        require(store, actor, "admin")
        found = []
        for guest_id in _subject_ids(store, text):
            guest = store.row("SELECT * FROM guests WHERE id = ?", (guest_id,))
            skipped: list[str] = []
            visits = sorted(archive.guest_visits(store, guest_id, SUBJECT_VISIT, skipped) + store.rows(
                f"SELECT {', '.join(f'v.{c}' for c in SUBJECT_VISIT)}, t.number AS ticket FROM visits v"
                " LEFT JOIN tickets t ON t.id = v.ticket_id WHERE v.guest_id = ? ORDER BY v.created_at",
                (guest_id,)), key=lambda v: v["created_at"])
            locker_ids = _locker_ids_for_guests(store, [guest_id])  # hand-typed cards too
            lockers = store.rows(
                "SELECT locker_no, holder_name, id_type, id_masked, assigned_at, returned_at FROM lockers"
                f" WHERE id IN ({', '.join('?' for _ in locker_ids) or 'NULL'}) ORDER BY assigned_at",
                tuple(locker_ids))
            orders = store.rows("SELECT number, created_at, status, customer_name FROM orders"
                                " WHERE guest_id = ? ORDER BY created_at", (guest_id,))
            found.append(SubjectData(guest=guest, visits=visits, lockers=lockers, orders=orders,
                                     archive_unreadable=skipped))
            audit.record(store, actor, "guest.show", "guest", guest_id, {})
    return found


def erase(store: Store, actor: User | None, text: str) -> Erased:
    """Anonymise the guest(s) named by ID number or email now (erasure or withdrawal of
    consent), with their returned lockers and outbox history. Refused while a card is held.
    Sales orders stay: they are financial records with their own retention."""
    stamp = iso(store.clock.now())
    with store.write():
        require(store, actor, "admin")
        ids = _subject_ids(store, text)
        # Linked to the guest, or the same card typed by hand: found before the guest's
        # ID number is anonymised.
        locker_ids = _locker_ids_for_guests(store, ids)
        marks = ", ".join("?" for _ in locker_ids) or "NULL"
        held = store.row(f"SELECT locker_no FROM lockers WHERE id IN ({marks})"
                         " AND returned_at IS NULL ORDER BY locker_no", tuple(locker_ids))
        if held:
            raise Refused("privacy.card_held", number=held["locker_no"])
        sent: Sent = {}
        archived = archive.visits_of(store, ids)
        for guest_id in ids:
            _anonymise_guest(store, guest_id, stamp, sent, archived)
            audit.record(store, actor, "guest.erase", "guest", guest_id, {})
        lockers = _anonymise_lockers(
            store, f"id IN ({', '.join(f':l{i}' for i in range(len(locker_ids))) or 'NULL'})",
            {f"l{i}": lid for i, lid in enumerate(locker_ids)}, stamp, sent)
        redact_sent(store, sent)
    return Erased(guest_ids=ids, lockers=lockers)


class Reapplied(BaseModel):
    guests: int
    lockers: int


def reapply(store: Store, guest_ids: list[str], lockers: dict[str, str | None]) -> Reapplied:
    """A store restored from a backup, given the anonymisations (``guest erase``, ``privacy
    purge``) the store it replaces had made since: made again here, as ``erase`` makes them
    (guest row, outbox history, slips, the anonymise change queued: the centre, anonymised
    already, receives the same again). ``lockers`` maps each anonymised locker to when its
    card came back: one the backup still shows held is returned then (it was; the newer
    store says so), so the queued change tells the centre nothing older than it knows.
    Ids the backup never had are skipped. Runs inside ``store.write()``."""
    stamp = iso(store.clock.now())
    guests = [gid for gid in guest_ids if store.conn.execute(
        "SELECT 1 FROM guests WHERE id = ? AND anonymised_at IS NULL", (gid,)).fetchone()]
    sent: Sent = {}
    archived = archive.visits_of(store, guests)
    for guest_id in guests:
        _anonymise_guest(store, guest_id, stamp, sent, archived)
    ids = [lid for lid in lockers if store.conn.execute(
        "SELECT 1 FROM lockers WHERE id = ? AND holder_name != ?", (lid, ANONYMOUS)).fetchone()]
    count = 0
    for start in range(0, len(ids), 500):  # years of purges: within SQLite's bound on parameters
        chunk = ids[start:start + 500]
        for locker_id in chunk:
            if lockers[locker_id]:
                store.conn.execute("UPDATE lockers SET returned_at = ? WHERE id = ? AND returned_at IS NULL",
                                   (lockers[locker_id], locker_id))
        count += _anonymise_lockers(
            store, f"id IN ({', '.join(f':l{i}' for i in range(len(chunk)))})",
            {f"l{i}": lid for i, lid in enumerate(chunk)}, stamp, sent)
    redact_sent(store, sent)
    if guests or count:
        audit.record(store, None, "privacy.reapplied", None, None, {"guests": len(guests), "lockers": count})
    return Reapplied(guests=len(guests), lockers=count)
