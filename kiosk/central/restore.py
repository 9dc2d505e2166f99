"""Rebuild an empty store from the central store (an office whose PC died).

One terminal's records come back (``--terminal``; found alone when the office has one, or
one whose others were all restored into it): officer accounts (with their argon2id PIN
hash), tickets, guests, visits, lockers, orders with their lines, invoices, payments,
receipts and corrections, ratings, service records, complaints with their responses and the
audit trail, as the centre last saw them.
Numbering (tickets, orders, invoices, receipts) continues from them, and new change ids
start above every id the office has sent. Every row is inserted, never replaced: the
counts are the rows written, and a clash refuses the whole restore.

Full ID numbers never left the office, so restored guests and lockers keep only the
masked form (a guest's ``id_number`` is ``HASH:`` + the keyed hash the centre held). The
office's ID hash key never goes to the centre either (ID numbers are guessable: the centre
with the key could recover them). The admin keeps it in a file offline (``export_id_key``,
``pst-kiosk key export``); a restore given that file (``--id-key-file``) puts it back in the
same transaction, so a returning visitor is recognised by ID number again and the next
guestbook entry with that number completes the restored guest instead of adding another.
Without it, they are recognised by e-mail only, and registering anew adds a new guest.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from kiosk import audit, guestbook, lockers
from kiosk.accounts import User, require
from kiosk.central import admin
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.errors import ConfigError, FieldInvalid, Invalid, NotFound, Refused, excerpt, os_reason
from kiosk.ids import new_id
from kiosk.privacy import ANONYMOUS
from kiosk.store import Store
from kiosk.text import clean

# In the order they go in: a row only points at rows already there.
TABLES = ("users", "tickets", "guests", "visits", "lockers", "orders", "ratings", "service_records",
          "complaints", "audit")
ENTITY = {"users": "user", "tickets": "ticket", "guests": "guest", "visits": "visit", "lockers": "locker",
          "orders": "order", "ratings": "rating", "service_records": "service_record", "complaints": "complaint",
          "audit": "audit"}
# A latest state without these keys is partial (an older purge sent only ``{"id": ...}``).
REQUIRED = {"users": "username", "tickets": "issued_at", "guests": "name", "visits": "guest_id",
            "lockers": "assigned_at", "orders": "number", "ratings": "ticket_id", "service_records": "ticket_id",
            "complaints": "number", "audit": "action"}
# An older purge sent an anonymised locker as its id alone: the rest comes from its last
# whole change, with the holder's name and card left out as the purge meant.
_ANONYMISED = {"lockers": {"holder_name": ANONYMOUS, "id_masked": "****"}}


class Terminal(BaseModel):
    id: str
    changes: int
    last_change: datetime
    restored_from: str | None = None


UNCONFIGURED = "0000"  # the office code of a configuration that names none yet


class Restored(BaseModel):
    terminal: str
    office_name: str | None = None  # the office's name at the centre, if it holds one
    restored: dict[str, int]
    skipped: dict[str, int] = {}  # what the centre does not hold whole: not written, reported
    id_key: str | None = None  # the fingerprint of the ID hash key put back, if one was given


# -- the ID hash key, kept offline ------------------------------------------------------

KEY_FILE_FORMAT = "pst-kiosk-id-key"
_KEY_FILE_MAX = 64 * 1024  # a key file is ~300 bytes: anything larger is the wrong file


class IdKeyFile(BaseModel):
    """What ``export_id_key`` writes and ``restore`` takes back (JSON)."""

    format: Literal["pst-kiosk-id-key"]
    version: Literal[1]
    office_code: str
    key: str = Field(pattern=r"^[0-9a-f]{64}$")
    fingerprint: str
    exported_at: str


class IdKeyExported(BaseModel):
    path: str
    office_code: str
    fingerprint: str


def key_fingerprint(key: str) -> str:
    """16 hex digits naming a key (in the file, the trail and messages); says nothing of it."""
    return hashlib.sha256(f"{KEY_FILE_FORMAT}:{key}".encode()).hexdigest()[:16]


def export_id_key(store: Store, settings: Settings, actor: User | None, path: str | os.PathLike[str], *,
                  force: bool = False) -> IdKeyExported:
    """Write this office's ID hash key to ``path`` (0600; an existing file only with ``force``),
    making the key if the store has none yet. Admin only; audited (fingerprint, not key)."""
    target = Path(os.path.abspath(path))
    with store.write():
        require(store, actor, "admin")
        key = guestbook.ensure_id_key(store)
        content = IdKeyFile(format=KEY_FILE_FORMAT, version=1, office_code=settings.office.code, key=key,
                            fingerprint=key_fingerprint(key), exported_at=iso(store.clock.now()))
        _write_private(target, content.model_dump_json(indent=2) + "\n", force=force)
        audit.record(store, actor, "id_key.export", None, None,
                     {"file": str(target), "fingerprint": content.fingerprint})
    return IdKeyExported(path=str(target), office_code=content.office_code, fingerprint=content.fingerprint)


def _write_private(path: Path, text: str, *, force: bool) -> None:
    """Create ``path`` readable by its owner only. Without ``force`` an existing file is
    refused (O_EXCL, so no race); with it a private temporary file replaces it whole."""
    target = path.with_name(f".{path.name}.{new_id()}.tmp") if force else path
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Refused("id_key.exists", path=str(path)) from None
    except OSError as exc:
        raise Refused("id_key.unwritable", path=str(path), **os_reason(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(target, path)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise Refused("id_key.unwritable", path=str(path), **os_reason(exc)) from None


def load_id_key(path: str | os.PathLike[str], office_code: str) -> IdKeyFile:
    """Read and check a key file for ``office_code``: unreadable or malformed is invalid input,
    another office's is refused."""
    def invalid(key: str, **params: Any) -> Invalid:
        return Invalid({"id_key_file": FieldInvalid(key, path=str(path), **params)})

    try:
        with open(path, "rb") as fh:
            raw = fh.read(_KEY_FILE_MAX + 1)
    except OSError as exc:
        raise invalid("id_key.unreadable", detail=exc.strerror or str(exc)) from None
    try:
        if len(raw) > _KEY_FILE_MAX:
            raise ValueError("too large")
        found = IdKeyFile.model_validate_json(raw)
    except ValueError:  # pydantic's ValidationError and a bad encoding are ValueErrors
        raise invalid("id_key.malformed") from None
    if found.fingerprint != key_fingerprint(found.key):  # a key copied by hand with a slip
        raise invalid("id_key.malformed")
    if found.office_code != office_code:
        raise Refused("id_key.wrong_office", path=str(path), found=found.office_code, office=office_code)
    return found


def terminals(conn: Any, office_code: str) -> list[Terminal]:
    """The office's terminals as the centre knows them, the one changed last first."""
    parents = dict(conn.execute(
        "SELECT terminal_id, payload->>'restored_from' FROM pst.changes"
        " WHERE office_code = %s AND entity = 'terminal' AND op = 'restore'", (office_code,)).fetchall())
    return [Terminal(id=r[0], changes=r[1], last_change=r[2], restored_from=parents.get(r[0]))
            for r in conn.execute(
                "SELECT terminal_id, count(*), max(created_at) FROM pst.changes WHERE office_code = %s"
                " GROUP BY terminal_id ORDER BY max(created_at) DESC", (office_code,)).fetchall()]


def _listing(found: list[Terminal], settings: Settings) -> str:
    tz = settings.office.tz
    return "; ".join(f"{t.id} ({t.last_change.astimezone(tz):%d-%m-%Y %H:%M})" for t in found)


def _choose(found: list[Terminal], terminal: str | None, office_code: str, settings: Settings,
            role: str = "?") -> list[str]:
    """The chosen terminal and those it was restored from, newest first."""
    by_id = {t.id: t for t in found}
    if not found:  # row-level security shows a role nothing of another office, as if empty
        raise NotFound("restore.nothing_visible", office=office_code, role=role)
    if terminal is None:
        heads = [t for t in found if t.id not in {x.restored_from for x in found}]
        if len(heads) != 1:
            raise Refused("restore.pick_terminal", office=office_code, terminals=_listing(heads, settings))
        terminal = heads[0].id
    if terminal not in by_id:
        raise NotFound("restore.unknown_terminal", terminal=excerpt(terminal), terminals=_listing(found, settings))
    chain = [terminal]
    while (parent := by_id[chain[-1]].restored_from) and parent in by_id and parent not in chain:
        chain.append(parent)
    return chain


def _fetch(conn: Any, office_code: str, chain: list[str]) -> dict[str, list[tuple[str, dict[str, Any], str]]]:
    """Latest states whose last change came from the chain; partial ones completed from
    the last whole change of the record (and marked anonymised)."""
    fetched: dict[str, list[tuple[str, dict[str, Any], str]]] = {}
    for table in TABLES:
        rows = conn.execute(
            f"SELECT e.id, e.data, e.changed_at FROM pst.{table} e JOIN pst.changes c"
            "  ON c.office_code = e.office_code AND c.change_id = e.change_id"
            " WHERE e.office_code = %s AND c.terminal_id = ANY(%s) ORDER BY e.change_id",
            (office_code, chain)).fetchall()
        partial = [r[0] for r in rows if REQUIRED[table] not in r[1]]
        whole: dict[str, dict[str, Any]] = {}
        if partial and table in _ANONYMISED:
            whole = dict(conn.execute(
                "SELECT DISTINCT ON (entity_id) entity_id, payload FROM pst.changes"
                " WHERE office_code = %s AND entity = %s AND entity_id = ANY(%s) AND payload ? %s"
                " ORDER BY entity_id, change_id DESC",
                (office_code, ENTITY[table], partial, REQUIRED[table])).fetchall())
        fetched[table] = []
        for rid, data, changed in rows:
            if rid in whole:
                data = {**whole[rid], **data, **_ANONYMISED.get(table, {})}
            fetched[table].append((rid, data, changed.isoformat()))
    return fetched



class _Writer:
    """Inserts (never replaces) rows, dropping links to rows that did not come back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cols: dict[str, dict[str, bool]] = {}
        self._fks: dict[str, list[tuple[str, str]]] = {}

    def columns(self, table: str) -> dict[str, bool]:
        if table not in self._cols:
            self._cols[table] = {r[1]: bool(r[3]) for r in self.store.conn.execute(f"PRAGMA table_info({table})")}
            self._fks[table] = [(r[3], r[2]) for r in self.store.conn.execute(f"PRAGMA foreign_key_list({table})")
                                if r[2] != table]
        return self._cols[table]

    def insert(self, table: str, row: dict[str, Any]) -> int:
        cols = self.columns(table)
        row = {k: (json.dumps(v) if isinstance(v, (dict, list)) else (int(v) if isinstance(v, bool)
                   else clean(v) if isinstance(v, str) else v))  # no control characters restored
               for k, v in row.items() if k in cols}
        for column, target in self._fks[table]:
            if row.get(column) is not None and not cols[column] and not self.store.conn.execute(
                    f"SELECT 1 FROM {target} WHERE id = ?", (row[column],)).fetchone():
                row[column] = None
        names = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        try:
            return self.store.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", row).rowcount
        except sqlite3.IntegrityError as exc:
            raise Refused("restore.clash", table=table, id=row.get("id") or "-", detail=str(exc)) from exc


def _from_first(tickets: list[tuple[dict[str, Any], str]]) -> list[tuple[dict[str, Any], str]]:
    """Tickets ordered so that each comes after the ticket it was transferred from."""
    by_id = {d["id"]: (d, c) for d, c in tickets}
    placed: set[str] = set()
    ordered: list[tuple[dict[str, Any], str]] = []

    def place(ticket_id: str, seen: frozenset = frozenset()) -> None:
        if ticket_id in placed or ticket_id in seen:
            return
        data, changed = by_id[ticket_id]
        parent = data.get("transferred_from")
        if parent in by_id:
            place(parent, seen | {ticket_id})
        placed.add(ticket_id)
        ordered.append((data, changed))

    for data, _changed in tickets:
        place(data["id"])
    return ordered


def _tail_numbers(number: str) -> tuple[int, int]:
    """(year, seq) from 'ORD/1373/2026/0007' or '0007/KW/1373/2026'."""
    parts = number.split("/")
    if parts[0].isdigit() and len(parts[0]) <= 5 and parts[-1].isdigit():
        return int(parts[-1]), int(parts[0])
    return int(parts[-2]), int(parts[-1])


def restore(store: Store, settings: Settings, *, dsn: str | None, office_code: str,
            terminal: str | None = None, id_key_file: str | os.PathLike[str] | None = None) -> Restored:
    """Fill an empty store with one terminal's records from the centre (see the module);
    with ``id_key_file`` (checked before anything is fetched) the office's ID hash key too.
    Only for the configured office or on a PC that names none yet (code 0000): the caller
    then makes the configuration name it (``Restored.office_name``: the centre's name)."""
    import psycopg

    admin.check_office_code(office_code)
    configured = settings.office.code
    if configured not in (UNCONFIGURED, office_code):
        # The store would be restored as one office and sync as another (refused by the centre).
        raise ConfigError("restore.other_office", configured=configured, office=office_code)
    used = sum(store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
               for t in ("tickets", "guests", "orders", "users", "changes"))
    if used:
        raise Refused("sync.not_empty")
    id_key = load_id_key(id_key_file, office_code) if id_key_file is not None else None
    dsn = dsn or settings.central_dsn
    with admin.connect(dsn) as conn:
        try:
            role = conn.info.user
            own = admin.role_office(conn)
            if own is not None and own != office_code:
                raise ConfigError("restore.wrong_role", role=role, own=own, office=office_code)
            chain = _choose(terminals(conn, office_code), terminal, office_code, settings, role)
            name = conn.execute("SELECT name FROM pst.offices WHERE code = %s", (office_code,)).fetchone()
            fetched = _fetch(conn, office_code, chain)
            floor = conn.execute("SELECT change_id FROM pst.changes WHERE office_code = %s"
                                 ' ORDER BY change_id COLLATE "C" DESC LIMIT 1', (office_code,)).fetchone()
        except psycopg.Error as exc:
            raise admin.CentralError("central.failed", dsn=admin.describe(dsn),
                                       detail=admin.short_error(exc)) from exc
    restored = {table: 0 for table in TABLES}
    skipped = {table: 0 for table in TABLES}
    with store.write():
        if id_key is not None:
            # First, so nothing in this transaction could make a key of its own; an empty
            # store's key (if any) hashed nothing yet and is replaced.
            store.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?)"
                               " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               (guestbook.ID_KEY, id_key.key))
        _write(_Writer(store), store.terminal_id, fetched, restored, skipped)
        store.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('office_code', ?)", (office_code,))
        store.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('changes.floor', ?)", (floor[0],))
        store.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('restored_from', ?)", (chain[0],))
        # The centre learns this terminal continues that one (a later restore follows the chain).
        fingerprint = id_key.fingerprint if id_key else None
        store.record_change("terminal", store.terminal_id, "restore",
                            {"restored_from": chain[0], "office_code": office_code, "restored": restored,
                             **({"id_key": fingerprint} if fingerprint else {})})
    return Restored(terminal=chain[0], restored=restored, skipped={k: v for k, v in skipped.items() if v},
                    id_key=fingerprint, office_name=(name[0] or None) if name else None)


def _write(w: _Writer, terminal: str, fetched: dict[str, list[tuple[str, dict[str, Any], str]]],
           restored: dict[str, int], skipped: dict[str, int]) -> None:
    def complete(table: str, data: dict[str, Any]) -> bool:
        if REQUIRED[table] in data:
            return True
        skipped[table] += 1
        return False

    for _id, data, changed in fetched["users"]:
        # Accounts come back with their PIN hash; one sent before hashes travelled cannot log in.
        if not complete("users", data):
            continue
        if not str(data.get("pin_hash") or "").startswith("$argon2id$"):
            skipped["users"] += 1
            continue
        restored["users"] += w.insert("users", {**data, "created_at": changed, "updated_at": changed,
                                                "terminal_id": terminal, "failed_attempts": 0, "locked_until": None})
    tickets = [(d, c) for _i, d, c in fetched["tickets"] if complete("tickets", d)]
    # Transfers point at each other. A transfer's row keeps the number it was opened with
    # (B-001 sent on to consultation is still B-001): it is one number only with its link to
    # where it came from (the unique index skips rows with ``transferred_from``). So each
    # ticket goes in after the one it came from, with that link; the forward links after.
    for data, changed in _from_first(tickets):
        restored["tickets"] += w.insert("tickets", {**data, "transferred_to": None,
                                                    "created_at": data["issued_at"], "updated_at": changed,
                                                    "terminal_id": terminal})
    for data, _changed in tickets:
        w.store.conn.execute("UPDATE tickets SET transferred_to = ? WHERE id = ?",
                             (data.get("transferred_to"), data["id"]))
    for _id, data, changed in fetched["guests"]:
        if complete("guests", data):
            number = (f"ANON-{data['id']}" if data.get("anonymised_at")
                      else guestbook.HASHED + (data.get("id_hash") or data["id"]))
            restored["guests"] += w.insert("guests", {"created_at": changed, "updated_at": changed, "email": "",
                                                      **data, "id_number": number, "terminal_id": terminal})
    for _id, data, changed in fetched["visits"]:
        if complete("visits", data):
            restored["visits"] += w.insert("visits", {"created_at": changed, **data, "terminal_id": terminal})
    for _id, data, changed in fetched["lockers"]:
        if complete("lockers", data):
            restored["lockers"] += w.insert("lockers", {**data, "id_number": lockers.RESTORED + data["id"],
                                                        "created_at": data["assigned_at"], "updated_at": changed,
                                                        "terminal_id": terminal})
    for _id, data, changed in fetched["orders"]:
        if complete("orders", data):
            restored["orders"] += _write_order(w, terminal, data, changed)
    for _id, data, changed in fetched["ratings"]:
        if complete("ratings", data):
            restored["ratings"] += w.insert("ratings", {"created_at": changed, **data, "terminal_id": terminal})
    for _id, data, changed in fetched["service_records"]:
        if not complete("service_records", data):
            continue
        if not w.store.conn.execute("SELECT 1 FROM tickets WHERE id = ?", (data["ticket_id"],)).fetchone():
            skipped["service_records"] += 1  # its ticket did not come back (another terminal's)
            continue
        restored["service_records"] += w.insert("service_records", {**data, "terminal_id": terminal})
    for _id, data, changed in fetched["complaints"]:
        if complete("complaints", data):
            restored["complaints"] += _write_complaint(w, terminal, data, changed)
    for _id, data, _changed in fetched["audit"]:
        if complete("audit", data):
            restored["audit"] += w.insert("audit", {**data, "detail": data.get("detail") or {}})


def _write_order(w: _Writer, terminal: str, data: dict[str, Any], changed: str) -> int:
    year, seq = _tail_numbers(data["number"])
    written = w.insert("orders", {**data, "year": year, "seq": seq, "terminal_id": terminal, "updated_at": changed})
    for line in data.get("lines", []):
        w.insert("order_lines", {**line, "order_id": data["id"], "created_at": data["created_at"],
                                 "terminal_id": terminal})
    for inv in data.get("invoices", []):
        w.insert("invoices", {**inv, "order_id": data["id"], "created_at": inv["issued_at"],
                              "terminal_id": terminal, "lines": data.get("lines", [])})
    for pay in data.get("payments", []):
        w.insert("payments", {**pay, "order_id": data["id"], "terminal_id": terminal})
    receipt = data.get("receipt")
    if receipt:
        r_year, r_seq = _tail_numbers(receipt["number"])
        paid = next((p["id"] for p in data.get("payments", []) if p["status"] == "verified"), None)
        w.insert("receipts", {**receipt, "order_id": data["id"], "payment_id": paid, "year": r_year, "seq": r_seq,
                              "created_at": receipt["issued_at"], "terminal_id": terminal})
    for corr in data.get("corrections", []):
        w.insert("corrections", {**corr, "order_id": data["id"], "terminal_id": terminal})
    return written


def _write_complaint(w: _Writer, terminal: str, data: dict[str, Any], changed: str) -> int:
    """A complaint and its responses; the full contact never left the office (masked only)."""
    year, seq = _tail_numbers(data["number"])
    written = w.insert("complaints", {**data, "year": year, "seq": seq, "contact": None, "terminal_id": terminal,
                                      "created_at": data["received_at"], "updated_at": changed})
    for response in data.get("responses", []):
        w.insert("complaint_responses", {**response, "id": new_id(), "complaint_id": data["id"],
                                         "status": response.get("status") or data["status"],
                                         "terminal_id": terminal})
    return written
